"""CAC payback that counts churn: the month cumulative gross profit per customer reaches CAC.

One number for every page (Unit economics and Health read `UnitEconomics.payback()`):

- headline, from the cohort curve: g(k) = gross profit at age k ÷ customers acquired at least
  k months before the data end (churned ones included, so survival is in it), extrapolated by
  the fitted decay; payback = the first month n of a customer's life (1 = the acquisition
  month) with Σ_{k<n} g(k) ≥ CAC, within the LTV horizon, undiscounted.
- without a cohort curve (too few customers), the formula with churn: a customer's gross
  profit in month t of life is m·ARPA·(1−c)^t, c = monthly revenue churn (1 − GRR, as the
  formula LTV), so Σ_{t<n} m·ARPA·(1−c)^t ≥ CAC gives
  n = ⌈log(1 − CAC·c ÷ (m·ARPA)) ÷ log(1 − c)⌉, which exists only while CAC < m·ARPA ÷ c.
- beside them, the churn-free formula CAC ÷ (m·ARPA), which assumes every customer keeps
  paying; it is flagged when it disagrees with the headline.
"""

import math
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core import fmt

Source: TypeAlias = Literal["cohort", "formula"]
SOURCE_WORDS: Final[dict[Source, str]] = {
    "cohort": "the cohort curve",
    "formula": "the formula with churn",
}
PAYBACK_LIMIT: Final = 12  # months; a slower payback is flagged
# Rounding in log(x)/log(1−c) must not push an exact whole month up by one.
_EPS: Final = 1e-9


def churn_free_months(cac: float | None, monthly_gross_profit: float | None) -> float | None:
    """Return CAC ÷ (ARPA × GM%) in months: the payback if no customer ever churned.

    Example:
        >>> churn_free_months(120.0, 20.0)
        6.0
    """
    if cac is None or not monthly_gross_profit or monthly_gross_profit <= 0:
        return None
    return cac / monthly_gross_profit


def formula_months(cac: float, monthly_gross_profit: float, churn: float) -> int | None:
    """Return the first n with Σ_{t<n} m·ARPA·(1−c)^t ≥ CAC (None when it never gets there).

    Closed form of the geometric sum: n = ⌈log(1 − CAC·c ÷ (m·ARPA)) ÷ log(1 − c)⌉ when
    CAC·c < m·ARPA; without churn n = ⌈CAC ÷ (m·ARPA)⌉; n = 1 when CAC ≤ m·ARPA.

    Example:
        >>> formula_months(100.0, 40.0, 0.2), formula_months(100.0, 10.0, 0.2)
        (4, None)
    """
    if cac <= monthly_gross_profit:
        return 1  # the first month alone pays it back (a CAC of 0 too)
    if monthly_gross_profit <= 0 or cac * churn >= monthly_gross_profit:
        return None  # even the whole sum, m·ARPA ÷ c (the formula LTV), stays below CAC
    if churn <= 0:
        return math.ceil(cac / monthly_gross_profit - _EPS)
    # log1p keeps a churn too small for 1 − c to differ from 1 finite
    ratio = math.log1p(-cac * churn / monthly_gross_profit) / math.log1p(-churn)
    return math.ceil(ratio - _EPS)


def curve_months(cumulative: pl.Series, cac: float) -> int | None:
    """Return the first month of life (1 = acquisition month) where cumulative GP ≥ CAC.

    Example:
        >>> curve_months(pl.Series([30.0, 40.0, 48.0]), 35.0)
        2
    """
    reached = (cumulative >= cac).arg_true()
    return int(reached[0]) + 1 if reached.len() else None


@dataclass(frozen=True, slots=True)
class Payback:
    """CAC payback counting churn (`months`, the headline) and the churn-free formula.

    months: whole months of a customer's life until their cumulative gross profit reaches
    CAC, by `source`, within `horizon` months (None: not within them, or no payback at all
    when `source` is None: no CAC or no gross profit). with_churn: the formula with churn,
    unbounded (None: never). churn_free: CAC ÷ monthly gross profit. churn: the monthly
    revenue churn the formula uses. reached: cumulative gross profit per customer by the
    horizon (the cohort curve's, or the formula's).
    """

    cac: float | None
    horizon: int
    months: int | None
    source: Source | None
    churn_free: float | None
    with_churn: int | None
    churn: float | None
    reached: float | None = None

    def text(self) -> str:
        """Return the headline as the pages show it.

        Example:
            >>> Payback(50.0, 24, 7, "cohort", 5.1, 8, 0.1).text()
            '7 months'
            >>> Payback(50.0, 24, None, "cohort", 5.1, None, 0.6).text()
            'not within 24 months'
        """
        if self.source is None:
            return "n/a"
        if self.months is None:
            return f"not within {self.horizon} months"
        return f"{self.months} month" + ("s" if self.months > 1 else "")

    @property
    def slow(self) -> bool:
        """True when CAC takes more than PAYBACK_LIMIT months (or the horizon) to come back."""
        return self.source is not None and (self.months is None or self.months > PAYBACK_LIMIT)

    @property
    def disagrees(self) -> bool:
        """True when the churn-free formula is more than a month away from the headline.

        Not within the horizon disagrees with a churn-free payback inside it.

        Example:
            >>> Payback(50.0, 24, None, "cohort", 5.1, None, 0.6).disagrees
            True
            >>> Payback(50.0, 24, 7, "cohort", 5.1, 7, 0.1).disagrees
            False
        """
        if self.source is None or self.churn_free is None:
            return False
        if self.months is None:
            return self.churn_free <= self.horizon
        return abs(self.months - math.ceil(self.churn_free - _EPS)) > 1


