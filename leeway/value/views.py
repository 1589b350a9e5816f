"""Customer value pages (analysts and admins): settings, refresh runs and their progress."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leeway.core.decorators import role_required
from leeway.core.tenancy import get_for, scoped
from leeway.customers.models import Customer
from leeway.people.models import Role
from leeway.value.forms import ValueSettingsForm
from leeway.value.models import ValueRun
from leeway.value.refresh import value_run_create
from leeway.value.selectors import failure_explanation, last_successful_run, latest_runs, value_settings_for
from leeway.value.services import value_settings_update
from leeway.value.tasks import value_refresh_run

ROLES = (Role.ADMIN, Role.ANALYST)


def _overview_context(member, form=None) -> dict:
    organization = member.organization
    counts = scoped(Customer, member).aggregate(
        total=Count("id"), valued=Count("id", filter=Q(predicted_clv__isnull=False))
    )
    runs = list(latest_runs(organization.pk))
    for run in runs:
        run.explanation = failure_explanation(run.failure_code) if run.failure_code else ""
    return {
        "organization": organization,
        "form": form or ValueSettingsForm(instance=value_settings_for(organization)),
        "runs": runs,
        "last_success": last_successful_run(organization.pk),
        "latest": runs[0] if runs else None,
        "counts": counts,
    }


@role_required(*ROLES)
def overview(request):
    """When values were last computed, on how many customers, the settings, and the recent runs."""
    return render(request, "value/overview.html", _overview_context(request.user))


@require_POST
@role_required(*ROLES)
def refresh(request):
    """Start a refresh in the background and show its progress."""
    run = value_run_create(organization=request.user.organization, trigger="page", member=request.user)
    value_refresh_run.enqueue(run.pk)
    return redirect("value:run", run_id=run.pk)


@require_POST
@role_required(*ROLES)
def settings_update(request):
    form = ValueSettingsForm(request.POST, instance=value_settings_for(request.user.organization))
    if not form.is_valid():
        return render(request, "value/overview.html", _overview_context(request.user, form), status=422)
    value_settings_update(
        member=request.user,
        horizon_months=form.cleaned_data["horizon_months"],
        annual_discount_rate=form.cleaned_data["annual_discount_rate"],
    )
    messages.success(request, _("Saved. The next value refresh uses the new settings."))
    return redirect("value:overview")


@role_required(*ROLES)
def run_detail(request, run_id: int):
    """One run's progress (polled every second while it runs) and its result."""
    run = get_for(request.user, ValueRun.objects.select_related("started_by"), pk=run_id)
    run.explanation = failure_explanation(run.failure_code) if run.failure_code else ""
    template = "value/_run_status.html" if getattr(request, "htmx", False) else "value/run.html"
    return render(request, template, {"run": run})
