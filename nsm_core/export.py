"""Downloads that are safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab / carriage return) is run as a formula by Excel,
LibreOffice and Google Sheets (CSV injection, OWASP). Every CSV we hand out prefixes such
text cells with a single quote, so they display as text and never execute.
"""

import polars as pl

_FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(df: pl.DataFrame) -> pl.DataFrame:
    """Return `df` with text cells that a spreadsheet would run as formulas made inert.

    cell -> "'" + cell when cell starts with one of = + - @ TAB CR; numbers are untouched.

    Example:
        >>> df = pl.DataFrame({"name": ["=1+1", "Ann", "-x"], "n": [-1, 2, 3]})
        >>> neutralise_formulas(df).rows()
        [("'=1+1", -1), ('Ann', 2), ("'-x", 3)]
    """
    text = [name for name, dtype in df.schema.items() if dtype == pl.String]
    return df.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """Return a nested column as readable text: lists joined by ", ", structs as JSON."""
    if isinstance(dtype, pl.List | pl.Array):
        return pl.col(name).list.eval(pl.element().cast(pl.String)).list.join(", ")
    return pl.col(name).struct.json_encode()


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    r"""Return `df` as UTF-8 CSV bytes, formula-injection safe, nested cells as text.

    Example:
        >>> df = pl.DataFrame({"a": ["@SUM(A1)"], "b": [[1, 2]]})
        >>> to_csv_bytes(df).decode().splitlines()
        ['a,b', '\'@SUM(A1),"1, 2"']
    """
    flat = df.with_columns(
        _as_text(name, dtype) for name, dtype in df.schema.items() if dtype.is_nested()
    )
    return neutralise_formulas(flat).write_csv().encode("utf-8")
