"""North Star Lab analysis core: pure polars, no UI (see DESIGN.md)."""
