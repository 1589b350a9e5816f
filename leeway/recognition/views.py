"""Recognition pages: the celebration feed, a decision's recognition, an agent's page, awards,
company values (admins) and the programme's figures (admins). Views only parse, call one service or
selector, and answer; a refusal comes back as a message on the page it came from.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leeway.core.decorators import member_required, role_required
from leeway.core.errors import DomainError
from leeway.people.models import Role
from leeway.recognition import selectors, services
from leeway.recognition.forms import CompanyValueForm, RecognitionSettingsForm
from leeway.recognition.models import AwardPeriod

GIVERS = role_required(*services.GIVING_ROLES)
admin_required = role_required(Role.ADMIN)
figures_required = role_required(Role.ADMIN, Role.ANALYST)
awards_required = role_required(Role.LEAD, Role.MANAGER, Role.ADMIN)


def _back(request, default: str):
    target = request.POST.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return redirect(target)


def _refused(request, error: DomainError) -> None:
    if error.status == 403:
        raise PermissionDenied
    messages.error(request, error.message)


def _kudos_context(member) -> dict:
    allowance = services.allowance_for(member)
    return {
        "values": list(selectors.company_values_for(member, active_only=True)),
        "allowance": allowance,
        "default_points": min(10, allowance.remaining),
    }


# The feed merges three lists, so it pages by offset (one item more than a page tells whether an older
# page exists) rather than with a Paginator, which would need their total count.
FEED_PAGE_SIZE = 40
FEED_PAGES = 250  # 10,000 items back: enough for years of a centre's celebrations


def _feed_page_number(request) -> int:
    """The `page` asked for, as Django's Paginator.get_page reads it: anything else is the first page."""
    raw = request.GET.get("page", "")
    return min(int(raw), FEED_PAGES) if raw.isascii() and raw.isdigit() and int(raw) >= 1 else 1


@member_required
def feed(request):
    """The celebration feed of the organization, or of one site or team, newest first, a page at a time."""
    member = request.user
    site = selectors.site_for(member, request.GET.get("site") or None)
    team = selectors.team_for(member, request.GET.get("team") or None)
    organization = member.organization
    recent = selectors.recent_to_recognise(member)
    number = _feed_page_number(request)
    items = selectors.feed_for(
        member, site=site, team=team, limit=FEED_PAGE_SIZE + 1, offset=(number - 1) * FEED_PAGE_SIZE
    )
    context = {
        "items": items[:FEED_PAGE_SIZE],
        "page_number": number,
        "has_older": len(items) > FEED_PAGE_SIZE and number < FEED_PAGES,
        "site": site,
        "team": team,
        "streaks": selectors.streaks_for(organization, site=site, team=team),
        "milestones": selectors.milestones_for(organization, site=site, team=team),
        "values_month": selectors.values_this_month(organization, site=site, team=team),
        "recent": recent,
        "praised": selectors.given_by(member, recent),
        "celebrated": selectors.celebrated_ids(recent),
        "can_give": member.role in services.GIVING_ROLES,
        **selectors.member_filters(member),
        **_kudos_context(member),
    }
    return render(request, "recognition/feed.html", context)


@member_required
def decision_page(request, decision_id):
    """One decision's recognition: its celebration, kudos and awards, and the buttons to add to them."""
    member = request.user
    decision = selectors.recognition_decision_for(member, decision_id)
    context = {
        "decision": decision,
        **selectors.decision_recognition(decision),
        "can_give": member.role in services.GIVING_ROLES and decision.agent_id != member.pk,
        "can_nominate": member.role in services.NOMINATING_ROLES,
        "periods": AwardPeriod.choices,
        "agent_name": services.first_name(decision.agent),
        "gesture": services.gesture_name(decision.gesture, request.LANGUAGE_CODE),
        **_kudos_context(member),
    }
    context["already_praised"] = any(k.giver_id == member.pk for k in context["kudos"])
    return render(request, "recognition/decision.html", context)


@require_POST
@GIVERS
def kudos_give(request, decision_id):
    member = request.user
    decision = selectors.recognition_decision_for(member, decision_id)
    try:
        services.kudos_give(
            member=member,
            decision=decision,
            company_value=request.POST.get("value", ""),
            points=request.POST.get("points", "0") or "0",
            message=request.POST.get("message", ""),
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Kudos sent to %(name)s.") % {"name": services.first_name(decision.agent)}
        )
    return _back(request, services.decision_path(decision))


