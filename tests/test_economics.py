"""Unit economics on a tiny hand-worked dataset, plus DuckDB and plain-Python cross-checks."""

from datetime import UTC, date, datetime

import duckdb
import numpy as np
import polars as pl
import pytest

from nsm_core.economics import EconomicsSpec, formulas, margins, unit_economics
from nsm_core.economics.tables import customer_months
from nsm_core.schema import DataError


def ts(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 12, tzinfo=UTC)


# a, b and d come through "ads", c through "seo"; d never pays. The last event (30 April)
# closes April, so January..April are complete months.
ROWS = [
    ("a", "signup", ts(1, 3), 0.0, "ads", None, None),
    ("a", "order", ts(1, 5), 100.0, None, 40.0, 10.0),
    ("a", "order", ts(2, 10), 50.0, None, 20.0, 0.0),
    ("a", "order", ts(3, 2), 50.0, None, 20.0, 0.0),
    ("b", "signup", ts(1, 10), 0.0, "ads", None, None),
    ("b", "order", ts(1, 12), 60.0, None, 30.0, 0.0),
    ("b", "order", ts(3, 15), 80.0, None, 40.0, 0.0),
    ("b", "refund", ts(3, 20), -20.0, None, None, None),
    ("c", "signup", ts(2, 1), 0.0, "seo", None, None),
    ("c", "order", ts(2, 2), 40.0, None, 10.0, 0.0),
    ("c", "order", ts(2, 20), 40.0, None, 10.0, 0.0),
    ("d", "signup", ts(1, 2), 0.0, "ads", None, None),
    ("d", "view", datetime(2024, 4, 30, 23, tzinfo=UTC), 0.0, None, None, None),
]
EVENTS = pl.DataFrame(
    ROWS,
    schema={
        "user_id": pl.String,
        "event": pl.String,
        "ts": pl.Datetime("us", "UTC"),
        "revenue": pl.Float64,
        "channel": pl.String,
        "cogs": pl.Float64,
        "discount": pl.Float64,
    },
    orient="row",
)
SPEND = pl.DataFrame(
    {
        "month": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 2, 1)],
        "channel": ["ads", "ads", "seo"],
        "ad_spend": [300.0, 200.0, 50.0],
    }
)
SPEC = EconomicsSpec(min_customers=1, horizon_months=4, discount_rate=0.0, n_boot=50)


@pytest.fixture(scope="module")
def result():
    return unit_economics(EVENTS.lazy(), SPEND, SPEC)


def test_revenue_movements_hand_worked(result):
    got = result.movements.select(
        "mrr_start", "new", "reactivation", "expansion", "contraction", "churn", "mrr_end"
    ).rows()
    assert got == [
        (0.0, 160.0, 0.0, 0.0, 0.0, 0.0, 160.0),  # Jan: a 100, b 60 new
        (160.0, 80.0, 0.0, 0.0, 50.0, 60.0, 130.0),  # Feb: a -50, b churns, c new
        (130.0, 0.0, 60.0, 0.0, 0.0, 80.0, 110.0),  # Mar: b back (80 - 20 refund), c churns
        (110.0, 0.0, 0.0, 0.0, 0.0, 110.0, 0.0),  # Apr: everyone churns
    ]


def test_retention_rates_hand_worked(result):
    r = result.retention
    assert r.crr == pytest.approx(2 / 6)  # retained: a in Feb, a in Mar; starts 2 + 2 + 2
    assert r.nrr == pytest.approx((400 - 50 - 250) / 400)
    assert r.grr == pytest.approx(0.25)
    assert r.logo_churn == pytest.approx(4 / 6)
    assert r.quick_ratio == pytest.approx((80 + 60) / 300)
    assert r.months == 3


def test_recurring_and_expansion_hand_worked(result):
    assert result.recurring.recurring == 100.0  # a's Feb and Mar: paid the month before
    assert result.recurring.share == pytest.approx(0.25)
    assert "previous calendar month" in result.recurring.rule
    assert result.expansion_share == 0.0


def test_margins_hand_worked(result):
    c = result.contribution
    assert (c.revenue, c.cogs, c.discounts, c.ad_spend) == (400.0, 170.0, 10.0, 550.0)
    assert c.gross_sales == 410.0
    assert c.contribution == pytest.approx(400 - 170 - 550)
    assert c.per_order == pytest.approx(-320 / 7)
    assert c.per_customer == pytest.approx(-320 / 3)
    assert c.gross_margin == pytest.approx(230 / 400)
    assert result.costs.cogs.startswith("the `cogs` property")
    cohorts = result.cohorts.select("cohort", "customers", "revenue", "ad_spend", "contribution")
    assert cohorts.rows() == [
        (date(2024, 1, 1), 2, 320.0, 300.0, 320.0 - 150.0 - 300.0),
        (date(2024, 2, 1), 1, 80.0, 250.0, 80.0 - 20.0 - 250.0),
    ]


