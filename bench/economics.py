"""Unit economics: the BG/NBD + Gamma-Gamma fit, the RFM summary, and the page's recompute.

- fit: 1M customers' RFM drawn from the BG/NBD and Gamma-Gamma stories with the CDNOW
  parameters (ages in whole days, as real data has them); the note gives the recovered
  parameters. No DuckDB equivalent.
- RFM summary from events beside DuckDB SQL computing the same table (purchase = revenue > 0,
  calibration end = last purchase day, weeks).
- page: `unit_economics` on events already in memory (as the page's cache holds them),
  with a spend table, default assumptions: the page's first open (stage 1, the model fit,
  stage 2).
- page interactions as the page's caches split them: an assumption change such as the LTV
  horizon (stage 2 on the cached tables and fit), and payments without an amount (the
  `purchase` events with revenue removed: stage 1 and the counts).
- payment picker: each event's count and how many carry an amount, beside DuckDB SQL.
"""

from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from bench._harness import (
    CHANNELS,
    Row,
    best_of,
    duckdb_connection,
    events_parquet,
    in_fresh_process,
    peak_mb,
)
from nsm_core import economics
from nsm_core.economics.clv import BGNBD, GammaGamma

FIT_CUSTOMERS: Final = 1_000_000
TRUE_BG: Final = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0, n_customers=0)
TRUE_GG: Final = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0, n_customers=0)
RFM_SQL: Final = """
WITH days AS (
    SELECT user_id, epoch_us(ts) // 86400000000 AS d, sum(revenue) AS spend
    FROM ev WHERE revenue > 0 GROUP BY ALL
), ends AS (SELECT max(d) AS end_day FROM days),
c AS (
    SELECT user_id, count(*) - 1 AS frequency, min(d) AS first_day, max(d) AS last_day,
           sum(spend) AS total, arg_min(spend, d) AS first_value
    FROM days GROUP BY user_id
)
SELECT user_id, frequency, (last_day - first_day) / 7.0 AS recency,
       (end_day - first_day) / 7.0 AS T,
       CASE WHEN frequency > 0 THEN (total - first_value) / frequency ELSE 0 END AS monetary_value,
       first_value, first_day
FROM c, ends
"""


def synthetic_rfm(n: int, seed: int = 7) -> tuple[np.ndarray, ...]:
    """Return (frequency, recency, T, monetary_value) of n customers from the true models."""
    rng = np.random.default_rng(seed)
    big_t = rng.integers(1, 273, n) / 7.0  # first purchase in the 39-week calibration
    x, tx = TRUE_BG.sample(big_t, seed=seed + 1)
    tx = np.where(x > 0, np.clip(np.round(tx * 7), 1, big_t * 7) / 7, 0.0)
    return x, tx, big_t, TRUE_GG.sample(x, seed=seed + 2)


def fit_time(n: int) -> tuple[float, float, str]:
    """Return (best seconds, peak MB, recovered parameters) of fitting both models (child)."""
    x, tx, big_t, m = synthetic_rfm(n)
    fitted = {}

    def fit() -> None:
        fitted["bg"] = economics.fit_bgnbd(x, tx, big_t)
        fitted["gg"] = economics.fit_gamma_gamma(x, m)

    seconds = best_of(fit, 2)
    bg, gg = fitted["bg"], fitted["gg"]
    note = (
        f"customers, not events; true r, α, a, b = 0.243, 4.414, 0.793, 2.426 → "
        f"{bg.r:.3f}, {bg.alpha:.3f}, {bg.a:.3f}, {bg.b:.3f}; p, q, γ = 6.25, 3.74, 15.44 → "
        f"{gg.p:.2f}, {gg.q:.2f}, {gg.gamma:.2f}"
    )
    return seconds, peak_mb(), note


def rfm_ours(path: Path) -> tuple[float, float]:
    """Return (best seconds, peak MB) of our RFM summary on events in memory (child)."""
    events = pl.read_parquet(path)
    seconds = best_of(lambda: economics.rfm_summary(events.lazy()).collect(), 3)
    return seconds, peak_mb()


