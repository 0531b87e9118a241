"""CSV downloads neutralise spreadsheet formulas and keep everything else intact."""

import csv
import io

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from nsm_core.export import to_csv_bytes

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@given(st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_no_cell_starts_a_formula_and_content_survives(cells):
    out = to_csv_bytes(pl.DataFrame({"name": cells}, schema={"name": pl.String}))
    rows = list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))[1:]
    assert len(rows) == len(cells)
    for (got,), original in zip(rows, cells, strict=True):
        assert not got.startswith(DANGEROUS)
        assert got in (original, "'" + original) or (original == "" and got == "")


def test_numbers_are_not_touched():
    out = to_csv_bytes(pl.DataFrame({"revenue": [-3.5, 2.0]})).decode()
    assert out.splitlines() == ["revenue", "-3.5", "2.0"]
