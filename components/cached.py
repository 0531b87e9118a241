"""The only module with Streamlit caching: thin bridges from a DataSource to nsm_core.

Keys are small and frozen (the DataSource, whose key is the content hash, plus a Spec or
plain values); uploaded bytes are passed as underscore arguments so they are never hashed
again on a rerun. Each bridge collects at the edge and returns a DataFrame or a frozen result.
"""

from dataclasses import dataclass, replace
from datetime import date

import polars as pl
import streamlit as st

from components import state
from components.state import DataSource
from nsm_core import catalog, fmt, governance, io, overview, periods
from nsm_core import drivers as nsm_drivers
from nsm_core import economics as nsm_economics
from nsm_core import health as nsm_health
from nsm_core import metrics as nsm_metrics
from nsm_core import moments as nsm_moments
from nsm_core import retention as nsm_retention
from nsm_core import scenarios as nsm_scenarios
from nsm_core import segments as nsm_segments
from nsm_core import workshop as nsm_workshop
from nsm_core._types import Period
from nsm_core.moments import value as moment_values
from nsm_core.samples import SAMPLES
from nsm_core.schema import EVENT, DataError, QualityReport


@dataclass(frozen=True, slots=True)
class Dataset:
    """A loaded dataset: clean canonical events, what cleaning did, and the spend table.

    bands: the numeric properties banded into segments; their "<property> (bands)"
    columns are in `events`, so that every page offers them like any other segment.
    """

    events: pl.DataFrame
    report: QualityReport
    columns: tuple[tuple[str, str], ...]
    spend: pl.DataFrame | None = None
    spend_error: str | None = None
    bands: tuple[nsm_segments.Banding, ...] = ()


def _read_spend(
    source: DataSource, payload: bytes | None
) -> tuple[pl.DataFrame | None, str | None]:
    path = SAMPLES[source.key].spend_path if source.kind == "sample" else None
    raw = path if path is not None else payload
    if raw is None:
        return None, None
    try:
        return io.load_spend(raw), None
    except DataError as err:
        return None, f"Spend table {source.spend_name or ''}: {err}"


# The events frame is shared, not copied: cache_resource hands every rerun the same
# immutable polars frame instead of unpickling millions of rows, and the key is the
# content hash, so a session only ever gets data whose bytes it supplied itself.
@st.cache_resource(max_entries=6, show_spinner="Reading events…")
def _dataset(source: DataSource, _payload: bytes | None, _spend: bytes | None) -> Dataset | str:
    if source.kind == "sample":
        raw, name = SAMPLES[source.key].events_path, SAMPLES[source.key].events_file
    else:
        raw, name = _payload, source.name
    opts = source.options
    try:
        loaded = io.load(
            raw,
            format=opts.format,
            preset=opts.preset,
            mapping=dict(opts.mapping) or None,
            event_name=opts.event_name,
            name=name,
        )
    except DataError as err:
        return str(err)
    spend, spend_error = _read_spend(source, _spend)
    bands = nsm_segments.numeric_bandings(loaded.events)
    events = nsm_segments.with_bands(loaded.events, bands)
    return Dataset(events, loaded.report, loaded.columns, spend, spend_error, bands)


def dataset(source: DataSource) -> Dataset | str:
    """Return the whole loaded dataset (no date range), or why it could not be read."""
    return _dataset(source.whole, state.payload(source), state.spend_payload(source))


def load_error(source: DataSource) -> str | None:
    """Return why the dataset cannot be used (unreadable, or no events in its date range)."""
    result = dataset(source)
    if isinstance(result, str):
        return result
    if source.ranged and events(source).is_empty():
        first, last = result.report.first_ts, result.report.last_ts
        return (
            f"No events from {fmt.day(source.start)} to {fmt.day(source.end)}. Choose other "
            f"dates in the sidebar: the data runs from {fmt.day(first)} to {fmt.day(last)}."
        )
    return None


def _loaded(source: DataSource) -> Dataset:
    result = dataset(source)
    if isinstance(result, str):
        raise DataError(result)
    return result


