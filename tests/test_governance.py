"""Governance card: change log, recompute both ways, Markdown and JSON export/import."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_metrics import specs

from nsm_core import governance as gov
from nsm_core.metrics import Exclusions, Filter, MetricSpec
from nsm_core.schema import DataError

WAU = MetricSpec("Weekly orderers", events=("order",), owner="Ana", unit="users")


def _events():
    base = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
    rows = [
        ("a", "order", 0, 10.0),
        ("b", "order", 1, -10.0),
        ("qa", "order", 2, 5.0),
        ("a", "order", 7, 5.0),
        ("qa", "order", 8, 5.0),
        ("b", "open", 15, 0.0),
    ]
    return pl.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "event": [r[1] for r in rows],
            "ts": [base + timedelta(days=r[2]) for r in rows],
            "revenue": [r[3] for r in rows],
        }
    )


def test_change_logs_old_and_new_and_bumps_version():
    card = gov.new_card(WAU)
    after = MetricSpec(
        "Weekly orderers", events=("order",), owner="Ana", exclusions=Exclusions(user_ids=("qa",))
    )
    later = gov.change(card, after, author="Ben", reason="QA account", when=date(2025, 2, 1))
    assert later.version == 2
    assert later.spec == after
    assert later.changes[0].before == WAU
    assert later.changes[0].after == after
    assert "excluding 1 listed users (qa)" in later.definition
    [(name, old, new)] = gov.spec_changes(WAU, after)
    assert name == "exclusions"
    assert '"qa"' in new
    assert '"qa"' not in old


def test_hand_written_definition_is_kept():
    card = gov.new_card(WAU, definition="People who ordered this week.")
    after = replace(WAU, exclusions=Exclusions(refunds=True))
    later = gov.change(card, after, author="Ben", reason="r", when=date(2025, 2, 1))
    assert later.definition == "People who ordered this week."


@pytest.mark.parametrize(
    ("author", "reason", "after"),
    [("", "why", MetricSpec("x")), ("Ben", " ", MetricSpec("x")), ("Ben", "why", WAU)],
)
def test_change_needs_author_reason_and_a_difference(author, reason, after):
    with pytest.raises(DataError):
        gov.change(gov.new_card(WAU), after, author=author, reason=reason, when=date(2025, 1, 1))


def test_recompute_both_ways_shows_the_jump():
    after = MetricSpec(
        "Weekly orderers", events=("order",), owner="Ana", exclusions=Exclusions(user_ids=("qa",))
    )
    entry = gov.Change(date(2025, 2, 1), "Ben", "QA", WAU, after)
    both = gov.recompute_both_ways(_events(), entry)
    # By hand: week 1 orderers a, b, qa -> 3 before, 2 after; week 2 a, qa -> 2 and 1;
    # week 3 (the last, unfinished) nobody.
    got = {(r["definition"], r["period_start"]): r["value"] for r in both.iter_rows(named=True)}
    assert got[("before", date(2025, 1, 6))] == 3
    assert got[("after", date(2025, 1, 6))] == 2
    assert got[("before", date(2025, 1, 13))] == 2
    assert got[("after", date(2025, 1, 13))] == 1
    caption = gov.jump_caption(both, entry)
    assert "1.50" in caption
    assert "2.50" in caption
    assert "-40.0%" in caption


def test_markdown_has_the_facts():
    card = gov.with_guardrails(
        gov.new_card(
            MetricSpec("Orders", events=("order",), aggregation="events", unit="orders",
                       filters=(Filter("plan", "in", ("pro",)),),
                       exclusions=Exclusions(refunds=True), owner="Ana")
        ),
        (gov.Guardrail("Refund rate | share", note="must stay under 2%"),
         gov.Guardrail("Weekly active users", MetricSpec("WAU"))),
    )  # fmt: skip
    monthly = replace(card.spec, grain="month")
    card = gov.change(card, monthly, author="Ben", reason="monthly | review", when=date(2025, 3, 1))
    md = gov.to_markdown(card)
    for text in (
        "# North Star: Orders",
        "| Owner | Ana |",
        "| Version | 2 |",
        "| Time window | calendar month (UTC) |",
        "where plan is pro",
        "refunds (rows with negative revenue)",
        "Refund rate \\| share",
        "must stay under 2%",
        "| 2025-03-01 | Ben | monthly \\| review | grain: week → month |",
    ):
        assert text in md, text


def test_broken_imports_are_clear_errors():
    with pytest.raises(DataError, match="not valid JSON"):
        gov.from_json("{not json")
    with pytest.raises(DataError, match="not a North Star governance card"):
        gov.from_json('{"name": "WAU"}')
    good = gov.to_dict(gov.new_card(WAU))
    with pytest.raises(DataError, match="Unknown aggregation"):
        gov.from_json(json.dumps({**good, "spec": {**good["spec"], "aggregation": "avg"}}))
    with pytest.raises(DataError, match="missing"):
        gov.from_json(json.dumps({k: v for k, v in good.items() if k != "spec"}))
    bad_date = {**good, "changes": [{"when": "yesterday", "author": "a", "reason": "r",
                                     "before": good["spec"], "after": good["spec"]}]}  # fmt: skip
    with pytest.raises(DataError, match="not a date"):
        gov.from_json(json.dumps(bad_date))


@st.composite
def cards(draw):
    first = draw(specs())
    card = gov.new_card(first, draw(st.text(max_size=40)))
    guards = draw(st.lists(st.tuples(st.text(min_size=1, max_size=10), st.none() | specs()),
                           max_size=3))  # fmt: skip
    card = gov.with_guardrails(card, tuple(gov.Guardrail(n, s) for n, s in guards))
    for later in draw(st.lists(specs(), max_size=2)):
        if later != card.spec:
            card = gov.change(card, later, author="A", reason="R", when=date(2025, 1, 2))
    return card


@settings(max_examples=30, deadline=None)
@given(cards())
def test_card_json_round_trip(card):
    assert gov.from_json(gov.to_json(card)) == card
    assert gov.to_markdown(card).startswith("# North Star: ")
