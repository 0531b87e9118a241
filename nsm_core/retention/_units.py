"""Who counts as one unit (a user or an account) and which events a computation reads."""

from typing import Literal, TypeAlias

import polars as pl

from nsm_core._types import FrameT
from nsm_core.schema import ACCOUNT, EVENT, USER, DataError

Unit: TypeAlias = Literal["user", "account"]


def as_unit(events: FrameT, unit: Unit) -> FrameT:
    """Return `events` with user_id holding the unit that is counted (user or account).

    For unit="account" user_id is replaced by account_id and rows without an account are
    dropped, so every table counts accounts (B2B roll-up) with the same code.

    Raises:
        DataError: unit="account" and the events have no account_id column.

    Example:
        >>> ev = pl.DataFrame({"user_id": ["a", "b", "c"], "account_id": ["x", "x", None]})
        >>> as_unit(ev, "account")["user_id"].to_list()
        ['x', 'x']
    """
    if unit == "user":
        return events
    if ACCOUNT not in events.collect_schema().names():
        raise DataError(
            "Account-level tables need an account_id column, and these events have none.",
            fix="Map the column that names the team or company to account_id on the Data page.",
        )
    return events.filter(pl.col(ACCOUNT).is_not_null()).with_columns(pl.col(ACCOUNT).alias(USER))


def named(event: str | None) -> pl.Expr:
    """Return a filter that keeps rows of `event` (every row when None).

    Example:
        >>> pl.DataFrame({"event": ["a", "b"]}).filter(named("b")).height
        1
    """
    return pl.lit(value=True) if event is None else pl.col(EVENT) == event
