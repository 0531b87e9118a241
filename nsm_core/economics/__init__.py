"""Unit economics: CAC, LTV (formula, cohort, BG/NBD + Gamma-Gamma), payback, margins.

`unit_economics(events, spend, spec)` computes everything the Unit economics page shows;
the pieces are public for other pages (Scenarios, Health): `formulas` has the scalar
formulas (crr, nrr, grr, churn_rate, cac, ltv_simple, the paybacks); `payment_tables` and
`from_tables` are its two stages, `counts_from_tables` what payments without amounts give;
`cac_payback` is the one payback every page shows (with churn, `UnitEconomics.payback()`).
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
from nsm_core.economics.ltv import LTVEstimate, ltv_cac_verdict
from nsm_core.economics.margins import (
    Contribution,
    RecurringSplit,
    RevenueRetention,
    movement_rows,
    revenue_movements,
    revenue_retention,
)
from nsm_core.economics.payback import Payback, cac_payback
from nsm_core.economics.payments import (
    Amounts,
    payment_candidates,
    payment_events,
    suggested_payments,
)
from nsm_core.economics.probabilistic import CustomerModel, customer_values, model_ltv
from nsm_core.economics.report import (
    Acquisition,
    PaymentCounts,
    PaymentTables,
    UnitEconomics,
    counts_from_tables,
    fit_customer_models,
    from_tables,
    payment_tables,
    revenue_retention_of,
    unit_economics,
)
from nsm_core.economics.rfm import RFMSpec, purchases, rfm_summary
from nsm_core.economics.tables import EconomicsSpec, customer_months, customers

__all__ = [
    "BGNBD",
    "Acquisition",
    "Amounts",
    "Contribution",
    "CustomerModel",
    "EconomicsSpec",
    "GammaGamma",
    "LTVEstimate",
    "Payback",
    "PaymentCounts",
    "PaymentTables",
    "RFMSpec",
    "RecurringSplit",
    "RevenueRetention",
    "UnitEconomics",
    "blended_cac",
    "cac_payback",
    "cac_table",
    "channel_roi",
    "counts_from_tables",
    "customer_months",
    "customer_values",
    "customers",
    "expected_purchases",
    "fit_bgnbd",
    "fit_customer_models",
    "fit_gamma_gamma",
    "formulas",
    "from_tables",
    "ltv_cac_verdict",
    "model_ltv",
    "movement_rows",
    "payment_candidates",
    "payment_events",
    "payment_tables",
    "purchases",
    "revenue_movements",
    "revenue_retention",
    "revenue_retention_of",
    "rfm_summary",
    "suggested_payments",
    "unit_economics",
]
