"""People pages: login, the role's home, language, organization, tokens, and (for admins) managing
members, sites, departments and teams."""

import csv
import io
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from leeway.core.decorators import member_required, role_required
from leeway.core.errors import DomainError, error_envelope
from leeway.core.middleware import is_api_request
from leeway.core.navigation import role_home_url
from leeway.core.tenancy import get_for, scoped
from leeway.people import selectors
from leeway.people.forms import (
    DepartmentForm,
    InvitationPasswordForm,
    MemberFilterForm,
    MemberForm,
    MembersImportForm,
    SiteForm,
    TeamForm,
    add_domain_error,
)
from leeway.people.imports import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    MembersImportError,
    members_import_csv,
)
from leeway.people.models import ApiToken, Role, Team
from leeway.people.selectors import budgets_for
from leeway.people.services import (
    department_create,
    department_update,
    member_create,
    member_deactivate,
    member_invite,
    member_reactivate,
    member_set_language,
    member_update,
    site_create,
    site_update,
    team_create,
    team_update,
    token_create,
    token_revoke,
)

admin_required = role_required(Role.ADMIN)
MEMBERS_PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@member_required
def home(request):
    """Send each role to the page made for it (the agent's console, the lead's queue …)."""
    target = role_home_url(request.user)
    if target:
        return redirect(target)
    return home_page(request)


@member_required
def home_page(request):
    """The member's own page: their celebrated decisions first, Leeway's promises, their budgets."""
    member = request.user
    if member.tier_id:
        # The member (and their tier) were loaded before their language was switched on for this request.
        member.tier.set_current_language(translation.get_language())
    return render(
        request,
        "people/home.html",
        {
            "member": member,
            "budgets": budgets_for(member),
            "celebrated": selectors.celebrated_decisions(member, limit=5),
        },
    )


@require_POST
def language_switch(request):
    """Switch the interface language: saved on the member, or in the session before login."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        try:
            member_set_language(member=request.user, language=language)
        except DomainError as error:
            messages.error(request, error.message)
    elif language in dict(settings.LANGUAGES):
        request.session["language"] = language
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)


@role_required(Role.ADMIN, Role.MANAGER, Role.ANALYST)
def organization_overview(request):
    """Sites, departments and teams of the organization, with head counts."""
    member = request.user
    return render(
        request,
        "people/organization.html",
        {
            "organization": member.organization,
            "sites": selectors.sites_for(member),
            "departments": selectors.departments_for(member),
            "teams": selectors.team_rows_for(member),
            "can_manage": member.role == Role.ADMIN,
        },
    )


@role_required(Role.ADMIN, Role.MANAGER, Role.ANALYST, Role.LEAD)
def team_detail(request, team_id: int):
    """One team and its people."""
    team = get_for(request.user, Team.objects.select_related("site", "department"), pk=team_id)
    people = team.members.select_related("tier").order_by("role", "last_name", "first_name")
    return render(
        request,
        "people/team.html",
        {"team": team, "people": people, "can_manage": request.user.role == Role.ADMIN},
    )


@member_required
def tokens(request):
    """The member's own API tokens: create one (shown once) or revoke one."""
    member = request.user
    new_token = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:100]
        _token, new_token = token_create(member=member, name=name or _("Personal token"))
    member_tokens = scoped(ApiToken, member).filter(member=member)
    return render(request, "people/tokens.html", {"tokens": member_tokens, "new_token": new_token})


@require_POST
@member_required
def token_revoke_view(request, token_id: int):
    token = get_for(request.user, ApiToken.objects.filter(member=request.user), pk=token_id)
    token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token revoked. Requests that use it are refused from now on."))
    return redirect("people:tokens")


def locked_out(request, original_response=None, credentials=None):
    """Axes' lockout answer: the envelope for the API, a calm page for people."""
    if is_api_request(request):
        return error_envelope(429, "login_locked", _("Too many failed attempts. Try again later."))
    return render(request, "registration/locked_out.html", status=429)


# --- Managing the organization (admins) ---------------------------------------------------------


def _invitation_session_key(member_id: int) -> str:
    return f"people:invitation:{member_id}"


