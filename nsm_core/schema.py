"""The canonical event schema, the error users see, and the data-quality report.

Every loader returns events with these columns (DESIGN.md, "Canonical event schema"):
user_id (String), event (String), ts (Datetime us UTC), revenue (Float64, 0.0 when absent),
optional account_id and session_id (String); any other column is a property kept as read.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import polars as pl

USER: Final = "user_id"
EVENT: Final = "event"
TS: Final = "ts"
REVENUE: Final = "revenue"
ACCOUNT: Final = "account_id"
SESSION: Final = "session_id"

REQUIRED: Final = (USER, EVENT, TS)
TS_DTYPE: Final = pl.Datetime("us", "UTC")
CANONICAL_DTYPES: Final[dict[str, pl.DataType]] = {
    USER: pl.String(),
    EVENT: pl.String(),
    TS: TS_DTYPE,
    REVENUE: pl.Float64(),
    ACCOUNT: pl.String(),
    SESSION: pl.String(),
}
CANONICAL: Final = tuple(CANONICAL_DTYPES)


class DataError(ValueError):
    """Input we cannot use, explained: what is wrong, where, and what to do about it.

    The message is written for the person who uploaded the file, e.g.
    "No user column found in events.csv. Found columns: a, b, c. Map one to user_id in
    the column mapping."
    """

    def __init__(self, problem: str, *, where: str = "", fix: str = "") -> None:
        self.problem = problem
        self.where = where
        self.fix = fix
        super().__init__(" ".join(part for part in (problem, where, fix) if part))


@dataclass(frozen=True, slots=True)
class QualityReport:
    """What loading did to the rows: nothing is dropped without being counted here.

    rows_read = rows_kept + sum(drops) (duplicates are one of the drop reasons).
    """

    rows_read: int
    rows_kept: int
    drops: tuple[tuple[str, int], ...]
    users: int
    event_types: int
    first_ts: datetime | None
    last_ts: datetime | None
    revenue_total: float
    refunds: int
    refund_total: float
    notes: tuple[str, ...] = field(default=())

    @property
    def rows_dropped(self) -> int:
        """Rows removed in cleaning, all reasons together."""
        return self.rows_read - self.rows_kept
