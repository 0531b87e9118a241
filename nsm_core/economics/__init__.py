"""Unit economics: CAC, LTV (formula, cohort, BG/NBD + Gamma-Gamma), payback, margins.

`unit_economics(events, spend, spec)` computes everything the Unit economics page shows;
the pieces are public for other pages (Scenarios, Health): `formulas` has the scalar
formulas (crr, nrr, grr, churn_rate, cac, ltv_simple, payback_months).
"""

from nsm_core.economics import formulas
from nsm_core.economics.cac import blended_cac, cac_table, channel_roi
from nsm_core.economics.clv import (
    BGNBD,
    GammaGamma,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
)
from nsm_core.economics.ltv import (
    LTVEstimate,
    cohort_payback,
    ltv_cac_verdict,
    payback_months,
)
from nsm_core.economics.margins import (
    Contribution,
    RecurringSplit,
    RevenueRetention,
    movement_rows,
    revenue_movements,
    revenue_retention,
)
from nsm_core.economics.probabilistic import CustomerModel, customer_values, model_ltv
from nsm_core.economics.report import (
    Acquisition,
    UnitEconomics,
    revenue_retention_of,
    unit_economics,
)
from nsm_core.economics.rfm import RFMSpec, purchases, rfm_summary
from nsm_core.economics.tables import EconomicsSpec, customer_months, customers

__all__ = [
    "BGNBD",
    "Acquisition",
    "Contribution",
    "CustomerModel",
    "EconomicsSpec",
    "GammaGamma",
    "LTVEstimate",
    "RFMSpec",
    "RecurringSplit",
    "RevenueRetention",
    "UnitEconomics",
    "blended_cac",
    "cac_table",
    "channel_roi",
    "cohort_payback",
    "customer_months",
    "customer_values",
    "customers",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "formulas",
    "ltv_cac_verdict",
    "model_ltv",
    "movement_rows",
    "payback_months",
    "purchases",
    "revenue_movements",
    "revenue_retention",
    "revenue_retention_of",
    "rfm_summary",
    "unit_economics",
]
