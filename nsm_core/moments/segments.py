"""Who gains most from which moment: the adjusted lifts of the top moments per segment."""

from typing import Final

import numpy as np
import polars as pl

from nsm_core.moments import estimate, scores
from nsm_core.moments.candidates import UserTable
from nsm_core.moments.discover import MomentsResult
from nsm_core.schema import DataError

MAX_SEGMENTS: Final = 8
_SEGMENT_SCHEMA: Final = {
    "moment": pl.String,
    "segment": pl.String,
    "users": pl.Int64,
    "users_reached": pl.Int64,
    "lift": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}


def top_moments(ranked: pl.DataFrame, top: int = 3) -> pl.DataFrame:
    """Return the best `top` likely causal drivers of a ranked table, one threshold per event.

    Example:
        >>> ranked = pl.DataFrame(
        ...     {"rank": [1, 2, 3], "event": ["a", "a", "b"], "verdict": [scores.DRIVER] * 3}
        ... )
        >>> top_moments(ranked, 5)["event"].to_list()
        ['a', 'b']
    """
    return (
        ranked.filter(pl.col("verdict") == scores.DRIVER)
        .sort("rank")
        .unique("event", keep="first", maintain_order=True)
        .head(top)
    )


def _values(table: UserTable, segment: str | None, min_users: int) -> list[str]:
    """Return the segment's most common values among eligible users, each with enough users."""
    if segment is None:
        return []
    if segment not in table.users.columns:
        raise DataError(f"No property {segment!r} was kept per user; add it to the segments.")
    sizes = (
        table.users.filter("eligible")
        .group_by(segment)
        .agg(n=pl.len())
        .filter(pl.col("n") >= 2 * min_users)
        .sort(["n", segment], descending=[True, False])
    )
    return sizes[segment].head(MAX_SEGMENTS).to_list()


def segment_lifts(
    table: UserTable, result: MomentsResult, segment: str | None, top: int = 3
) -> pl.DataFrame:
    """Return the adjusted lift of each top moment within each value of `segment`.

    (moment, segment, users, users_reached, lift, ci_low, ci_high): the same estimator as
    the main table on the eligible users of one segment value, without that property among
    the confounders (it is constant there). lift is null where a side has < min_users.
    """
    moments = top_moments(result.table, top)
    spec = table.spec
    index = {name: j for j, name in enumerate(table.events)}
    users = table.users[segment].to_numpy() if segment else None
    rows, cells = [], []
    for value in _values(table, segment, spec.min_users):
        pop = estimate.population(table, table.eligible & (users == value), drop=segment)
        for moment, event, k in moments.select("moment", "event", "threshold").rows():
            reached = int((pop.counts[:, index[event]] >= k).sum())
            enough = min(reached, pop.y.size - reached) >= spec.min_users
            rows.append((moment, value, pop.y.size, reached, enough))
            if enough:
                cells.append(estimate.event_cells(pop, index[event], [k])[0])
    lifts = _adjust_rows(rows, cells, table)
    return pl.DataFrame(
        [(*row[:4], *fit) for row, fit in zip(rows, lifts, strict=True)],
        schema=_SEGMENT_SCHEMA,
        orient="row",
    )


def _adjust_rows(rows: list[tuple], cells: list[np.ndarray], table: UserTable) -> list[tuple]:
    """Return (lift, ci_low, ci_high) per row, None where the row had too few users."""
    spec = table.spec
    fit = (
        estimate.adjust(np.stack(cells), spec.binary, spec.bootstrap, spec.seed) if cells else None
    )
    out, c = [], 0
    for row in rows:
        if not row[4]:
            out.append((None, None, None))
            continue
        values = (fit.lift[c], fit.ci_low[c], fit.ci_high[c])
        out.append(tuple(None if np.isnan(v) else float(v) for v in values))
        c += 1
    return out
