"""The canonical event schema, the error users see, and the data-quality report.

Every loader returns events with these columns (docs/definitions/data.md#canonical-event-schema):
user_id (String), event (String), ts (Datetime us UTC), revenue (Float64, 0.0 when absent),
optional account_id and session_id (String); any other column is a property kept as read.

Raw columns become canonical ones in `nsm_core.parse` (parse_ts, parse_money, parse_id)
and `nsm_core.cleaning` (normalize: each row marked with the reason it is dropped, or
null); `nsm_core.quality` counts the reasons into a `QualityReport`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import polars as pl

from nsm_core._types import FrameT
from nsm_core.periods import epoch_us

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


# Time resolutions, coarsest first: the coarsest unit every time is a whole number of.
RESOLUTIONS: Final = ("day", "hour", "minute", "second", "sub-second")
# On data timed to the minute or coarser, two identical rows are two real events (two
# same-day purchases of one amount); once times carry seconds, they are a double export.
REPEATS_KEPT: Final = ("day", "hour", "minute")


@dataclass(frozen=True, slots=True)
class Repeats:
    """Rows identical to an earlier row, and what the data's time resolution made of them.

    resolution: one of RESOLUTIONS ("day" = dates only), over the rows kept otherwise.
    identical: rows identical in every column to an earlier row. They are kept as repeat
    events when the resolution is in REPEATS_KEPT, else dropped as "duplicate row".
    """

    resolution: str = "second"
    identical: int = 0

    @property
    def kept(self) -> bool:
        """True when identical rows are kept as repeat events (times coarser than a second)."""
        return self.resolution in REPEATS_KEPT


@dataclass(frozen=True, slots=True)
class QualityReport:
    """What loading did to the rows: nothing is dropped without being counted here.

    rows_read = rows_kept + sum(drops) (duplicates are one of the drop reasons).
    revenue_total = Σ revenue of kept rows (net of refunds); refunds = #(revenue < 0);
    refund_total = Σ revenue over those rows (a negative number or 0). repeats: the
    identical rows and the rule that kept or dropped them.
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
    repeats: Repeats = field(default_factory=Repeats)

    @property
    def rows_dropped(self) -> int:
        """Rows removed in cleaning, all reasons together."""
        return self.rows_read - self.rows_kept


def with_sessions(events: FrameT, gap_minutes: int = 30) -> FrameT:
    """Return `events` with session_id derived from inactivity gaps, when it has none.

    A user's session starts at their first event and at every event more than
    `gap_minutes` after their previous one; session_id = "<user_id>:<n>" with n = 1, 2, ...
    counted in time order. Lazy expressions only; row order is unchanged.

    Example:
        >>> from datetime import datetime as dt
        >>> ts = [dt(2024, 1, 1, 9), dt(2024, 1, 1, 9, 20), dt(2024, 1, 1, 10), dt(2024, 1, 1)]
        >>> df = pl.DataFrame({"user_id": ["a", "a", "a", "b"], "ts": ts})
        >>> with_sessions(df).get_column("session_id").to_list()
        ['a:1', 'a:1', 'a:2', 'b:1']
    """
    if SESSION in events.collect_schema().names():
        return events
    gap = epoch_us(TS).diff().over(USER, order_by=TS)
    starts = (gap.is_null() | (gap > gap_minutes * 60_000_000)).alias(SESSION)
    number = pl.col(SESSION).cum_sum().over(USER, order_by=TS)
    return events.with_columns(starts).with_columns(
        pl.concat_str(pl.col(USER), pl.lit(":"), number.cast(pl.String)).alias(SESSION)
    )
