"""compute_metric against DuckDB SQL written independently (bench/metrics.py), on samples."""

import duckdb
import polars as pl
import pytest

from bench.metrics import metric_sql
from nsm_core.metrics import MetricSpec, compute_metric
from nsm_core.samples import SAMPLES

SPECS = [
    MetricSpec("WAU"),
    MetricSpec("DAU", grain="day"),
    MetricSpec("MAU", grain="month"),
    MetricSpec("Orders", events=("order", "purchase"), aggregation="events"),
    MetricSpec("2+ orders", events=("order", "purchase"), aggregation="users_reaching",
               threshold=2),
    MetricSpec("Monthly 3+ buyers", events=("purchase",), aggregation="users_reaching",
               threshold=3, grain="month"),
]  # fmt: skip


@pytest.fixture(scope="module", params=["meals", "cdnow"])
def loaded(request):
    path = SAMPLES[request.param].events_path
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE ev AS SELECT * FROM read_parquet('{path}')")
    return pl.read_parquet(path), con


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_series_equals_duckdb(loaded, spec):
    events, con = loaded
    ours = compute_metric(events.lazy(), spec)
    theirs = pl.from_arrow(con.sql(metric_sql(spec)).to_arrow_table())
    assert ours.rows() == theirs.select(ours.columns).rows()
