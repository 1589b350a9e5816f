"""`leeway value fit --summary FILE [--json]`: fit a summary file; it needs no database and no Django.

`leeway/__main__.py` runs it before Django starts, because a user waits for the whole command and
Django's start-up (settings, every app, the API schemas) is time the fit does not need; the
management command `value fit` calls the same two functions, so both give the same answer.
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import ValueModelError
from .files import fit_summary_csv

FIT_ERRORS = (OSError, ValueError, ValueModelError)


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `value fit`, shared by the fast path and the management command."""
    parser.add_argument(
        "--summary", required=True, help="CSV with ID,x,t_x,T[,zbar] or ID,frequency,recency,T."
    )
    parser.add_argument("--json", action="store_true", help="Print the parameters as JSON.")


def fit_report(path: str, *, as_json: bool) -> str:
    """The fitted parameters of the file as the command prints them; raises one of FIT_ERRORS."""
    result = fit_summary_csv(path)
    bg = result["bgnbd"]
    gg = result["gamma_gamma"]
    output = {
        "bgnbd": {key: bg[key] for key in ("r", "alpha", "a", "b", "loglik")},
        "gamma_gamma": None if gg is None else {key: gg[key] for key in ("p", "q", "gamma")},
    }
    if as_json:
        return json.dumps(output)
    lines = [
        f"{result['customers']} customers",
        "BG/NBD       " + "  ".join(f"{k} = {v:.4f}" for k, v in output["bgnbd"].items()),
    ]
    if output["gamma_gamma"]:
        lines.append("Gamma-Gamma  " + "  ".join(f"{k} = {v:.4f}" for k, v in output["gamma_gamma"].items()))
    else:
        lines.append("Gamma-Gamma  (no spend column in the file)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run `value fit` with `argv` (the words after `leeway value fit`); the exit status."""
    parser = argparse.ArgumentParser(
        prog="leeway value fit",
        description="Fit BG/NBD (and Gamma-Gamma when spend is present) to a summary CSV.",
    )
    add_fit_arguments(parser)
    options = parser.parse_args(argv)
    try:
        print(fit_report(options.summary, as_json=options.json))
    except FIT_ERRORS as error:
        # The same words and exit status as a management command's CommandError.
        print(f"CommandError: {error}", file=sys.stderr)
        return 1
    return 0
