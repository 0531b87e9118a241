"""Altair chart builders: pure functions, DataFrame in, chart out (no streamlit).

`_base` holds the shared pieces; each domain has its own module (overview, retention, ...).
"""
