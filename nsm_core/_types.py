"""Shared type aliases (private, narwhals-style)."""

from typing import Literal, TypeAlias, TypeVar

import polars as pl

Period: TypeAlias = Literal["day", "week", "month"]
IntoExpr: TypeAlias = str | pl.Expr
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

PERIODS: tuple[Period, ...] = ("day", "week", "month")


def col(expr: IntoExpr) -> pl.Expr:
    """Return `expr` as a polars expression (a string names a column)."""
    return pl.col(expr) if isinstance(expr, str) else expr
