"""Unit economics page on the three samples: headline numbers, views and assumptions."""

import json

import polars as pl
import pyarrow as pa
import pytest
import streamlit as st

from components import inputs_economics
from nsm_core import economics
from nsm_core.economics import probabilistic, report
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_page, texts, upload
from tests.page_sweep import sweep

PAGE = "app_pages/economics.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


@pytest.fixture(scope="module")
def meals():
    return open_page(PAGE, "meals")


def test_meals_headline_matches_the_core(meals):
    assert not meals.exception
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    spend = pl.read_parquet(SAMPLES["meals"].spend_path)
    expected = economics.unit_economics(events.lazy(), spend, economics.EconomicsSpec())
    assert metric(meals, "CAC") == f"${expected.cac:,.2f}"
    assert metric(meals, "LTV (Cohort curve)") == f"${expected.ltv('cohort').value:,.2f}"
    assert "rule of thumb" in texts(meals) or "costs more to acquire" in texts(meals)


@pytest.mark.parametrize("view", ["ltv", "cac", "margins", "retention", "model"])
def test_every_view_renders(meals, view):
    meals.segmented_control(key="econ_view").set_value(view).run()
    assert not meals.exception
    if view == "ltv":
        assert meals.dataframe[0].value.shape[0] == 3  # three LTV methods side by side
    if view == "margins":
        assert "COGS from the `cogs` property" in texts(meals)


def test_method_and_horizon_change_the_numbers(meals):
    before = metric(meals, "LTV (Cohort curve)")
    meals.select_slider(key="econ_horizon").set_value(12).run()
    assert metric(meals, "LTV (Cohort curve)") != before
    meals.segmented_control(key="econ_method").set_value("model").run()
    assert not meals.exception
    assert any(m.label == "LTV (BG/NBD model)" for m in meals.metric)


def test_cdnow_has_no_spend_and_says_what_would_enable_cac():
    at = open_page(PAGE, "cdnow")
    assert not at.exception
    assert metric(at, "CAC") == "n/a"
    assert "spend table" in texts(at)
    at.segmented_control(key="econ_view").set_value("model").run()
    assert not at.exception
    assert "Fitted by maximum likelihood" in texts(at)


def test_teams_renders_with_accounts():
    at = open_page(PAGE, "teams")
    assert not at.exception
    at.toggle(key="econ_accounts").set_value(True).run()
    assert not at.exception


def test_entered_margin_is_used_when_the_data_has_no_cogs():
    at = open_page(PAGE, "cdnow")
    assert metric(at, "Gross margin") == "100%"
    at.number_input(key="econ_margin").set_value(40.0).run()
    assert not at.exception
    assert metric(at, "Gross margin") == "40%"


def no_revenue_csv(payment: str = "payment_done") -> bytes:
    """A MovieLens-like log without a revenue column: 120 users rate and view titles; every
    third user also pays (the `payment` event, no amount) in each month they are active."""
    rows = ["user_id,event,timestamp"]
    for u in range(120):
        months = 1 + u % 5  # active for 1..5 months from January 2024
        for m in range(months):
            rows.extend(f"u{u},rate_movie,2024-{m + 1:02d}-{d:02d}T10:00:00Z" for d in (3, 17))
            rows.append(f"u{u},view_title,2024-{m + 1:02d}-05T11:00:00Z")
            if u % 3 == 0 and payment and not (u % 2 and m == 1):  # odd payers skip month 2
                rows.append(f"u{u},{payment},2024-{m + 1:02d}-06T12:00:00Z")
    rows.append("u0,view_title,2024-06-30T23:00:00Z")  # closes June: Jan..Jun complete
    return "\n".join(rows).encode()


def payers_by_month(csv: bytes, payment: str) -> dict[int, set[str]]:
    """Independent count: the set of users paying in each month, straight from the CSV."""
    months: dict[int, set[str]] = {}
    for line in csv.decode().splitlines()[1:]:
        user, event, stamp = line.split(",")
        if event == payment:
            months.setdefault(int(stamp[5:7]), set()).add(user)
    return months