# One filtered copy per date range, shared like the whole events (see _dataset).
@st.cache_resource(max_entries=4, show_spinner="Narrowing to the chosen dates…")
def _in_range(source: DataSource) -> pl.DataFrame:
    return periods.in_dates(_loaded(source).events, source.start, source.end)


def events(source: DataSource) -> pl.DataFrame:
    """Return the clean canonical events of `source` in its date range (shared, never mutate)."""
    return _in_range(source) if source.ranged else _loaded(source).events


def spend(source: DataSource) -> pl.DataFrame | None:
    """Return the monthly marketing spend of `source`, the months its date range touches."""
    table = _loaded(source).spend
    if table is None or not source.ranged:
        return table
    return periods.in_months(table, source.start, source.end)


@st.cache_data(max_entries=8)
def upload_columns(source: DataSource, format: str | None) -> list[str] | str:  # noqa: A002
    """Return the column names of the uploaded file, or why they cannot be read."""
    raw = state.payload(source)
    if raw is None:
        return []
    try:
        return io.read_columns(raw, format=format)
    except DataError as err:
        return str(err)


@st.cache_data(max_entries=16)
def summary(source: DataSource) -> overview.DatasetSummary:
    """Return the dataset's totals (users, events, revenue, date range)."""
    return overview.summary(events(source))


@st.cache_data(max_entries=16)
def active_users(source: DataSource, period: Period) -> pl.DataFrame:
    """Return distinct active users per calendar period."""
    return overview.active_users(events(source).lazy(), period).collect(engine="streaming")


@st.cache_data(max_entries=16)
def new_users(source: DataSource, period: Period, segment: str | None) -> pl.DataFrame:
    """Return new users per period by first-touch segment."""
    return overview.new_users(events(source).lazy(), period, segment).collect(engine="streaming")


@st.cache_data(max_entries=16)
def event_catalog(source: DataSource) -> pl.DataFrame:
    """Return the event catalog (counts, users, first and last seen per event)."""
    return catalog.event_catalog(events(source).lazy()).collect(engine="streaming")


@st.cache_data(max_entries=16)
def property_catalog(source: DataSource) -> pl.DataFrame:
    """Return the property columns with their distinct and top values."""
    return catalog.property_catalog(events(source))


@st.cache_data(max_entries=16)
def segments(source: DataSource) -> list[str]:
    """Return the properties usable as segments (2 to 30 distinct values, bands included)."""
    return catalog.segment_columns(events(source))


# Unit economics in two cached stages: the payment tables and the customer-model fit depend
# only on what a payment is and who the customer is (`spec.stage1()`), so changing the
# horizon, discount rate, margin or curve reruns stage 2 alone. The tables are shared like
# the events (immutable frames, no copy per rerun).
@st.cache_resource(max_entries=8, show_spinner="Reducing the events to payments…")
def _payment_tables(
    source: DataSource, spec: nsm_economics.EconomicsSpec
) -> nsm_economics.PaymentTables | str:
    try:
        return nsm_economics.payment_tables(events(source).lazy(), spec)
    except DataError as err:
        return str(err)


def _tables(source: DataSource, spec: nsm_economics.EconomicsSpec) -> nsm_economics.PaymentTables:
    tables = _payment_tables(source, spec.stage1())
    if isinstance(tables, str):
        raise DataError(tables)
    return tables


@st.cache_resource(max_entries=8, show_spinner="Fitting the customer model…")
def _customer_models(
    source: DataSource, spec: nsm_economics.EconomicsSpec
) -> nsm_economics.report.Models | str:
    return nsm_economics.fit_customer_models(_tables(source, spec))


@st.cache_data(max_entries=16)
def payment_events(source: DataSource) -> pl.DataFrame:
    """Return each event with its count and how many carry an amount (event, events, priced)."""
    return nsm_economics.payment_events(events(source).lazy()).collect()


def payment_amounts(source: DataSource, spec: nsm_economics.EconomicsSpec) -> nsm_economics.Amounts:
    """Return where the payments' money comes from (raises DataError when there are none)."""
    return _tables(source, spec).amounts


