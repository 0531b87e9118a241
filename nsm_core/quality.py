"""The quality report of a cleaned load: rows dropped by reason, totals, notes.

Works on a collected `cleaning.normalize` result: `drop_counts` and `summarize` count what
cleaning did, `require_rows` stops a load that kept nothing with the main reason and
three example rows.
"""

from typing import Final

import polars as pl

from nsm_core.cleaning import (
    BAD_MONEY,
    BAD_TS,
    DROP,
    DROP_REASONS,
    DUPLICATE,
    FUTURE_TS,
    MISSING_EVENT,
    MISSING_USER,
    RAW_TS,
    ROW,
    Normalize,
)
from nsm_core.schema import EVENT, REVENUE, TS, USER, DataError, QualityReport, Repeats


def _examples(frame: pl.DataFrame, reason: str, limit: int = 3) -> str:
    """Return up to `limit` source values (for time reasons) and row numbers of `reason`."""
    # Gather the few rows by position: filtering would copy every column of a large frame.
    at = frame.get_column(DROP).eq(reason).arg_true().head(limit)
    rows = ", ".join(str(r) for r in frame.get_column(ROW).gather(at))
    if reason not in (BAD_TS, FUTURE_TS):
        return f"rows {rows}"
    values = ", ".join(repr(v) for v in frame.get_column(RAW_TS).gather(at))
    return f"{values} (rows {rows})"


_ADVICE: Final = {
    MISSING_USER: "Map another column to user_id in the column mapping.",
    MISSING_EVENT: "Map another column to event, or none to give every row the same name.",
    BAD_TS: (
        "Use ISO 8601 times (2024-01-31 or 2024-01-31T13:45:00Z), YYYYMMDD, or epoch "
        "seconds, milliseconds or microseconds, or map another column to ts."
    ),
    FUTURE_TS: "Check the time unit and the clock of the system that exported the file.",
    DUPLICATE: "Nothing to do: times carry seconds, so an exact repeat of a row is a double "
    "export, kept once.",
}


def drop_counts(frame: pl.DataFrame) -> tuple[tuple[str, int], ...]:
    """Return (reason, rows) for each drop reason that occurs, in DROP_REASONS order."""
    counts = dict(frame.get_column(DROP).drop_nulls().value_counts().iter_rows())
    return tuple((reason, counts[reason]) for reason in DROP_REASONS if reason in counts)


def require_rows(frame: pl.DataFrame, spec: Normalize, name: str) -> None:
    """Raise DataError when `normalize` dropped every row, naming the main reason.

    Raises:
        DataError: every row has a drop reason; the message shows three examples.
    """
    drops = drop_counts(frame)
    if not drops or frame.get_column(DROP).null_count():
        return
    reason, count = max(drops, key=lambda pair: pair[1])
    column = spec.source({MISSING_USER: USER, MISSING_EVENT: EVENT}.get(reason, TS))
    raise DataError(
        f"Every row of {name} was dropped: {count} of {frame.height} rows have {reason!r}.",
        where=f"Column {column!r}: {_examples(frame, reason)}.",
        fix=_ADVICE[reason],
    )


def _notes(frame: pl.DataFrame, spec: Normalize) -> list[str]:
    """Return what the reader should know about dropped times and unreadable amounts."""
    notes = []
    for reason in (BAD_TS, FUTURE_TS):
        n = frame.get_column(DROP).eq(reason).sum()
        if n:
            where = _examples(frame, reason)
            notes.append(f"{n} rows dropped for {reason!r} in {spec.source(TS)!r}, e.g. {where}.")
    bad_money = frame.get_column(BAD_MONEY).sum()
    if bad_money:
        notes.append(
            f"{bad_money} values of {spec.source(REVENUE)!r} are not amounts and count as 0 "
            "revenue."
        )
    return notes


