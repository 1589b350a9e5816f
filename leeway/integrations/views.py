"""Webhook pages (admins): the endpoints, adding one (its secret shown once), on/off, delete, the log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from leeway.core.decorators import role_required
from leeway.core.errors import DomainError
from leeway.integrations import selectors
from leeway.integrations.forms import DeliveryFilterForm, WebhookForm
from leeway.integrations.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_set_active,
)
from leeway.people.forms import add_domain_error
from leeway.people.models import Role

admin_required = role_required(Role.ADMIN)
DELIVERIES_PAGE_SIZE = 50
NEW_SECRET_SESSION_KEY = "integrations.new_webhook_secret"  # noqa: S105 - a session key, not a secret


@never_cache
@admin_required
def webhook_list(request):
    """Every endpoint of the organization, the ones Leeway turned off first, and the form to add one."""
    admin = request.user
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                organization=admin.organization, actor=admin, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            # Shown once, on the next page only: the secret is never listed again.
            request.session[NEW_SECRET_SESSION_KEY] = {"id": endpoint.pk, "secret": endpoint.secret}
            return redirect("integrations:webhook", endpoint_id=endpoint.pk)
    endpoints = list(selectors.endpoints_for(admin))
    return render(
        request,
        "integrations/webhooks.html",
        {
            "form": form,
            "endpoints": endpoints,
            "disabled": [endpoint for endpoint in endpoints if endpoint.was_auto_disabled],
        },
        status=422 if form.errors else 200,
    )


@never_cache
@admin_required
def webhook_detail(request, endpoint_id: int):
    """One endpoint: its settings, the secret right after it was added, and its delivery log."""
    endpoint = selectors.get_endpoint_for(request.user, endpoint_id)
    new_secret = None
    kept = request.session.get(NEW_SECRET_SESSION_KEY)
    if kept and kept.get("id") == endpoint.pk:
        new_secret = request.session.pop(NEW_SECRET_SESSION_KEY)["secret"]
    filters = DeliveryFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    page = Paginator(selectors.deliveries_for(endpoint, status=status), DELIVERIES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "integrations/webhook.html",
        {
            "endpoint": endpoint,
            "new_secret": new_secret,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
        },
    )


@require_POST
@admin_required
def webhook_set_active_view(request, endpoint_id: int):
    endpoint = selectors.get_endpoint_for(request.user, endpoint_id)
    active = request.POST.get("active") == "true"
    webhook_endpoint_set_active(endpoint=endpoint, actor=request.user, active=active)
    if active:
        messages.success(request, _("The webhook is on: waiting events go out again, in order."))
    else:
        messages.success(request, _("The webhook is off: events wait until you turn it back on."))
    return redirect("integrations:webhook", endpoint_id=endpoint.pk)


@require_POST
@admin_required
def webhook_delete_view(request, endpoint_id: int):
    endpoint = selectors.get_endpoint_for(request.user, endpoint_id)
    url = endpoint.url
    webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, _("The webhook to %(url)s was removed.") % {"url": url})
    return redirect("integrations:webhooks")


@require_POST
@admin_required
def webhook_redeliver_view(request, endpoint_id: int, delivery_id: int):
    endpoint = selectors.get_endpoint_for(request.user, endpoint_id)
    delivery = selectors.get_delivery_for(request.user, endpoint, delivery_id)
    webhook_delivery_redeliver(delivery=delivery, actor=request.user)
    if endpoint.active:
        messages.success(request, _("The event will be sent again within a few seconds."))
    else:
        messages.success(request, _("The event will be sent again once the webhook is turned on."))
    return redirect("integrations:webhook", endpoint_id=endpoint.pk)