def upload_no_revenue(csv: bytes):
    at = open_page(PAGE, "meals")
    return upload(at, "ratings.csv", csv)


@pytest.mark.parametrize("sample", ["meals", "teams", "cdnow"])
def test_payments_default_to_revenue_on_the_samples(sample):
    at = open_page(PAGE, sample)
    assert not at.exception
    picker = at.selectbox(key="econ_payment")
    assert picker.value == inputs_economics.ANY_REVENUE
    assert "Payments: any event with revenue ≠ 0" in texts(at)
    assert not any(w.key == "econ_amount" for w in at.number_input)  # amounts are recorded


def test_picking_one_payment_event_counts_only_it():
    meals = open_page(PAGE, "meals")
    meals.selectbox(key="econ_payment").set_value("order").run()
    assert not meals.exception
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    spend = pl.read_parquet(SAMPLES["meals"].spend_path)
    spec = economics.EconomicsSpec(payment_event="order")
    expected = economics.unit_economics(events.lazy(), spend, spec)
    assert metric(meals, "LTV (Cohort curve)") == f"${expected.ltv('cohort').value:,.2f}"
    orders = events.filter(pl.col("event") == "order")
    assert f"every 'order' event ({orders.height:,})" in texts(meals)


def test_payments_without_amount_show_counts_not_zero_money():
    csv = no_revenue_csv()
    at = upload_no_revenue(csv)
    assert not at.exception
    assert at.selectbox(key="econ_payment").value == "payment_done"  # suggested by its name
    payers = payers_by_month(csv, "payment_done")
    customers = set().union(*payers.values())
    shown = {m.label: m.value for m in at.metric}
    assert shown["Paying customers"] == f"{len(customers):,}"
    assert shown["Conversion"] == f"{len(customers) / 120:.1%}"
    retained = sum(len(payers.get(m, set()) & payers.get(m + 1, set())) for m in range(1, 6))
    at_start = sum(len(payers.get(m, set())) for m in range(1, 6))
    assert shown["CRR"] == f"{retained / at_start:.1%}"
    assert not any(label.startswith(("LTV", "ARPA", "NRR")) for label in shown)
    assert "$0.00" not in shown.values()
    assert "Money numbers need an amount per payment" in texts(at)
    assert "Paying customers per month" in next(c.proto.spec for c in at.get("vega_lite_chart"))


def test_a_typed_amount_feeds_money_numbers_marked_as_assumed():
    at = upload_no_revenue(no_revenue_csv())
    at.number_input(key="econ_amount").set_value(9.5).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["CRR"].endswith("%")  # counts are not marked
    marked = [label for label in shown if label.endswith("at $9.50/payment")]
    assert {"LTV (Cohort curve) at $9.50/payment", "ARPA / month at $9.50/payment"} <= set(marked)
    assert any("rests on the assumed $9.50 per payment" in w.value for w in at.warning)
    assert "an assumed $9.50 each" in texts(at)


def test_data_without_revenue_or_payment_names_asks_for_the_event():
    at = upload_no_revenue(no_revenue_csv(payment=""))
    assert not at.exception
    assert at.selectbox(key="econ_payment").value is None
    assert "Pick the event that marks a payment" in texts(at)
    assert not at.metric
    at.selectbox(key="econ_payment").set_value("rate_movie").run()
    assert not at.exception
    assert {m.label for m in at.metric} >= {"Paying customers", "CRR"}


def test_changing_the_horizon_does_not_refit_the_customer_model(monkeypatch):
    fits = []
    original = probabilistic.fit_models
    monkeypatch.setattr(
        probabilistic, "fit_models", lambda rfm: fits.append(rfm.height) or original(rfm)
    )
    monkeypatch.setattr(report, "fit_models", probabilistic.fit_models, raising=False)
    st.cache_data.clear()  # earlier tests filled the caches with the unpatched fit
    st.cache_resource.clear()
    at = open_page(PAGE, "cdnow")
    at.select_slider(key="econ_horizon").set_value(36).run()
    at.number_input(key="econ_discount").set_value(2.0).run()
    assert not at.exception
    assert len(fits) == 1