def _keep_invitation(request, member, path: str) -> None:
    """Show the new link once, on the member's page after the redirect."""
    request.session[_invitation_session_key(member.pk)] = request.build_absolute_uri(path)


def _member_form(request, *, member=None):
    admin = request.user
    return MemberForm(
        request.POST or None,
        organization=admin.organization,
        tiers=selectors.tiers_for(admin),
        teams=selectors.teams_for(admin),
        departments=selectors.departments_for(admin),
        member=member,
        initial=MemberForm.initial_for(member) if member is not None else None,
    )


@admin_required
def member_list(request):
    """Everyone in the organization, searchable and filtered by role, team and status."""
    admin = request.user
    form = MemberFilterForm(request.GET or None, teams=selectors.teams_for(admin))
    members = selectors.members_for(admin, **form.filters())
    page = Paginator(members, MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/members.html",
        {
            "form": form,
            "page": page,
            "rows": [{"member": person, "status": selectors.member_status(person)} for person in page],
            "query": query.urlencode(),
            "invited_count": selectors.invited_members_for(admin).count(),
        },
    )


@admin_required
def member_add(request):
    admin = request.user
    form = _member_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_create(organization=admin.organization, actor=admin, **form.service_values())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if not member.has_usable_password():
                _keep_invitation(request, member, member_invite(member=member, actor=admin))
            messages.success(request, _("%(name)s was added.") % {"name": member.display_name})
            return redirect("people:member", member_id=member.pk)
    return render(
        request, "people/member_form.html", {"form": form, "person": None}, status=422 if form.errors else 200
    )


@admin_required
def member_detail(request, member_id: int):
    """A member's details to change, their access (invitation, deactivation) and status."""
    admin = request.user
    person = selectors.get_member_for(admin, member_id)
    form = _member_form(request, member=person)
    if request.method == "POST" and form.is_valid():
        try:
            updated = member_update(member=person, actor=admin, **form.service_values())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": person.display_name})
            if updated.pk == admin.pk and updated.role != Role.ADMIN:
                return redirect("home")  # they stepped down: this page is for admins
            return redirect("people:member", member_id=person.pk)
    return render(
        request,
        "people/member_form.html",
        {
            "form": form,
            "person": person,
            "status": selectors.member_status(person),
            "invitation_url": request.session.pop(_invitation_session_key(person.pk), None),
            "is_self": person.pk == admin.pk,
        },
        status=422 if form.errors else 200,
    )


def _member_action(request, member_id: int, action, success_message: str):
    admin = request.user
    person = selectors.get_member_for(admin, member_id)
    try:
        result = action(member=person, actor=admin)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if isinstance(result, str):
            _keep_invitation(request, person, result)
        messages.success(request, success_message % {"name": person.display_name})
    return redirect("people:member", member_id=person.pk)


@require_POST
@admin_required
def member_deactivate_view(request, member_id: int):
    return _member_action(
        request, member_id, member_deactivate, _("%(name)s is deactivated: they can no longer log in.")
    )


@require_POST
@admin_required
def member_reactivate_view(request, member_id: int):
    return _member_action(request, member_id, member_reactivate, _("%(name)s can log in again."))


@require_POST
@admin_required
def member_invite_view(request, member_id: int):
    return _member_action(
        request, member_id, member_invite, _("A new invitation link for %(name)s is below.")
    )


@admin_required
def members_import_view(request):
    """Upload a CSV of members: every row is checked, then all of them are added, or none."""
    admin = request.user
    form = MembersImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            members = members_import_csv(
                organization=admin.organization, actor=admin, file=form.cleaned_data["file"]
            )
        except MembersImportError as error:
            report = error
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s member added. Download the invitation link and send it to them.",
                    "%(count)s members added. Download their invitation links and send each person theirs.",
                    len(members),
                )
                % {"count": len(members)},
            )
            return redirect(f"{reverse('people:members')}?status=invited")
    return render(
        request,
        "people/members_import.html",
        {
            "form": form,
            "report": report,
            "columns": COLUMNS,
            "required": REQUIRED_COLUMNS,
            "optional": OPTIONAL_COLUMNS,
        },
        status=422 if (report or form.errors) else 200,
    )