@st.cache_data(max_entries=16, show_spinner="Computing unit economics…")
def unit_economics(
    source: DataSource, spec: nsm_economics.EconomicsSpec
) -> nsm_economics.UnitEconomics:
    """Return CAC, ROI, the three LTVs, payback, margins and revenue retention."""
    models = _customer_models(source, spec.stage1())
    return nsm_economics.from_tables(_tables(source, spec), spend(source), spec, models)


@st.cache_data(max_entries=8, show_spinner="Predicting each customer's value…")
def customer_values(source: DataSource, spec: nsm_economics.EconomicsSpec) -> pl.DataFrame:
    """Return each customer's P(alive), expected purchases and CLV under the fitted model."""
    model = unit_economics(source, spec).model
    if model is None:
        return pl.DataFrame()
    rfm = _tables(source, spec).rfm
    return nsm_economics.customer_values(rfm, model.models, model.gross_margin, spec)


@st.cache_data(max_entries=16, show_spinner="Counting paying customers…")
def payment_counts(
    source: DataSource, spec: nsm_economics.EconomicsSpec
) -> nsm_economics.PaymentCounts:
    """Return paying customers, conversion, CRR, churn and CAC of payments without amounts."""
    return nsm_economics.counts_from_tables(_tables(source, spec), spend(source), spec)


@st.cache_data(max_entries=16, show_spinner="Building the driver tree…")
def _driver_totals(source: DataSource, spec: nsm_drivers.TreeSpec) -> nsm_drivers.TreeValues:
    return nsm_drivers.tree_totals(events(source).lazy(), spec)


@st.cache_data(max_entries=16, show_spinner="Cutting every driver by segment…")
def _driver_cut(source: DataSource, spec: nsm_drivers.TreeSpec) -> nsm_drivers.TreeValues:
    totals = _driver_totals(source, replace(spec, segment=None))
    return nsm_drivers.with_segments(events(source).lazy(), totals, spec)


def driver_tree(source: DataSource, spec: nsm_drivers.TreeSpec) -> nsm_drivers.TreeValues:
    """Return every driver-tree node per period (and per segment when the spec cuts).

    The uncut tree is cached on its own, so choosing a cut computes only the cut.
    """
    if spec.segment is None:
        return _driver_totals(source, spec)
    return _driver_cut(source, spec)


@st.cache_data(max_entries=32, show_spinner="Measuring the driver's baseline…")
def driver_baseline(
    source: DataSource, spec: nsm_drivers.TreeSpec, key: str, period: date
) -> nsm_drivers.Baseline | None:
    """Return a driver's baseline (proportion or mean and sd) for the experiment brief."""
    tree = driver_tree(source, spec)
    return nsm_drivers.driver_baseline(events(source).lazy(), tree, spec, key, period)


@st.cache_data(max_entries=8)
def metric_templates(source: DataSource) -> tuple[nsm_metrics.TemplateFit, ...]:
    """Return every metric template mapped to this dataset's events (or what it lacks)."""
    frame = events(source)
    names = frame.get_column(EVENT).unique().to_list()
    return nsm_metrics.fit_all(names, frame.columns)


@st.cache_data(max_entries=16)
def metric_gaps(source: DataSource, spec: nsm_metrics.MetricSpec) -> tuple[str, ...]:
    """Return what a metric counts that this dataset lacks (empty when it fits)."""
    names = event_catalog(source).get_column("event").to_list()
    return nsm_metrics.data_gaps(spec, names, events(source).columns)


@st.cache_data(max_entries=32, show_spinner="Computing the metric…")
def metric(source: DataSource, spec: nsm_metrics.MetricSpec) -> pl.DataFrame:
    """Return the metric's value per period (period_start, value, complete)."""
    return nsm_metrics.compute_metric(events(source).lazy(), spec)