def test_p_alive_chart_sends_bins_not_one_row_per_customer():
    at = open_page(PAGE, "cdnow")
    at.segmented_control(key="econ_view").set_value("model").run()
    rows = {
        json.loads(c.proto.spec)["title"]["text"]: pa.ipc.open_stream(d.data.data)
        .read_all()
        .num_rows
        for c in at.get("vega_lite_chart")
        for d in c.proto.datasets
    }
    assert rows["Customers still active (BG/NBD)"] == 20


@pytest.mark.sweep
def test_economics_page_sweeps_clean_on_an_upload_without_revenue():
    result = sweep(upload_no_revenue(no_revenue_csv()))
    assert not result.findings, "\n".join(map(str, result.findings))


def observed_cumulative_profit(sample: str) -> pl.DataFrame:
    """Independent count from the raw events: cumulative gross profit (revenue − cogs) per
    acquired customer by month of life, over the ages every complete month observes."""
    events = pl.read_parquet(SAMPLES[sample].events_path).with_columns(
        month=pl.col("ts").dt.year() * 12 + pl.col("ts").dt.month() - 1
    )
    last = events.select(pl.col("ts").max() + pl.duration(days=1)).item()
    last_complete = last.year * 12 + last.month - 2
    paid = events.filter(pl.col("revenue") != 0, pl.col("month") <= last_complete)
    first = paid.group_by("user_id").agg(first=pl.col("month").min())
    profit = paid.join(first, on="user_id").group_by(age=pl.col("month") - pl.col("first"))
    profit = profit.agg(gp=(pl.col("revenue") - pl.col("cogs").fill_null(0.0)).sum())
    ages = range(last_complete - first["first"].min() + 1)
    at_risk = [first.filter(pl.col("first") + k <= last_complete).height for k in ages]
    return (
        pl.DataFrame({"age": list(ages), "at_risk": at_risk})
        .join(profit, on="age", how="left")
        .filter(pl.col("at_risk") >= 20)
        .with_columns(cumulative=(pl.col("gp").fill_null(0.0) / pl.col("at_risk")).cum_sum())
    )


@pytest.mark.parametrize(
    ("sample", "shown"),
    [("meals", "not within 24 months"), ("teams", "not within 24 months"), ("cdnow", "n/a")],
)
def test_payback_counts_churn_and_health_shows_the_same(sample, shown):
    at = open_page(PAGE, sample)
    assert not at.exception
    assert metric(at, "Payback") == shown
    if sample == "meals":
        # it said "5.1" (CAC ÷ monthly gross profit) while 57% of customers leave each month
        curve = observed_cumulative_profit("meals")
        assert curve["cumulative"].max() < 33.11  # no observed month of life reaches CAC
        assert any(
            "churn-free payback (CAC ÷ monthly gross profit = 5.1 months)" in w.value
            for w in at.warning
        )
        assert "Payback, counting churn: not within 24 months." in texts(at)
    health = at.switch_page("app_pages/health.py").run()
    assert not health.exception
    readings = {m.label: m.value for m in health.metric}
    if sample == "cdnow":
        assert "Payback" not in readings
        assert "**Customer ROI** needs a spend table" in texts(health)
    else:
        assert readings["Payback"] == shown
        assert "LTV:CAC (cohort curve)" in readings


def test_a_longer_horizon_shows_when_teams_pays_back():
    at = open_page(PAGE, "teams")
    at.select_slider(key="econ_horizon").set_value(48).run()
    assert not at.exception
    events = pl.read_parquet(SAMPLES["teams"].events_path)
    spend = pl.read_parquet(SAMPLES["teams"].spend_path)
    spec = economics.EconomicsSpec(horizon_months=48)
    months = economics.unit_economics(events.lazy(), spend, spec).payback().months
    assert 24 < months <= 48
    assert metric(at, "Payback") == f"{months} months"
    assert metric(at, "LTV:CAC (Cohort curve)")
