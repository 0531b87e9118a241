"""North Star Lab analysis core: pure polars, no UI (see docs/architecture.md)."""
