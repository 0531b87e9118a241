"""Workshop checks: planted cause vs proxy on the samples, hand-worked estimators, scoring."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core import stats
from nsm_core.metrics import Filter, MetricSpec
from nsm_core.overview import summary
from nsm_core.samples import SAMPLES
from nsm_core.synth.truths import load_truths
from nsm_core.workshop import (
    CRITERIA,
    CheckSpec,
    Evidence,
    apply_saved,
    default_weights,
    evidence_table,
    rank,
    result_json,
    result_markdown,
    review_candidate,
    suggested_scores,
    unit_table,
    vanity_flags,
    weights_from,
    winner,
    workshop_result,
)
from nsm_core.workshop.checks import stratified_difference
from nsm_core.workshop.review import RATING_ORDER, top_share

TRUTHS = load_truths(Path(__file__).resolve().parents[1] / "sample_data" / "truths.json")


def _candidate(moment) -> MetricSpec:
    """The weekly metric a team would propose for a planted early behaviour."""
    if moment.min_count == 1:
        return MetricSpec(f"Users doing {moment.event}", events=(moment.event,))
    return MetricSpec(
        f"Users doing {moment.event} {moment.min_count}+ times",
        events=(moment.event,),
        aggregation="users_reaching",
        threshold=moment.min_count,
    )


@pytest.fixture(scope="module", params=["meals", "teams"])
def planted(request):
    events = pl.read_parquet(SAMPLES[request.param].events_path)
    truth = TRUTHS[request.param]
    cause = review_candidate(events, _candidate(truth.moment))
    proxy = review_candidate(events, _candidate(truth.proxy))
    neutral = review_candidate(events, _candidate(truth.neutral))
    return truth, cause, proxy, neutral


def test_proxy_rates_weaker_than_the_cause(planted):
    truth, cause, proxy, _ = planted
    assert truth.moment.role == "cause"
    assert truth.proxy.role == "proxy"
    # The naive view cannot tell them apart: the proxy's raw lift is as large as the cause's.
    assert proxy.evidence.raw_lift.value > 0.5 * cause.evidence.raw_lift.value
    assert RATING_ORDER[cause.rating] > RATING_ORDER[proxy.rating]
    assert cause.evidence.adjusted_lift.ci_low > proxy.evidence.adjusted_lift.value
    assert proxy.rating == "none"
    assert "does not lead retention" in " ".join(proxy.flags)


def test_cause_interval_is_near_the_planted_effect(planted):
    truth, cause, _, neutral = planted
    # Observational adjustment leaves a few pp of bias in favour of the moment (README).
    assert cause.evidence.adjusted_lift.ci_low * 100 < truth.moment.ate_pp + 8
    assert cause.evidence.adjusted_lift.ci_high * 100 > truth.moment.ate_pp
    assert neutral.rating == "none"


def test_eligible_units_match_the_truth(planted):
    truth, cause, _, _ = planted
    assert cause.evidence.n == truth.outcome.eligible


def _events(rows):
    base = datetime(2025, 1, 6, tzinfo=UTC)
    return pl.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "event": [r[1] for r in rows],
            "ts": [base + timedelta(days=r[2]) for r in rows],
            "revenue": [float(r[3]) for r in rows],
            "channel": [r[4] for r in rows],
        }
    )


def test_unit_table_by_hand():
    rows = [
        ("a", "signup", 0, 0, "ads"),
        ("a", "save", 1, 0, "ads"),
        ("a", "save", 2, 0, "ads"),
        ("a", "open", 10, 5, "ads"),
        ("b", "signup", 1, 0, "seo"),
        ("b", "open", 40, 9, "seo"),
        ("c", "signup", 30, 0, "seo"),
        ("z", "open", 50, 0, "seo"),  # the last event: data end = day 50
    ]
    spec = MetricSpec("Savers", events=("save",))
    units = unit_table(_events(rows), spec, CheckSpec()).collect()
    got = {r["unit"]: r for r in units.iter_rows(named=True)}
    # a: 2 saves on own days 1-2; active own days 0,1,2; back on day 10 (in 8..35) with $5.
    assert got["a"]["x"] == 2
    assert got["a"]["early_active_days"] == 3
    assert got["a"]["early_events"] == 3
    assert got["a"]["retained"]
    assert got["a"]["revenue"] == 5
    assert got["a"]["eligible"]  # day 0 + 36 <= 50
    # b: own day 39 is after the window; eligible (1 + 36 <= 50). c: day 30 + 36 > 50.
    assert not got["b"]["retained"]
    assert got["b"]["eligible"]
    assert not got["c"]["eligible"]
    assert got["a"]["channel"] == "ads"


def test_stratified_difference_by_hand():
    # Stratum s1: treated 3/4 vs control 1/4 (d = 0.5, n = 8); s2: 2/2 vs 1/2 (d = 0.5, n = 4)
    # -> D = (8 * 0.5 + 4 * 0.5) / 12 = 0.5. Var: s1 w = 2/3, v1 = v0 = 0.25 (ddof 1),
    # (0.25/4 + 0.25/4) = 0.125; s2 w = 1/3, v1 = 0, v0 = 0.5, (0 + 0.25) = 0.25.
    y = [1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0]
    treated = [True] * 4 + [False] * 4 + [True] * 2 + [False] * 2
    frame = pl.DataFrame({"y": y, "treated": treated, "s": ["s1"] * 8 + ["s2"] * 4})
    est, coverage = stratified_difference(frame, "y", ["s"])
    var = (2 / 3) ** 2 * 0.125 + (1 / 3) ** 2 * 0.25
    assert est.value == pytest.approx(0.5)
    assert est.ci_high - est.value == pytest.approx(stats.z_value() * var**0.5)
    assert est.n == 12
    assert coverage == 1.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 1)), min_size=6, max_size=60))
def test_one_stratum_is_the_plain_difference(rows):
    frame = pl.DataFrame({"treated": [r[0] for r in rows], "y": [r[1] for r in rows], "s": "all"})
    est, _ = stratified_difference(frame, "y", ["s"])
    t = [r[1] for r in rows if r[0]]
    c = [r[1] for r in rows if not r[0]]
    if len(t) < 2 or len(c) < 2:
        assert est is None
    else:
        assert est.value == pytest.approx(np.mean(t) - np.mean(c))


def test_top_share():
    assert top_share(np.ones(100)) == pytest.approx(0.01)
    assert top_share(np.zeros(5)) is None


def _matrix(rows):
    return pl.DataFrame(rows, schema=suggested_scores(()).schema, orient="row")


def test_rank_by_hand():
    scores = _matrix(
        [["A", 5, 1, 3, 3, 3, 3, 0], ["B", 1, 5, 3, 3, 3, 3, 4], ["C", 1, 5, 3, 3, 3, 3, 1]]
    )
    # Equal weights: A = B = C = 3.0 -> votes decide: B, C, A.
    assert rank(scores, default_weights()).get_column("Candidate").to_list() == ["B", "C", "A"]
    # All weight on customer value: A = 5, B = C = 1 -> A first, then B (more votes).
    w = weights_from((("Reflects customer value", 1.0), *((c, 0.0) for c in CRITERIA[1:])))
    ranked = rank(scores, w)
    assert ranked.rows() == [(1, "A", 5.0, 0), (2, "B", 1.0, 4), (3, "C", 1.0, 1)]
    # Out-of-range scores clip to 1..5; a missing score drops that criterion for that row.
    odd = _matrix([["D", 9, None, 3, 3, 3, 3, 0]])
    assert rank(odd, default_weights()).get_column("Score").item() == pytest.approx((5 + 3 * 4) / 5)


def test_saved_edits_override_suggestions():
    suggested = _matrix([["A", 3, 3, 3, 3, 3, 3, 0], ["B", 2, 2, 2, 2, 2, 2, 0]])
    merged = apply_saved(suggested, (("B", 5, 5, 5, 5, 5, 5, 3),))
    assert merged.rows() == [("A", 3, 3, 3, 3, 3, 3, 0), ("B", 5, 5, 5, 5, 5, 5, 3)]


def test_suggested_scores_and_export_on_meals():
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    truth = TRUTHS["meals"]
    specs = [
        _candidate(truth.moment),
        _candidate(truth.proxy),
        MetricSpec("Total app opens", events=("app_open",), aggregation="events", unit="opens"),
    ]
    reviews = tuple(review_candidate(events, s) for s in specs)
    scores = suggested_scores(reviews)
    value = dict(zip(scores["Candidate"], scores["Reflects customer value"], strict=True))
    assert value[specs[0].name] > value[specs[1].name]
    vanity = dict(zip(scores["Candidate"], scores["Not vanity"], strict=True))
    assert vanity["Total app opens"] == 1  # running total + raw opens + everyone does it
    result = workshop_result(reviews, scores, default_weights(), summary(events))
    assert winner(result) == specs[0]
    data = json.loads(result_json(result))
    assert [c["spec"]["name"] for c in data["candidates"]] == [s.name for s in specs]
    assert data["ranking"][0]["Candidate"] == specs[0].name
    md = result_markdown(result)
    assert "## Ranking" in md
    assert "Counts raw views or opens" in md
    table = evidence_table(reviews)
    assert table.height == 3
    assert table.filter(pl.col("candidate") == specs[0].name)["lift_low_pp"].item() > 0


def test_first_touch_channel_skips_empty_cells():
    rows = [("a", "open", 0, 0, None), ("a", "open", 1, 0, "ads"), ("a", "open", 2, 0, "seo")]
    rows += [("b", "open", 0, 0, None)]
    units = unit_table(_events(rows), MetricSpec("m"), CheckSpec()).collect()
    assert dict(units.select("unit", "channel").iter_rows()) == {"a": "ads", "b": "(none)"}


def _evidence(n=100, achievers=50):
    rho = stats.Estimate(0.1, 0.0, 0.2, n, "Spearman")
    return Evidence(n, achievers, rho, None, None, None, None, (), 1.0)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (MetricSpec("Weekly events", aggregation="events"), ["Counts every event"]),
        (
            MetricSpec("Paid", aggregation="events", filters=(Filter("revenue", "gt", number=0),)),
            [],
        ),
        (MetricSpec("Page views", events=("page_view",), aggregation="events"), ["raw views"]),
        (MetricSpec("Total orders", events=("order",), aggregation="events"), ["running total"]),
        (MetricSpec("Viewers", events=("page_view",)), []),  # distinct users: not raw volume
    ],
)
def test_vanity_flags_by_definition(spec, expected):
    weekly = pl.DataFrame({"value": [3.0, 1.0], "complete": [True, True]})
    flags = " ".join(vanity_flags(spec, _evidence(), weekly, share=0.05))
    assert all(e in flags for e in expected)
    assert bool(flags) == bool(expected)


def test_vanity_flags_from_the_data():
    spec = MetricSpec("Messages", events=("send_message",), aggregation="events")
    rising = pl.DataFrame({"value": [float(v) for v in range(10)], "complete": [True] * 10})
    flags = " ".join(vanity_flags(spec, _evidence(achievers=99), rising, share=0.4))
    assert "only ever gone up" in flags
    assert "top 1% of units make 40%" in flags
    assert "Almost every new unit" in flags