def duckdb_time(path: Path, sql: str) -> float:
    """Return DuckDB's best seconds for `sql` on the events as its own table (child)."""
    con = duckdb_connection()
    con.execute(f"CREATE TABLE ev AS SELECT * FROM read_parquet('{path}')")
    return best_of(lambda: con.sql(sql).fetch_arrow_table(), 3)


def bench_spend() -> pl.DataFrame:
    """Return a monthly spend table for the synthetic events' channels (2025-01..2026-03)."""
    months = pl.date_range(date(2025, 1, 1), date(2026, 3, 1), "1mo", eager=True).to_list()
    return pl.DataFrame(
        {
            "month": months * len(CHANNELS),
            "channel": [c for c in CHANNELS for _ in months],
            "ad_spend": [0.0 if c == "organic" else 4000.0 for c in CHANNELS for _ in months],
        }
    )


def page_time(path: Path) -> tuple[float, float]:
    """Return (best seconds, peak MB) of the page's unit_economics recompute (child)."""
    events, spend = pl.read_parquet(path), bench_spend()
    spec = economics.EconomicsSpec()
    seconds = best_of(lambda: economics.unit_economics(events.lazy(), spend, spec), 3)
    return seconds, peak_mb()


PICKER_SQL: Final = """
SELECT event, count(*) AS events, count(*) FILTER (revenue <> 0) AS priced,
       count(*) FILTER (revenue > 0) AS positive, sum(revenue) AS revenue
FROM ev GROUP BY event ORDER BY events DESC, event
"""


def horizon_time(path: Path) -> tuple[float, float]:
    """Return (best seconds, peak MB) of an LTV horizon change: stage 2 on cached tables."""
    events, spend = pl.read_parquet(path), bench_spend()
    spec = economics.EconomicsSpec(horizon_months=36)
    tables = economics.payment_tables(events.lazy(), spec.stage1())
    models = economics.fit_customer_models(tables)
    seconds = best_of(lambda: economics.from_tables(tables, spend, spec, models), 3)
    return seconds, peak_mb()


def counts_time(path: Path) -> tuple[float, float]:
    """Return (best seconds, peak MB) of payments without amounts: stage 1 and the counts."""
    events = pl.read_parquet(path).with_columns(revenue=pl.lit(0.0))
    spend = bench_spend()
    spec = economics.EconomicsSpec(payment_event="purchase")

    def counts() -> None:
        tables = economics.payment_tables(events.lazy(), spec.stage1())
        economics.counts_from_tables(tables, spend, spec)

    return best_of(counts, 3), peak_mb()


def picker_ours(path: Path) -> tuple[float, float]:
    """Return (best seconds, peak MB) of the payment picker's table (child)."""
    events = pl.read_parquet(path)
    seconds = best_of(lambda: economics.payment_events(events.lazy()).collect(), 3)
    return seconds, peak_mb()


def run(sizes: list[int]) -> list[Row]:
    """Time the model fit once, and the RFM summary and the page recompute at each size."""
    seconds, peak, note = in_fresh_process(fit_time, FIT_CUSTOMERS)
    rows = [Row("BG/NBD + Gamma-Gamma fit", FIT_CUSTOMERS, seconds, None, peak, note)]
    for n in sizes:
        path = events_parquet(n)
        ours, peak = in_fresh_process(rfm_ours, path)
        duck = in_fresh_process(duckdb_time, path, RFM_SQL)
        rows.append(Row("RFM summary (weeks)", n, ours, duck, peak, "best of 3"))
        page, peak = in_fresh_process(page_time, path)
        rows.append(Row("unit economics page recompute", n, page, None, peak, "best of 3"))
        for task, fn in (
            ("unit economics: LTV horizon change (stage 2 only)", horizon_time),
            ("unit economics: payments without amounts (counts)", counts_time),
        ):
            seconds, peak = in_fresh_process(fn, path)
            rows.append(Row(task, n, seconds, None, peak, "best of 3; page budget 1 s at 1M"))
        ours, peak = in_fresh_process(picker_ours, path)
        duck = in_fresh_process(duckdb_time, path, PICKER_SQL)
        rows.append(Row("unit economics: payment picker table", n, ours, duck, peak, "best of 3"))
    return rows