@st.cache_data(max_entries=16, show_spinner="Recomputing both definitions…")
def metric_both_ways(source: DataSource, entry: governance.Change) -> pl.DataFrame:
    """Return the metric under the old and the new definition of a logged change."""
    return governance.recompute_both_ways(events(source).lazy(), entry)


@st.cache_data(max_entries=8, show_spinner="Reading how often each event is used…")
def event_usage(source: DataSource) -> pl.DataFrame:
    """Return each event's first-week reach and link to retention (empty when too short)."""
    try:
        table = nsm_moments.user_table(events(source).lazy(), nsm_workshop.USAGE_SPEC)
    except DataError:
        return nsm_workshop.event_usage(None)
    return nsm_workshop.event_usage(table)


@st.cache_data(max_entries=32, show_spinner="Checking the candidate against your data…")
def candidate_review(
    source: DataSource, spec: nsm_metrics.MetricSpec
) -> nsm_workshop.CandidateReview | str:
    """Return a workshop candidate's data checks, or why it cannot be computed here."""
    try:
        return nsm_workshop.review_candidate(events(source).lazy(), spec)
    except DataError as err:
        return str(err)


@st.cache_data(max_entries=32, show_spinner="Estimating what a moment is worth…")
def moment_value(
    source: DataSource,
    event: str,
    threshold: int,
    window_days: int,
    outcome_window: tuple[int, int],
) -> moment_values.MomentValue:
    """Return a moment's adjusted revenue lift over own days a..b and the users it counts."""
    return moment_values.moment_value(
        events(source).lazy(),
        event=event,
        threshold=threshold,
        window_days=window_days,
        outcome_window=outcome_window,
    )


@st.cache_data(max_entries=16)
def base_revenue(source: DataSource) -> nsm_scenarios.BaseRevenue | None:
    """Return revenue per month over the last complete months (None without one)."""
    return nsm_scenarios.base_revenue(events(source).lazy())


@st.cache_data(max_entries=16)
def health_signals(source: DataSource) -> nsm_health.Signals:
    """Return the events and columns the health scorecard found by name."""
    return nsm_health.detect(events(source))


@st.cache_data(max_entries=16, show_spinner="Counting the months…")
def health_tables(source: DataSource, signals: nsm_health.Signals) -> nsm_health.HealthTables:
    """Return the scorecard's stage-1 tables (monthly counts, sessions, NPS, funnel...)."""
    return nsm_health.tables(events(source).lazy(), signals)


def _economics_or_none(source: DataSource) -> nsm_economics.UnitEconomics | None:
    try:
        return unit_economics(source, nsm_economics.EconomicsSpec())
    except DataError:
        return None


@st.cache_data(max_entries=16, show_spinner="Scoring the business…")
def health_scorecard(source: DataSource, signals: nsm_health.Signals) -> nsm_health.Scorecard:
    """Return every metric family of the Health page (or what each needs)."""
    return nsm_health.scorecard(health_tables(source, signals), _economics_or_none(source))


@st.cache_data(max_entries=16, show_spinner="Tracing the guardrails…")
def guardrail_series(source: DataSource, signals: nsm_health.Signals) -> pl.DataFrame:
    """Return each guardrail's value per complete month: (key, month_start, value)."""
    margins = nsm_health.margin_months(
        events(source).lazy(), spend(source), nsm_economics.EconomicsSpec()
    )
    return nsm_health.guardrail_series(
        health_tables(source, signals), _economics_or_none(source), margins
    )


# High-value moments: the per-user window table is shared (like the events) rather than
# copied, because each view below reuses it; the views themselves are small frames.
@st.cache_resource(max_entries=4, show_spinner="Counting what each user did in their first days…")
def _moment_users(source: DataSource, spec: nsm_moments.MomentSpec) -> nsm_moments.UserTable:
    return nsm_moments.user_table(events(source).lazy(), spec)


@st.cache_data(max_entries=16, show_spinner="Finding the moments that matter…")
def moments(source: DataSource, spec: nsm_moments.MomentSpec) -> nsm_moments.MomentsResult:
    """Return every (event, threshold) candidate scored, adjusted, judged and ranked."""
    return nsm_moments.discover(_moment_users(source, spec))


