"""Customer pages: the searchable list, the customer page with its timeline, and CSV imports."""

import os
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leeway.core.decorators import role_required
from leeway.core.errors import InvalidInput
from leeway.core.tenancy import get_for, scoped
from leeway.customers import selectors
from leeway.customers.forms import ImportUploadForm
from leeway.customers.imports import SPECS, import_job_create
from leeway.customers.models import Customer, ImportJob, ImportKind, segment_fallback_name
from leeway.customers.services import segment_names_set
from leeway.customers.tasks import import_run
from leeway.people.models import Role

READ_ROLES = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN, Role.ANALYST)
DATA_ROLES = (Role.ADMIN, Role.ANALYST)
PAGE_SIZE = 50


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


@role_required(*READ_ROLES)
def customer_list(request):
    """All customers, or those matching the search (id, name, email or phone prefix)."""
    q = request.GET.get("q", "").strip()[:100]
    if q:
        customers = selectors.customer_search_queryset(member=request.user, q=q)
    else:
        customers = scoped(Customer, request.user).order_by("external_id")
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "q": q,
        "page": page,
        "currency": request.user.organization.base_currency,
        "can_import": request.user.role in DATA_ROLES,
        "id_example": selectors.customer_id_example(request.user),
    }
    template = "customers/_results.html" if _is_htmx(request) else "customers/list.html"
    return render(request, template, context)


@role_required(*READ_ROLES)
def customer_detail(request, external_id: str):
    """One customer: contact details, predicted value (or why there is none) and the timeline."""
    customer = selectors.customer_for(request.user, external_id)
    timeline = selectors.customer_timeline(customer)
    # Gestures by any agent: named, in the reader's language, linked only where the reader may open them.
    selectors.decisions_for_reader(
        request.user, [entry.item for entry in timeline if entry.kind == "decision"]
    )
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "currency": request.user.organization.base_currency,
            "value": selectors.customer_value_status(customer),
            "timeline": timeline,
            "timeline_limit": selectors.TIMELINE_LIMIT,
        },
    )


@role_required(*DATA_ROLES)
def imports(request):
    """Upload forms for each kind of file, with the columns each expects, and the recent imports."""
    return render(request, "customers/imports.html", _imports_context(request.user))


def _imports_context(member, *, kind: str | None = None, form: ImportUploadForm | None = None) -> dict:
    kinds = [
        {
            "kind": each,
            "label": each.label,
            "spec": SPECS[each],
            "form": form
            if each == kind and form is not None
            else ImportUploadForm(auto_id=f"id_{each.value}_%s"),
        }
        for each in ImportKind
    ]
    return {
        "kinds": kinds,
        "jobs": selectors.recent_imports(member),
        "max_mb": settings.LEEWAY_MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_bytes": settings.LEEWAY_MAX_UPLOAD_BYTES,
    }


def _store_upload(upload) -> str:
    """Keep the uploaded file where the background worker can read it (removed after the import)."""
    folder = settings.DATA_DIR / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    with open(path, "wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    os.chmod(path, 0o600)
    return str(path)


@require_POST
@role_required(*DATA_ROLES)
def import_upload(request, kind: str):
    """Queue the import of an uploaded file, then show its progress."""
    if kind not in SPECS:
        raise Http404
    form = ImportUploadForm(request.POST, request.FILES, auto_id=f"id_{kind}_%s")
    if not form.is_valid():
        context = _imports_context(request.user, kind=kind, form=form)
        return render(request, "customers/imports.html", context, status=422)
    upload = form.cleaned_data["file"]
    job = import_job_create(
        organization=request.user.organization,
        kind=kind,
        file_name=upload.name,
        size_bytes=upload.size,
        member=request.user,
        stored_path=_store_upload(upload),
    )
    import_run.enqueue(job.pk)
    return redirect("customers:import_job", job_id=job.pk)


@role_required(*DATA_ROLES)
def import_job(request, job_id: int):
    """An import's progress (polled every second while it runs) and its report."""
    job = get_for(request.user, ImportJob.objects.select_related("created_by"), pk=job_id)
    context = {"job": job, "spec": SPECS[job.kind]}
    if _is_htmx(request):
        return render(request, "customers/_job_status.html", context)
    return render(request, "customers/import_job.html", context)


@role_required(*DATA_ROLES)
def segments(request):
    """Name the organization's customer segments in each language, as gestures and tiers are named."""
    member = request.user
    error = None
    if request.method == "POST":
        code = request.POST.get("code", "")
        names = {language: request.POST.get(f"name_{language}", "") for language, _name in settings.LANGUAGES}
        try:
            segment_names_set(member=member, code=code, names=names)
        except InvalidInput as refused:
            error = {"code": code, "message": refused.message, "field": refused.field}
        else:
            messages.success(request, _("Names of segment “%(code)s” saved.") % {"code": code})
            return redirect("customers:segments")
    rows = [
        {
            "code": row.code,
            "customers": row.customers,
            "fallback": segment_fallback_name(row.code),
            "names": [
                (language, label, row.names.get(language, "")) for language, label in settings.LANGUAGES
            ],
        }
        for row in selectors.segments_for(member)
    ]
    return render(
        request, "customers/segments.html", {"rows": rows, "error": error}, status=422 if error else 200
    )
