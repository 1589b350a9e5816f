"""Health check and error pages (JSON envelope under /api/, HTML elsewhere)."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from leeway.core.errors import error_envelope
from leeway.core.middleware import is_api_request


@never_cache
def healthz(request):
    """200 when the database answers; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def api_not_found(request, *args, **kwargs):
    return error_envelope(404, "not_found", _("Not found."))


def page_not_found(request, exception=None):
    if is_api_request(request):
        return api_not_found(request)
    return render(request, "404.html", status=404)


def server_error(request):
    if is_api_request(request):
        return error_envelope(
            500, "server_error", _("Something went wrong on our side. Nothing was recorded.")
        )
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    if is_api_request(request):
        return error_envelope(403, "forbidden", _("Your role does not allow this."))
    return render(request, "403.html", status=403)


def bad_request(request, exception=None):
    if is_api_request(request):
        return error_envelope(400, "bad_request", _("The request is malformed."))
    return render(request, "400.html", status=400)