@st.cache_data(max_entries=16, show_spinner="Estimating lifts per segment…")
def moment_segments(source: DataSource, spec: nsm_moments.MomentSpec, segment: str) -> pl.DataFrame:
    """Return the adjusted lift of the top moments within each value of `segment`."""
    table = _moment_users(source, spec)
    return nsm_moments.segment_lifts(table, moments(source, spec), segment)


@st.cache_data(max_entries=8, show_spinner="Listing who can still act on each moment…")
def next_moments(
    source: DataSource, spec: nsm_moments.MomentSpec, crm: nsm_moments.CrmSpec
) -> nsm_moments.CrmList:
    """Return the CRM list: users who can still complete the top moments, in sequence."""
    table = _moment_users(source, spec)
    return nsm_moments.crm_list(events(source).lazy(), table, moments(source, spec), crm)


@st.cache_data(max_entries=16, show_spinner="Tracking the moments by cohort…")
def moment_tracking(
    source: DataSource, spec: nsm_moments.MomentSpec, chosen: tuple[tuple[str, int], ...]
) -> nsm_moments.Tracking:
    """Return weekly completion of the chosen moments and achievers' vs others' outcomes."""
    return nsm_moments.tracking(_moment_users(source, spec), chosen)


@st.cache_data(max_entries=16)
def moment_experiments(source: DataSource, spec: nsm_moments.MomentSpec) -> pl.DataFrame:
    """Return the nudge experiment that would confirm each top moment, with its size."""
    return nsm_moments.experiments(_moment_users(source, spec), moments(source, spec))


# Retention page: each view computes only when chosen (segmented control).
@st.cache_data(max_entries=16)
def retention_available(source: DataSource) -> nsm_retention.Available:
    """Return the event names and whether revenue and account_id are present."""
    return nsm_retention.available(events(source))


@st.cache_data(max_entries=16, show_spinner="Computing retention…")
def retention(
    source: DataSource, spec: nsm_retention.RetentionSpec
) -> nsm_retention.RetentionResult:
    """Return cohort retention with intervals, averages, warnings and the leak callout."""
    table = nsm_retention.retention_table(events(source).lazy(), spec).collect()
    return nsm_retention.summarize(table, spec)


@st.cache_data(max_entries=16, show_spinner="Counting new, retained and returning users…")
def lifecycle(
    source: DataSource, period: Period, event: str | None, unit: nsm_retention.Unit
) -> pl.DataFrame:
    """Return new, retained, resurrected and dormant users per period."""
    lazy = events(source).lazy()
    return nsm_retention.lifecycle(lazy, period=period, event=event, unit=unit).collect()


@st.cache_data(max_entries=8, show_spinner="Measuring stickiness…")
def stickiness(
    source: DataSource, window: nsm_retention.Window, event: str | None, unit: nsm_retention.Unit
) -> nsm_retention.Stickiness:
    """Return DAU/MAU and WAU/MAU per day and the power-user curve."""
    lazy = events(source).lazy()
    daily = nsm_retention.daily_stickiness(lazy, event=event, unit=unit)
    power = nsm_retention.power_users(lazy, window=window, event=event, unit=unit)
    daily, power = pl.collect_all([daily, power])
    return nsm_retention.stickiness.summarize(daily, power)


@st.cache_data(max_entries=8, show_spinner="Measuring the penny gap…")
def penny_gap(source: DataSource, spec: nsm_retention.PennySpec) -> nsm_retention.PennyResult:
    """Return how many users do the value event once, twice or more, by cohort and segment."""
    users = nsm_retention.penny_users(events(source).lazy(), spec).collect()
    return nsm_retention.summarize_penny(users, spec)


@st.cache_data(max_entries=16)
def driver_filters(source: DataSource) -> tuple[nsm_metrics.Filter, ...]:
    """Return the conditions a driver-tree node can be narrowed by ("device is ios", ...)."""
    return nsm_drivers.filter_choices(events(source))
