"""People pages: login, the role's home, language, organization, tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leeway.core.decorators import member_required, role_required
from leeway.core.errors import DomainError, error_envelope
from leeway.core.middleware import is_api_request
from leeway.core.navigation import role_home_url
from leeway.core.tenancy import get_for, scoped
from leeway.people.models import ApiToken, Department, Role, Site, Team
from leeway.people.selectors import budgets_for
from leeway.people.services import member_set_language, token_create, token_revoke


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@member_required
def home(request):
    """Send each role to the page made for it."""
    target = role_home_url(request.user)
    if target:
        return redirect(target)
    return render(request, "people/home.html", {"member": request.user, "budgets": budgets_for(request.user)})


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
    sites = scoped(Site, member).annotate(team_count=Count("teams"))
    departments = scoped(Department, member).annotate(team_count=Count("teams"))
    teams = (
        scoped(Team, member)
        .select_related("site", "department")
        .annotate(
            agent_count=Count("members", filter=Q(members__role=Role.AGENT)),
            lead_count=Count("members", filter=Q(members__role=Role.LEAD)),
        )
    )
    return render(
        request,
        "people/organization.html",
        {"organization": member.organization, "sites": sites, "departments": departments, "teams": teams},
    )


@role_required(Role.ADMIN, Role.MANAGER, Role.ANALYST, Role.LEAD)
def team_detail(request, team_id: int):
    """One team and its people."""
    team = get_for(request.user, Team.objects.select_related("site", "department"), pk=team_id)
    people = team.members.select_related("tier").order_by("role", "last_name", "first_name")
    return render(request, "people/team.html", {"team": team, "people": people})


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
