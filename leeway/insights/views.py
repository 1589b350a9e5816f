"""Insights pages: the return on goodwill (ROI), the method behind each figure, and the helpdesk's
interactions with their CSV import (admins, analysts)."""

import os
import tempfile

from babel.numbers import format_decimal
from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from leeway.core.decorators import role_required
from leeway.core.templatetags.leeway import current_locale, money
from leeway.customers.forms import ImportUploadForm
from leeway.insights import selectors
from leeway.insights.interactions import SPEC, interactions_import
from leeway.insights.roi.service import latest_estimate, roi_estimate_compute
from leeway.people.models import Role

analysts_required = role_required(Role.ADMIN, Role.ANALYST)

FIGURE_LABELS = {
    "retention_90": gettext_lazy("Customers still active 90 days after the contact"),
    "retention_180": gettext_lazy("Customers still active 180 days after the contact"),
    "purchases": gettext_lazy("Change in purchases over the 90 days after the contact"),
    "value": gettext_lazy("Change in predicted customer value over the 90 days after the contact"),
}


def _number(value: float, digits: int = 1) -> str:
    return format_decimal(round(value, digits), format=f"#,##0.{'0' * digits}", locale=current_locale())


def _signed(text: str, value: float) -> str:
    return f"+{text}" if value > 0 else text


def _show(figure: dict, currency: str) -> dict:
    """A figure as the page shows it: the levels, the difference with its interval, the naive difference."""
    shown = {**figure, "label": FIGURE_LABELS.get(figure["key"], figure["key"])}
    if figure["missing"]:
        missing = figure["missing"]
        if missing.get("reason") == "no_value_model":
            shown["missing_text"] = _(
                "Not shown: no customer value model has been fitted yet. Refresh customer values first."
            )
        else:
            shown["missing_text"] = _(
                "Not shown: each group needs at least %(minimum)d customers who can be measured for "
                "this figure; %(treated_short)d more with a gesture and %(control_short)d more without "
                "are missing."
            ) % {k: missing.get(k, 0) for k in ("minimum", "treated_short", "control_short")}
        return shown
    if figure["unit"] == "points":

        def level(value):
            return f"{_number(value)} %"

        def difference(value):
            return _("%(value)s points") % {"value": _signed(_number(value), value)}

    else:

        def level(value):
            return money(f"{value:.2f}", currency)

        def difference(value):
            return _signed(money(f"{value:.2f}", currency), value)

    shown["treated_text"] = level(figure["treated_level"])
    shown["control_text"] = level(figure["control_level"])
    shown["estimate_text"] = difference(figure["estimate"])
    shown["naive_text"] = difference(figure["naive"])
    if figure["low"] is not None:
        shown["interval_text"] = _("%(low)s to %(high)s") % {
            "low": difference(figure["low"]),
            "high": difference(figure["high"]),
        }
    return shown


def _cost_per_kept(cost: float | None, retention: dict | None, currency: str) -> dict | None:
    """What one more customer kept at 90 days costs in gestures, when the interval says there is an effect.

    Cost per customer with a gesture divided by the effect (points / 100); the interval's ends give the
    range the other way round (the larger effect, the smaller cost). Nothing when the interval includes 0.
    """
    if not cost or not retention or retention["missing"] or not retention["low"] or retention["low"] <= 0:
        return None

    def per(points: float) -> str:
        return money(f"{cost / (points / 100):.2f}", currency)

    # The larger effect is the smaller cost: the interval's ends swap.
    return {
        "estimate": per(retention["estimate"]),
        "low": per(retention["high"]),
        "high": per(retention["low"]),
    }


def _context(member, *, compute_first: bool = False) -> dict:
    organization = member.organization
    estimate = latest_estimate(organization)
    if estimate is None and compute_first:
        # The first visit makes the first estimate: the page has figures (or says what is missing) at once.
        estimate = roi_estimate_compute(organization=organization, actor=member)
    context = {"estimate": estimate, "currency": organization.base_currency}
    if estimate is not None:
        currency = estimate.parameters.get("currency", organization.base_currency)
        context["figures"] = [_show(figure, currency) for figure in estimate.figures]
        cost = estimate.parameters.get("mean_gesture_cost")
        context["mean_cost"] = money(f"{cost:.2f}", currency) if cost is not None else None
        context["cost_per_kept"] = _cost_per_kept(cost, estimate.figure("retention_90"), currency)
    return context


def dashboard_roi_section(*, member, start=None, end=None) -> dict | None:
    """The dashboard's ROI slot (reports' `dashboard_roi` hook): the latest estimate's figures with their
    intervals, for those who may read the ROI page. The estimate covers its own contact window, which the
    section names, rather than the dashboard's days; it is never computed here (a dashboard view stays
    a read)."""
    if member.role not in (Role.ADMIN, Role.ANALYST):
        return None
    context = _context(member)
    if context["estimate"] is None:
        return None
    return {
        "title": _("Return on goodwill"),
        "html": render_to_string("insights/_dashboard_roi.html", context),
    }


@analysts_required
def roi(request):
    """The return on goodwill: gesture vs no gesture, adjusted, with intervals and the naive comparison."""
    return render(request, "insights/roi.html", _context(request.user, compute_first=True))


@analysts_required
def roi_method(request):
    """How each ROI figure is made: the method in words, its parameters and the exact queries."""
    return render(request, "insights/roi_method.html", _context(request.user))


@require_POST
@analysts_required
def roi_compute(request):
    """Estimate again from the organization's current data."""
    member = request.user
    roi_estimate_compute(organization=member.organization, actor=member)
    messages.success(request, _("The estimate was computed from the data as it is now."))
    return redirect("insights:roi")


def _interactions_context(member, **extra) -> dict:
    return {
        "interactions": selectors.interactions_for(member)[:50],
        "total": selectors.interactions_for(member).count(),
        "form": ImportUploadForm(),
        "required": ", ".join(SPEC.required),
        "optional": ", ".join(SPEC.optional),
        **extra,
    }


@analysts_required
def interactions(request):
    """The latest interactions (whether a gesture named each) and the helpdesk CSV import."""
    return render(request, "insights/interactions.html", _interactions_context(request.user))


@require_POST
@analysts_required
def interactions_upload(request):
    """Import an uploaded helpdesk CSV at once, all or nothing; a refusal lists the rows at fault."""
    member = request.user
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _interactions_context(member, form=form)
        return render(request, "insights/interactions.html", context, status=422)
    upload = form.cleaned_data["file"]
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    try:
        result = interactions_import(organization=member.organization, path=stored.name, actor=member)
    finally:
        os.unlink(stored.name)
    if result.succeeded:
        messages.success(
            request,
            _("Imported %(rows)d rows: %(created)d new interactions, %(skipped)d already recorded.")
            % {"rows": result.rows, "created": result.created, "skipped": result.skipped},
        )
        return redirect("insights:interactions")
    context = _interactions_context(member, result=result, file_name=upload.name)
    return render(request, "insights/interactions.html", context, status=422)
