"""Customer-lifetime-value models in pure numpy/scipy: BG/NBD, Gamma-Gamma, discounted CLV, RFM summaries."""

from .bgnbd import (
    BgNbdParams,
    bgnbd_loglik,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
    unconditional_expected_purchases,
)
from .clv import DAYS_PER_MONTH, customer_lifetime_value
from .errors import FitError, InsufficientHistory, ValueModelError
from .files import SummaryTable, fit_summary_csv, read_cdnow_transactions, read_summary_csv
from .gamma_gamma import GammaGammaParams, expected_spend, fit_gamma_gamma
from .rfm import RfmSummary, rfm_summary, round_half_up
from .simulate import Customers, simulate

__all__ = [
    "DAYS_PER_MONTH",
    "BgNbdParams",
    "Customers",
    "FitError",
    "GammaGammaParams",
    "InsufficientHistory",
    "RfmSummary",
    "SummaryTable",
    "ValueModelError",
    "bgnbd_loglik",
    "customer_lifetime_value",
    "expected_purchases",
    "expected_spend",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_summary_csv",
    "probability_alive",
    "read_cdnow_transactions",
    "read_summary_csv",
    "rfm_summary",
    "round_half_up",
    "simulate",
    "unconditional_expected_purchases",
]