def _spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: names typed by people must not run as formulas."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@never_cache
@admin_required
def invitations_csv(request):
    """Fresh invitation links for everyone who has not chosen a password yet, as a CSV to send out."""
    admin = request.user
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "name", "email", "invitation_link"])
    for person in selectors.invited_members_for(admin):
        path = member_invite(member=person, actor=admin)
        writer.writerow(
            [
                _spreadsheet_safe(person.username),
                _spreadsheet_safe(person.get_full_name()),
                _spreadsheet_safe(person.email),
                request.build_absolute_uri(path),
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invitations.csv"'
    return response


def _organization_form(request, form, *, save, done, template: str, context: dict):
    """A site, department or team form: on a valid POST `save(**cleaned)`, say `done` and go back."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(**form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, done % {"name": saved.name})
            return redirect("people:organization")
    return render(request, template, {"form": form, **context}, status=422 if form.errors else 200)


@admin_required
def site_add(request):
    admin = request.user
    return _organization_form(
        request,
        SiteForm(request.POST or None, organization=admin.organization),
        save=partial(site_create, organization=admin.organization, actor=admin),
        done=_("Site “%(name)s” added."),
        template="people/site_form.html",
        context={"site": None},
    )


@admin_required
def site_edit(request, site_id: int):
    admin = request.user
    site = selectors.get_site_for(admin, site_id)
    return _organization_form(
        request,
        SiteForm(
            request.POST or None,
            organization=admin.organization,
            site=site,
            initial=SiteForm.initial_for(site),
        ),
        save=partial(site_update, site=site, actor=admin),
        done=_("Site “%(name)s” saved."),
        template="people/site_form.html",
        context={"site": site},
    )


@admin_required
def department_add(request):
    admin = request.user
    return _organization_form(
        request,
        DepartmentForm(request.POST or None, organization=admin.organization),
        save=partial(department_create, organization=admin.organization, actor=admin),
        done=_("Department “%(name)s” added."),
        template="people/department_form.html",
        context={"department": None},
    )


@admin_required
def department_edit(request, department_id: int):
    admin = request.user
    department = selectors.get_department_for(admin, department_id)
    form = DepartmentForm(
        request.POST or None,
        organization=admin.organization,
        department=department,
        initial={"name": department.name},
    )
    return _organization_form(
        request,
        form,
        save=partial(department_update, department=department, actor=admin),
        done=_("Department “%(name)s” saved."),
        template="people/department_form.html",
        context={"department": department},
    )


def _team_form(request, *, team=None):
    admin = request.user
    return TeamForm(
        request.POST or None,
        organization=admin.organization,
        departments=selectors.departments_for(admin),
        sites=selectors.sites_for(admin),
        team=team,
        initial={"name": team.name, "department": team.department_id, "site": team.site_id} if team else None,
    )


@admin_required
def team_add(request):
    admin = request.user
    return _organization_form(
        request,
        _team_form(request),
        save=partial(team_create, organization=admin.organization, actor=admin),
        done=_("Team “%(name)s” added."),
        template="people/team_form.html",
        context={"team": None},
    )


@admin_required
def team_edit(request, team_id: int):
    admin = request.user
    team = selectors.get_team_for(admin, team_id)
    return _organization_form(
        request,
        _team_form(request, team=team),
        save=partial(team_update, team=team, actor=admin),
        done=_("Team “%(name)s” saved."),
        template="people/team_form.html",
        context={"team": team},
    )


class InvitationView(auth_views.PasswordResetConfirmView):
    """Where an invited member chooses their password (Django's password-reset confirmation).

    On success they are logged in and land on their role's home page.
    """

    template_name = "people/invitation.html"
    form_class = InvitationPasswordForm
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")

    def get_user(self, uidb64):
        member = super().get_user(uidb64)
        # A deactivated member's link no longer works, nor one for a platform operator.
        if member is None or not member.is_active or member.organization_id is None:
            return None
        if "language" not in self.request.session:
            # Speak the language the admin gave them, unless they picked one with the switcher.
            translation.activate(member.language)
            self.request.LANGUAGE_CODE = member.language
        return member

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Welcome to Leeway. Your password is set."))
        return response