@require_POST
@GIVERS
def celebrate(request, decision_id):
    member = request.user
    decision = selectors.recognition_decision_for(member, decision_id)
    try:
        services.decision_celebrate(member=member, decision=decision)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Celebrated: it is in the feed now."))
    return _back(request, services.decision_path(decision))


@require_POST
@role_required(*services.NOMINATING_ROLES)
def nominate(request, decision_id):
    member = request.user
    decision = selectors.recognition_decision_for(member, decision_id)
    try:
        services.award_nominate(
            member=member,
            decision=decision,
            period=request.POST.get("period", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Nominated. A manager confirms the award."))
    return _back(request, services.decision_path(decision))


@awards_required
def awards(request):
    """Nominations waiting for a manager, and the awards confirmed."""
    member = request.user
    return render(
        request,
        "recognition/awards.html",
        {
            "awards": selectors.nominations_for(member)[:100],
            "can_confirm": member.role in services.CONFIRMING_ROLES,
        },
    )


@require_POST
@role_required(*services.CONFIRMING_ROLES)
def award_confirm(request, award_id: int):
    member = request.user
    award = selectors.award_for(member, award_id)
    try:
        services.award_confirm(member=member, award=award)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Award confirmed: it is in the feed and on the agent's page."))
    return _back(request, reverse("recognition:awards"))


@member_required
def agent_page(request, agent_id: int):
    """An agent's recognition: celebrated decisions, kudos received, awards, streak, first decision."""
    return render(request, "recognition/agent.html", selectors.agent_page_for(request.user, agent_id))


@admin_required
def values(request):
    """Company values (add one, see them all) and the monthly allowance."""
    member = request.user
    organization = member.organization
    form = CompanyValueForm(organization=organization, data=request.POST or None, prefix="value")
    settings_form = RecognitionSettingsForm(
        data=request.POST if "allowance-monthly_allowance" in request.POST else None,
        prefix="allowance",
        initial={"monthly_allowance": services.recognition_settings_for(organization).monthly_allowance},
    )
    if request.method == "POST":
        try:
            if "allowance-monthly_allowance" in request.POST:
                if settings_form.is_valid():
                    services.recognition_settings_update(
                        organization=organization,
                        actor=member,
                        monthly_allowance=settings_form.cleaned_data["monthly_allowance"],
                    )
                    messages.success(request, _("Allowance saved."))
                    return redirect("recognition:values")
            elif form.is_valid():
                services.company_value_create(
                    organization=organization, actor=member, **form.service_values()
                )
                messages.success(request, _("Company value added."))
                return redirect("recognition:values")
        except DomainError as error:
            form.add_domain_error(error)
    return render(
        request,
        "recognition/values.html",
        {
            "values": selectors.company_values_for(member),
            "form": form,
            "settings_form": settings_form,
        },
    )


@admin_required
def value_edit(request, value_id: int):
    member = request.user
    company_value = selectors.company_value_for(member, value_id)
    form = CompanyValueForm(
        organization=member.organization, data=request.POST or None, instance=company_value, prefix="value"
    )
    if request.method == "POST" and form.is_valid():
        try:
            values_ = form.service_values()
            values_.pop("code")
            services.company_value_update(company_value=company_value, actor=member, **values_)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Company value saved."))
            return redirect("recognition:values")
    return render(request, "recognition/value_form.html", {"form": form, "company_value": company_value})


@figures_required
def insights(request):
    """How widely recognition reaches agents this month, and how concentrated it is."""
    organization = request.user.organization
    this_month = services.month_start(organization)
    try:
        month = selectors.parse_month(request.GET.get("month")) or this_month
    except DomainError as error:
        messages.error(request, error.message)
        month = this_month
    figures = selectors.recognition_stats(organization, month=month)
    following = selectors.next_month(month)
    return render(
        request,
        "recognition/insights.html",
        {
            "figures": figures,
            "share_percent": round(figures.share * 100),
            "gini": f"{figures.gini:.2f}",
            "previous": f"{selectors.previous_month(month):%Y-%m}",
            "following": f"{following:%Y-%m}" if following <= this_month else None,
        },
    )
