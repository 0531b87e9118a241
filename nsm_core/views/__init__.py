"""The view layer: what each page shows, built from core results, as frozen view objects.

One module per page (`views.retention` for app_pages/retention.py): it turns results into
headline numbers with their help texts, captions in words, tables with display names and
charts with the data behind them. A page reads widgets → spec → cached call → view →
render, and nothing else; `components/render.py` draws any view object. Wording lives here
and only here.
"""
