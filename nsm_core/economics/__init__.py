"""Unit economics: CAC, LTV (formula, cohort, BG/NBD + Gamma-Gamma), payback, margins."""

from nsm_core.economics.clv import BGNBD, GammaGamma, fit_bgnbd, fit_gamma_gamma
from nsm_core.economics.rfm import RFMSpec, purchases, rfm_summary

__all__ = [
    "BGNBD",
    "GammaGamma",
    "RFMSpec",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "purchases",
    "rfm_summary",
]
