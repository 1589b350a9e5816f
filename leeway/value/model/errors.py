"""Exceptions raised by the customer-value models."""

from __future__ import annotations

from typing import Any


class ValueModelError(Exception):
    """Base class for every failure of the customer-value models."""


class InsufficientHistory(ValueModelError):
    """The data hold too few customers or repeat buyers to identify the model."""


class FitError(ValueModelError):
    """The maximum-likelihood fit did not converge to a usable optimum."""

    def __init__(self, message: str, *, params: Any = None) -> None:
        super().__init__(message)
        # The non-converged estimate is kept for diagnosis only; it must not be used for predictions.
        self.params = params