def cac_payback(
    cac: float | None,
    monthly_gross_profit: float | None,
    churn: float | None,
    cumulative: pl.Series | None,
    horizon: int,
) -> Payback:
    """Return the payback: the cohort curve's when there is one, else the formula with churn.

    cumulative = the cohort curve's cumulative gross profit per acquired customer by month of
    life (None without a curve); churn = monthly revenue churn (None when no complete month
    measured it: the formula then assumes none).

    Example:
        >>> p = cac_payback(33.0, 6.5, 0.69, pl.Series([6.3, 8.5, 10.0, 11.1, 12.0, 12.9]), 6)
        >>> p.text(), round(p.churn_free, 1), p.with_churn, p.disagrees
        ('not within 6 months', 5.1, None, True)
    """
    free = churn_free_months(cac, monthly_gross_profit)
    if cac is None or free is None:
        return Payback(cac, horizon, None, None, free, None, churn)
    with_churn = formula_months(cac, monthly_gross_profit, churn or 0.0)
    if cumulative is not None:
        months = curve_months(cumulative.head(horizon), cac)
        reached = float(cumulative.head(horizon).max())
        return Payback(cac, horizon, months, "cohort", free, with_churn, churn, reached)
    months = with_churn if with_churn is not None and with_churn <= horizon else None
    c = churn or 0.0
    reached = monthly_gross_profit * (horizon if c <= 0 else (1 - (1 - c) ** horizon) / c)
    return Payback(cac, horizon, months, "formula", free, with_churn, churn, reached)


def sentence(p: Payback) -> str:
    """Return the payback in words: the headline, the formula with churn, and without churn.

    Example:
        >>> print(
        ...     sentence(
        ...         cac_payback(33.0, 6.5, 0.69, pl.Series([6.3, 8.5, 10.0, 11.1, 12.0, 12.9]), 6)
        ...     )
        ... )
        Counting churn, CAC ($33.00) is not paid back within 6 months: cumulative gross profit per acquired customer on the cohort curve reaches $12.90 by month 6. The formula with churn (69.0% of revenue lost a month) never pays it back. Without churn, CAC ÷ monthly gross profit = 5.1 months; it assumes every customer keeps paying.
    """  # noqa: E501 - a doctest's expected output is one line
    if p.source is None:
        return "Payback needs a CAC (a spend table) and a positive monthly gross profit."
    where = SOURCE_WORDS[p.source]
    if p.months is None:
        head = (
            f"Counting churn, CAC ({fmt.money(p.cac)}) is not paid back within {p.horizon} "
            f"months: cumulative gross profit per acquired customer on {where} reaches "
            f"{fmt.money(p.reached)} by month {p.horizon}."
        )
    else:
        head = (
            f"Counting churn, CAC ({fmt.money(p.cac)}) is paid back in month {p.months} of a "
            f"customer's life on {where}."
        )
    lost = f"{fmt.pct(p.churn or 0.0, 1)} of revenue lost a month"
    formula = (
        "never pays it back" if p.with_churn is None else f"pays it back in month {p.with_churn}"
    )
    tail = f" The formula with churn ({lost}) {formula}." if p.source == "cohort" else ""
    free = (
        f" Without churn, CAC ÷ monthly gross profit = {fmt.num(p.churn_free, 1)} months; it "
        "assumes every customer keeps paying."
    )
    return head + tail + free


def disagreement(p: Payback) -> str | None:
    """Return the flag shown when the churn-free formula disagrees with the headline, else None.

    Example:
        >>> print(
        ...     disagreement(
        ...         cac_payback(33.0, 6.5, 0.69, pl.Series([6.3, 8.5, 10.0, 11.1, 12.0, 12.9]), 6)
        ...     )
        ... )
        The churn-free payback (CAC ÷ monthly gross profit = 5.1 months) assumes every customer keeps paying; counting churn, payback is not within 6 months. The headline is the one counting churn, from the cohort curve.
    """  # noqa: E501 - a doctest's expected output is one line
    if not p.disagrees:
        return None
    return (
        f"The churn-free payback (CAC ÷ monthly gross profit = {fmt.num(p.churn_free, 1)} "
        f"months) assumes every customer keeps paying; counting churn, payback is {p.text()}. "
        f"The headline is the one counting churn, from {SOURCE_WORDS[p.source]}."
    )
