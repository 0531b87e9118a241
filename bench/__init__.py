"""Benchmarks: `python -m bench` times every core computation beside a DuckDB reference."""
