"""Property columns: text that holds only numbers becomes numbers.

CSV files are read as text, so an uploaded `discount`, `cogs` or `seats` column would stay
a column of strings that cannot be summed. `numbers_from_text` types such columns after
loading, deciding on the whole column so that no value is ever lost to a failed parse.
"""

from collections.abc import Collection
from typing import Final

import polars as pl

from nsm_core.schema import CANONICAL

# A plain decimal number: optional minus, digits without a leading zero (or a lone 0), an
# optional fraction; or a bare fraction (".5"). No exponent, sign "+", separators or
# currency: such text is not obviously a number. ASCII digits only, so every match casts.
DECIMAL: Final = r"^-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|\.[0-9]+)$"
SAMPLE_ROWS: Final = 1_000


def _counts(frame: pl.DataFrame, columns: list[str], *, full: bool) -> dict[str, dict]:
    """Return counts per column: non-empty values, plain decimals (and, when `full`, ...).

    With `full`, also the values with a "." and the values that fit in an Int64. One
    select, so that polars counts the columns in parallel.
    """

    def fields(text: pl.Expr) -> dict[str, pl.Expr]:
        out = {
            "filled": (text.str.len_bytes() > 0).sum(),
            "decimal": text.str.contains(DECIMAL).sum(),
        }
        if full:
            out["fraction"] = text.str.contains(".", literal=True).sum()
            out["whole"] = text.cast(pl.Int64, strict=False).count()
        return out

    return frame.select(pl.struct(**fields(pl.col(c))).alias(c) for c in columns).row(0, named=True)


def _number_type(counts: dict[str, int]) -> pl.DataType | None:
    """Return the type a column of these `_counts` takes: Int64, Float64, or None (text).

    Plain decimals without a "." are whole numbers: Int64 when every one fits in 64 bits
    (longer ones are ids that a Float64 would round, so they stay text).
    """
    if not counts["filled"] or counts["decimal"] < counts["filled"]:
        return None
    if counts["fraction"]:
        return pl.Float64()
    return pl.Int64() if counts["whole"] == counts["filled"] else None


def numbers_from_text(
    events: pl.DataFrame, sample_rows: int = SAMPLE_ROWS, keep: Collection[str] = ()
) -> tuple[pl.DataFrame, dict[str, pl.DataType]]:
    """Return `events` with text property columns of numbers as numbers, and the new types.

    A String column other than the canonical ones and those in `keep` (declared text by
    the file, such as RecBole tokens) becomes Int64 when every non-empty
    value is an integer without a leading zero ("007" ids stay text), else Float64 when
    every non-empty value is a plain decimal (-12, 3.50, .5; not 1e3, +5 or 1,234); empty
    strings become null. Otherwise it stays text, whole: no value is ever nulled. The
    first `sample_rows` rows pick the candidates; only those are checked on every row.

    Example:
        >>> df = pl.DataFrame({"seats": ["3", "", "12"], "cogs": ["1.5", "-2", None]})
        >>> df = df.with_columns(zip=pl.lit("007"))
        >>> out, types = numbers_from_text(df)
        >>> out.rows(), types
        ([(3, 1.5, '007'), (None, -2.0, '007'), (12, None, '007')], {'seats': Int64, 'cogs': Float64})
    """  # noqa: E501
    text = [c for c, d in events.schema.items() if d == pl.String and c not in (*CANONICAL, *keep)]
    sample = _counts(events.head(sample_rows), text, full=False) if text else {}
    candidates = [c for c, n in sample.items() if n["decimal"] == n["filled"]]
    counts = _counts(events, candidates, full=True) if candidates else {}
    types = {c: t for c, n in counts.items() if (t := _number_type(n)) is not None}
    if not types:
        return events, {}
    return events.with_columns(pl.col(c).cast(d, strict=False) for c, d in types.items()), types