def test_arpa_and_simple_ltv_hand_worked(result):
    assert result.arpa == pytest.approx(400 / 6)  # 6 paying customer-months
    assert result.monthly_gross_profit == pytest.approx(230 / 6)
    simple = result.ltv("simple")
    # revenue churn = lost 300 (a 50+50, b 60+60, c 80) / start revenue 400 (a 200, b 120, c 80)
    assert simple.value == pytest.approx((230 / 6) / 0.75)
    assert simple.n_customers == 3


def test_cohort_ltv_hand_worked(result):
    curve = result.ltv_curve
    # gross profit by month of life: age 0 a 60 + b 30 + c 30 + c 30; age 1 a 30;
    # age 2 a 30 + b (60 - 40) = 50; age 3 nothing. At risk: 3, 3, 3, 2 (c joined in Feb).
    assert curve["customers"].to_list() == [3, 3, 3, 2]
    assert curve["observed"].to_list() == pytest.approx([150 / 3, 30 / 3, 50 / 3, 0.0])
    assert result.ltv("cohort").value == pytest.approx(150 / 3 + 10 + 50 / 3)


def test_cac_roi_and_payback_hand_worked(result):
    acq = result.acquisition
    assert acq.by_month.select("channel", "ad_spend", "new_customers", "cac").rows() == [
        ("ads", 300.0, 2, 150.0),
        ("ads", 200.0, 0, None),
        ("seo", 50.0, 1, 50.0),
    ]
    assert acq.cac == pytest.approx(550 / 3)
    roi = acq.by_channel.select(
        "channel", "revenue", "gross_profit", "marketing_roi", "customer_roi"
    )
    assert roi.rows() == [
        ("ads", 320.0, 170.0, pytest.approx(-0.36), pytest.approx(-0.66)),
        ("seo", 80.0, 60.0, pytest.approx(0.6), pytest.approx(0.2)),
    ]
    payback = result.payback()
    assert payback.churn_free == pytest.approx((550 / 3) / (230 / 6))
    assert (payback.source, payback.months) == ("cohort", None)  # 76.67 never reaches 183.33
    assert payback.reached == pytest.approx(150 / 3 + 10 + 50 / 3)
    assert payback.churn == pytest.approx(0.75)  # 1 − GRR
    assert payback.with_churn is None  # 183.33 × 0.75 ≥ 38.33: the formula never gets there
    assert payback.text() == "not within 4 months"
    assert not payback.disagrees  # the churn-free 4.8 months is past the horizon too
    assert result.ltv_cac("cohort") == pytest.approx((150 / 3 + 10 + 50 / 3) / (550 / 3))


def test_model_ltv_needs_repeat_buyers(result):
    model = result.ltv("model")
    assert model.value is None
    assert "bought more than once" in model.warnings[0]
    assert result.model is None


def test_no_spend_table_says_what_would_enable_cac():
    out = unit_economics(EVENTS.lazy(), None, SPEC)
    assert out.acquisition is None
    assert out.cac is None
    assert out.payback().text() == "n/a"
    assert any("spend table" in w for w in out.warnings)


def test_no_revenue_raises_data_error():
    with pytest.raises(DataError, match="No payments"):
        unit_economics(EVENTS.with_columns(revenue=pl.lit(0.0)).lazy(), None, SPEC)


def test_revenue_recorded_before_discounts():
    spec = EconomicsSpec(min_customers=1, horizon_months=4, revenue_net=False, n_boot=20)
    out = unit_economics(EVENTS.lazy(), SPEND, spec)
    assert out.contribution.revenue == 390.0  # a's January order was 100 list, 90 paid
    assert out.contribution.gross_sales == 400.0


def test_spend_table_costs_and_entered_margin():
    bare = EVENTS.drop("cogs", "discount")
    spend = SPEND.with_columns(cogs=pl.Series([80.0, 40.0, 0.0]))
    from_spend = unit_economics(bare.lazy(), spend, SPEC)
    assert from_spend.contribution.cogs == pytest.approx(120.0)  # Jan 80 + Feb 40, spread
    entered = unit_economics(bare.lazy(), SPEND, EconomicsSpec(gross_margin=0.6, n_boot=20))
    assert entered.contribution.gross_margin == pytest.approx(0.6)
    none = unit_economics(bare.lazy(), SPEND, EconomicsSpec(n_boot=20))
    assert none.contribution.gross_margin == 1.0
    assert any("No COGS" in w for w in none.warnings)


