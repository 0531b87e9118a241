"""The unit-economics formulas as plain scalar functions.

Definitions: docs/definitions/economics.md#revenue-lifecycle.

For pages and modules (Scenarios, Health) that already hold the totals and need the number;
each returns None when its denominator is zero or missing, never inf or NaN.
"""

from nsm_core.economics.payback import churn_free_months, formula_months

__all__ = [
    "cac",
    "churn_free_months",
    "churn_rate",
    "crr",
    "formula_months",
    "grr",
    "ltv_simple",
    "nrr",
]


def _div(num: float, den: float | None) -> float | None:
    return num / den if den else None


def crr(customers_start: int, customers_end: int, new_customers: int) -> float | None:
    """Return the customer retention rate CRR = (E - N) / S.

    S = paying customers at the start, E = at the end, N = customers at the end who were not
    paying at the start (new and reactivated).

    Example:
        >>> crr(customers_start=200, customers_end=210, new_customers=40)
        0.85
    """
    return _div(customers_end - new_customers, customers_start)


def churn_rate(retention_rate: float | None) -> float | None:
    """Return churn = 1 - retention rate (logo churn from CRR, revenue churn from GRR).

    Example:
        >>> churn_rate(0.85)
        0.15...
    """
    return None if retention_rate is None else 1 - retention_rate


def nrr(mrr_start: float, expansion: float, contraction: float, churn: float) -> float | None:
    """Return net (dollar) revenue retention NRR = DRR = (MRR_S + exp - contr - churn) / MRR_S.

    Example:
        >>> nrr(mrr_start=1000.0, expansion=150.0, contraction=30.0, churn=70.0)
        1.05
    """
    return _div(mrr_start + expansion - contraction - churn, mrr_start)


def grr(mrr_start: float, contraction: float, churn: float) -> float | None:
    """Return gross revenue retention GRR = (MRR_S - contraction - churn) / MRR_S (≤ 1).

    Example:
        >>> grr(mrr_start=1000.0, contraction=30.0, churn=70.0)
        0.9
    """
    return _div(mrr_start - contraction - churn, mrr_start)


def cac(ad_spend: float, new_customers: int) -> float | None:
    """Return CAC = acquisition spend ÷ new paying customers.

    Example:
        >>> cac(ad_spend=5000.0, new_customers=125)
        40.0
    """
    return _div(ad_spend, new_customers)


def ltv_simple(arpa: float, gross_margin: float, monthly_churn: float | None) -> float | None:
    """Return the formula LTV = ARPA × GM% ÷ monthly churn.

    Example:
        >>> ltv_simple(arpa=50.0, gross_margin=0.6, monthly_churn=0.05)
        600.0
    """
    return _div(arpa * gross_margin, monthly_churn)
