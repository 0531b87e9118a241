"""Templates: every one computes on every bundled sample, or says which event it lacks."""

from datetime import timedelta

import polars as pl
import pytest

from nsm_core.metrics import (
    TEMPLATES,
    compute_metric,
    fit_all,
    fit_template,
    focus_metrics,
    north_stars,
)
from nsm_core.samples import SAMPLES


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def sample(request):
    return request.param, pl.read_parquet(SAMPLES[request.param].events_path)


def test_every_template_computes_or_names_what_is_missing(sample):
    _, events = sample
    fits = fit_all(events.get_column("event").unique().to_list(), events.columns)
    assert len(fits) == len(TEMPLATES)
    for fit in fits:
        if not fit.ok:
            assert fit.missing, fit.template.key
            assert all(("event meaning" in m or "column" in m) for m in fit.missing)
            continue
        assert set(fit.spec.events) <= set(events.get_column("event").unique())
        out = compute_metric(events.lazy(), fit.spec)
        assert out.columns == ["period_start", "value", "complete"], fit.template.key
        assert out.height > 0
        # Complete = the data reach the period's last day: every period but the last, and
        # the last one too when the data end on its last day.
        last_day = events.get_column("ts").max().date()
        step = {"day": "1d", "week": "1w", "month": "1mo"}[fit.spec.grain]
        ends = out.get_column("period_start").dt.offset_by(step)
        expected = [end - timedelta(days=1) <= last_day for end in ends.to_list()]
        assert out.get_column("complete").to_list() == expected


EXPECTED_NORTH_STARS = {
    # Which North Stars each sample supports, from sample_data/README.md's event lists.
    "meals": {"mau", "dau", "weekly_transactions", "orders_per_week"},
    "teams": {"mau", "dau", "weekly_transactions", "weekly_active_teams"},
    "cdnow": {"mau", "dau", "weekly_transactions", "orders_per_week"},
}


def test_each_sample_has_its_natural_north_stars(sample):
    name, events = sample
    fits = fit_all(events.get_column("event").unique().to_list(), events.columns)
    ok = {f.template.key for f in fits if f.ok and f.template.focus == "north_star"}
    assert ok == EXPECTED_NORTH_STARS[name]


def test_orders_per_week_on_meals_matches_a_plain_count():
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    fit = fit_template(TEMPLATES["orders_per_week"], events["event"].unique(), events.columns)
    got = compute_metric(events, fit.spec)
    # Independent count: ISO weeks (Monday) of order rows via Python dates.
    orders = events.filter(pl.col("event") == "order").get_column("ts").to_list()
    counts = {}
    for ts in orders:
        monday = ts.date().toordinal() - ts.weekday()
        counts[monday] = counts.get(monday, 0) + 1
    by_week = {d.toordinal(): v for d, v in got.select("period_start", "value").iter_rows()}
    assert all(by_week[k] == v for k, v in counts.items())
    assert sum(by_week.values()) == len(orders)


def test_weekly_active_teams_counts_accounts():
    events = pl.read_parquet(SAMPLES["teams"].events_path)
    fit = fit_template(TEMPLATES["weekly_active_teams"], events["event"].unique(), events.columns)
    assert fit.spec.events == ("send_message",)
    got = compute_metric(events, fit.spec)
    senders = events.filter(pl.col("event") == "send_message")
    assert got["value"].max() <= senders["account_id"].n_unique()


def test_registry_shape():
    names = [t.spec.name for t in TEMPLATES.values()]
    assert len(names) == len(set(names))
    assert [t.key for t in north_stars()] == [
        "mau", "dau", "weekly_transactions", "nights_booked", "weekly_watch_time",
        "weekly_active_teams", "orders_per_week",
    ]  # fmt: skip
    for star in north_stars():
        foci = {t.focus for t in focus_metrics(star.key)}
        assert {"depth", "frequency"} <= foci
    assert {t.focus for t in focus_metrics("orders_per_week")} == {
        "breadth", "depth", "frequency", "efficiency",
    }  # fmt: skip
