"""Unit economics finds what the synthetic samples planted (sample_data/README.md, truths.json)."""

import polars as pl
import pytest

from nsm_core import economics
from nsm_core.samples import SAMPLES
from nsm_core.synth import TRUTHS


def run(key: str, **options) -> economics.UnitEconomics:
    sample = SAMPLES[key]
    events = pl.read_parquet(sample.events_path)
    spend = pl.read_parquet(sample.spend_path) if sample.spend_path else None
    return economics.unit_economics(events.lazy(), spend, economics.EconomicsSpec(**options))


@pytest.fixture(scope="module")
def meals():
    return run("meals")


@pytest.fixture(scope="module")
def teams():
    return run("teams", customer="account_id")


def test_meals_cac_by_channel_matches_the_planted_cost(meals):
    # Truth: spend ÷ every customer the channel ever brought; ours counts only customers
    # acquired in the spend months (a few first order in January 2026), so ours is a bit higher.
    roi = dict(meals.acquisition.by_channel.select("channel", "cac").rows())
    for truth in TRUTHS["meals"].channels:
        if truth.ad_spend > 0:
            assert roi[truth.channel] == pytest.approx(truth.cost_per_customer, rel=0.05)
    assert roi["referral"] < roi["paid_search"] < roi["paid_social"]


def test_meals_costs_come_from_the_order_properties(meals):
    assert meals.costs.cogs == "the `cogs` property of each payment"
    assert meals.costs.discounts == "the `discount` property of each payment"
    assert 0 < meals.contribution.gross_margin < 0.3  # food 62% + $4.50 courier per order
    assert meals.model is not None


def test_teams_accounts_churn_and_expansion(teams):
    truth = TRUTHS["teams"].expansion
    assert teams.customers == truth.paying_accounts
    assert "subscription-like" in teams.recurring.rule
    assert teams.recurring.share == 1.0
    assert teams.retention.logo_churn == pytest.approx(truth.monthly_cancel_rate, abs=0.01)
    assert teams.retention.nrr > 1 > teams.retention.grr  # inviters' teams grow their seats
    assert teams.expansion_share > 0


def test_teams_subscriptions_do_not_suit_bgnbd(teams):
    model = teams.ltv("model")
    assert model.value is None
    assert model.ci_low is None
    assert "parameter limit" in model.warnings[0]
    assert teams.ltv("cohort").value > 0