def summarize(
    frame: pl.DataFrame,
    spec: Normalize,
    notes: tuple[str, ...] = (),
    kept: pl.DataFrame | None = None,
    repeats: Repeats | None = None,
) -> QualityReport:
    """Return the quality report of a collected `normalize` result.

    `kept` are its rows without a drop reason, when the caller has them already (so the
    totals need no second filter of the frame); `repeats`, what `cleaning.duplicates` did.

    Example:
        >>> from datetime import datetime
        >>> from nsm_core.cleaning import normalize
        >>> raw = pl.LazyFrame({"u": ["a", "a", None], "t": ["2024-01-01"] * 3, "r": [5, -2, 1]})
        >>> spec = Normalize(
        ...     (("user_id", "u"), ("ts", "t"), ("revenue", "r")), datetime(2025, 1, 1)
        ... )
        >>> report = summarize(normalize(raw, spec).collect(), spec)
        >>> report.rows_kept, report.drops, report.revenue_total, report.refund_total
        (2, (('missing user id', 1),), 3.0, -2.0)
    """
    refund = pl.col(REVENUE).filter(pl.col(REVENUE) < 0)
    # Lazy, so that only the columns the totals need are filtered.
    rows = kept.lazy() if kept is not None else frame.lazy().filter(pl.col(DROP).is_null())
    stats = (
        rows.select(
            rows_kept=pl.len(),
            users=pl.col(USER).n_unique(),
            event_types=pl.col(EVENT).n_unique(),
            first_ts=pl.col(TS).min(),
            last_ts=pl.col(TS).max(),
            revenue_total=pl.col(REVENUE).sum(),
            refunds=refund.len(),
            refund_total=refund.sum(),
        )
        # The streaming engine counts distinct users without a second copy of the ids.
        .collect(engine="streaming")
        .row(0, named=True)
    )
    return QualityReport(
        rows_read=frame.height,
        drops=drop_counts(frame),
        notes=(*notes, *_notes(frame, spec)),
        repeats=repeats or Repeats(),
        **stats,
    )


_RESOLUTION_WORDS: Final = {
    "day": "date-only data",
    "hour": "data timed to the hour",
    "minute": "data timed to the minute",
    "second": "data timed to the second",
    "sub-second": "data timed to fractions of a second",
}


def repeats_note(repeats: Repeats) -> str:
    """Return which rule applied to identical rows, and why, in words for the Data page.

    Identical rows (every column equal to an earlier row's) are repeat events on data
    timed to the minute or coarser, and double exports once times carry seconds.

    Example:
        >>> repeats_note(Repeats("day", identical=2)).split(". ")[0]
        'Kept: 2 identical rows on date-only data'
    """
    data, n = _RESOLUTION_WORDS[repeats.resolution], repeats.identical
    none = f"No identical rows on {data}: there are none."
    if repeats.kept:
        head = f"Kept: {n:,} identical rows on {data}." if n else none
        why = (
            "Times without seconds cannot tell two real events apart (two purchases of the "
            "same amount on one day), so identical rows count as real events, not as a double "
            "export; they are dropped only when times carry seconds."
        )
    else:
        head = f"Dropped: {n:,} identical rows as double exports." if n else none
        why = (
            "Times here carry seconds, so a row equal to an earlier one in every column is "
            "the same event exported twice and is kept once; on data with dates only, "
            "identical rows are kept as repeat events."
        )
    return f"{head} {why}"


def drops_table(report: QualityReport) -> pl.DataFrame:
    """Return the rows dropped in cleaning as a table: (reason, rows, share of rows read).

    Example:
        >>> from nsm_core.schema import QualityReport
        >>> r = QualityReport(10, 8, (("duplicate row", 2),), 3, 1, None, None, 0.0, 0, 0.0)
        >>> drops_table(r).rows()
        [('duplicate row', 2, 0.2)]
    """
    return pl.DataFrame(
        {
            "reason": [reason for reason, _ in report.drops],
            "rows": [n for _, n in report.drops],
            "share_of_rows_read": [n / max(report.rows_read, 1) for _, n in report.drops],
        },
        schema={"reason": pl.String, "rows": pl.Int64, "share_of_rows_read": pl.Float64},
    )