def test_formulas_module_matches_semantics():
    assert formulas.crr(200, 210, 40) == 0.85
    assert formulas.nrr(1000.0, 150.0, 30.0, 70.0) == pytest.approx(1.05)
    assert formulas.grr(0.0, 0.0, 0.0) is None
    assert formulas.cac(100.0, 0) is None
    assert formulas.ltv_simple(50.0, 0.6, 0.05) == pytest.approx(600.0)


def random_payments(seed: int, n_customers: int = 300) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_customers * 6
    day = rng.integers(0, 365, n)
    return pl.DataFrame(
        {
            "user_id": rng.integers(0, n_customers, n).astype(str),
            "event": rng.choice(["order", "refund"], n, p=[0.92, 0.08]),
            "ts": pl.Series(
                np.datetime64("2024-01-01", "us") + day.astype("timedelta64[D]")
            ).dt.replace_time_zone("UTC"),
            "revenue": np.round(rng.gamma(2.0, 20.0, n), 2),
        }
    ).with_columns(
        revenue=pl.when(pl.col("event") == "refund")
        .then(-pl.col("revenue") / 4)
        .otherwise("revenue")
    )


def test_revenue_movements_match_duckdb_sql():
    events = random_payments(seed=5)
    cm = customer_months(events.lazy(), EconomicsSpec()).collect()
    rows = margins.movement_rows(cm, 2024 * 12 + 11, "user_id")
    got = margins.revenue_movements(rows).drop("month_start")
    con = duckdb.connect()
    con.register("events", events)
    expected = con.sql(
        """
        with cm as (
            select user_id, year(ts) * 12 + month(ts) - 1 as month,
                   greatest(sum(revenue), 0) as m1
            from events group by all
        ), paid as (select * from cm where m1 > 0),
        grid as (
            select user_id, month from paid
            union select user_id, month + 1 from paid where month + 1 <= 2024 * 12 + 11
        ), x as (
            select g.user_id, g.month, coalesce(p.m1, 0) as m1, coalesce(q.m1, 0) as m0,
                   g.month = (select min(month) from paid p2 where p2.user_id = g.user_id) as first
            from grid g
            left join paid p on p.user_id = g.user_id and p.month = g.month
            left join paid q on q.user_id = g.user_id and q.month = g.month - 1
        )
        select month,
            sum(m0) as mrr_start, sum(m1) as mrr_end,
            sum(case when m0 = 0 and first then m1 else 0 end) as new,
            sum(case when m0 = 0 and not first then m1 else 0 end) as reactivation,
            sum(case when m1 > m0 and m0 > 0 then m1 - m0 else 0 end) as expansion,
            sum(case when m1 < m0 and m1 > 0 then m0 - m1 else 0 end) as contraction,
            sum(case when m1 = 0 and m0 > 0 then m0 else 0 end) as churn,
            count(*) filter (m0 > 0) as customers_start,
            count(*) filter (m1 > 0) as customers_end,
            count(*) filter (m0 = 0 and first) as customers_new,
            count(*) filter (m0 > 0 and m1 > 0) as customers_retained
        from x group by month order by month
        """
    ).pl()
    assert got.columns == expected.columns
    for column in got.columns:
        assert np.allclose(
            got[column].to_numpy().astype(float), expected[column].to_numpy().astype(float)
        )


def test_light_retention_path_matches_full_result(result):
    from nsm_core.economics import revenue_retention_of

    retention, movements = revenue_retention_of(EVENTS.lazy(), SPEC)
    assert retention == result.retention
    assert movements.equals(result.movements)


def test_display_tables_and_captions(result):
    from nsm_core.economics import display

    table = display.ltv_table(result)
    assert table["Method"].to_list() == [e.label for e in result.ltvs]
    assert table["LTV"][1] == pytest.approx(150 / 3 + 10 + 50 / 3, abs=0.005)
    lines = dict(display.contribution_table(result.contribution).select("Line", "Total").rows())
    assert lines["= Gross profit"] == 230.0
    assert lines["Contribution margin"] == pytest.approx(-320.0)
    text = display.headline(result, "cohort")
    assert "$76.67" in text
    assert "$183.33" in text
    assert "each customer costs more to acquire" in text
    assert "Payback, counting churn: not within 4 months." in text
    assert "LTV:CAC with the cohort curve LTV 0.4:1" in text
    long = display.movements_long(result.movements)
    assert long.filter(pl.col("movement") == "churn")["amount"].sum() == -250.0
    assert "spend table" not in display.missing_inputs(result)


def test_charts_have_titles_axes_and_tooltips(result):
    from nsm_core.charts import economics as charts

    for chart in (
        charts.ltv_curve_chart(result.ltv_curve, result.cac),
        charts.cac_chart(result.acquisition.by_month),
        charts.roi_chart(result.acquisition.by_channel),
        charts.cohort_margin_chart(result.cohorts),
    ):
        spec = chart.to_dict()
        assert spec["title"]["text"]
        assert "tooltip" in str(spec)
