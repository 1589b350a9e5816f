"""Alignment pages: charters, review and feedback, disputes, policy proposals, the Backing Index, pulses.

Thin views: they read the form, call one service, and show the refusal in the reader's language with
the refusal's own status (a reversal attempt answers 409, negative feedback on a protected decision 422).
"""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leeway.alignment import selectors, services
from leeway.alignment.models import Behaviour, DisputeOutcome, FeedbackKind, ProposalStatus, PulseQuestion
from leeway.core.decorators import member_required, role_required
from leeway.core.errors import DomainError, Forbidden
from leeway.core.tenancy import scoped
from leeway.decisions import selectors as decision_selectors
from leeway.decisions.models import DecisionStatus
from leeway.people.models import Role, Team

REVIEW_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)
BACKING_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)
RESULT_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN, Role.ANALYST)


def _allowed(check, *args, **kwargs) -> None:
    """Run a permission check of the services; a refusal is the 403 page."""
    try:
        check(*args, **kwargs)
    except Forbidden as refusal:
        raise PermissionDenied(str(refusal.message)) from refusal


# --- Charters


@require_GET
@member_required
def charter_overview(request):
    """Everyone reads their department's charter and who signed; managers sign; admins see who has not."""
    member = request.user
    statuses = selectors.charter_statuses_for(member)
    for status in statuses:
        status.can_sign = (
            status.charter is not None
            and member.role == Role.MANAGER
            and member.department_id == status.department.pk
            and member.pk in {manager.pk for manager in status.unsigned}
        )
    return render(request, "alignment/charters.html", {"statuses": statuses})


@role_required(Role.ADMIN)
def charter_publish(request, department_id):
    """A new charter version in every language; the department's managers are asked to sign again."""
    member = request.user
    department = selectors.get_department_for(member, department_id)
    current = selectors.charter_status(department).charter
    languages = [code for code, _name in _languages()]
    values = {}
    for language in languages:
        title = text = ""
        if current is not None and current.has_translation(language):
            title = current.safe_translation_getter("title", language_code=language) or ""
            text = current.safe_translation_getter("text", language_code=language) or ""
        values[language] = {
            "title": request.POST.get(f"title_{language}", title),
            "text": request.POST.get(f"text_{language}", text),
        }
    error = None
    status = 200
    if request.method == "POST":
        try:
            charter = services.charter_publish(department=department, actor=member, texts=values)
        except DomainError as refusal:
            error, status = refusal, refusal.status
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s of the %(department)s charter is published: "
                    "its managers are asked to sign."
                )
                % {"version": charter.version, "department": department.name},
            )
            return redirect("alignment:charters")
    fields = [
        {"code": code, "name": name, "title": values[code]["title"], "text": values[code]["text"]}
        for code, name in _languages()
    ]
    return render(
        request,
        "alignment/charter_form.html",
        {"department": department, "current": current, "fields": fields, "error": error},
        status=status,
    )


def _languages():
    from django.conf import settings

    return [(code, _(name)) for code, name in settings.LANGUAGES]


@require_POST
@role_required(Role.MANAGER)
def charter_sign(request, charter_id):
    charter = selectors.get_charter_for(request.user, charter_id)
    try:
        services.charter_sign(charter=charter, manager=request.user)
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("Signed. Your agents can see that you stand behind their decisions."))
    return redirect("alignment:charters")


# --- Reviewing decisions: feedback, concerns, the reversal guard


@require_GET
@role_required(*REVIEW_ROLES)
def review(request):
    """Decisions to give feedback on, and disputes waiting for another manager."""
    member = request.user
    return render(
        request,
        "alignment/review.html",
        {
            "decisions": selectors.recent_decisions_to_review(member),
            "disputes": selectors.disputes_to_resolve(member),
            "outcomes": [choice for choice in DisputeOutcome.choices if choice[0] != DisputeOutcome.OPEN],
        },
    )


def _decision_page(request, decision, *, error=None, status=200, values=None):
    """The decision's feedback page; only the kinds and behaviours this decision allows are offered."""
    kinds = [(FeedbackKind.PRAISE, _("Praise")), (FeedbackKind.COACHING, _("Coaching"))]
    behaviours = [
        (Behaviour.HUMAN_ERROR, Behaviour.HUMAN_ERROR.label),
        (Behaviour.AT_RISK, Behaviour.AT_RISK.label),
    ]
    if decision.status == DecisionStatus.DECLINED:
        kinds.append((FeedbackKind.CORRECTION, _("Correction")))
        behaviours.append((Behaviour.RECKLESS, Behaviour.RECKLESS.label))
    return render(
        request,
        "alignment/decision.html",
        {
            "decision": decision,
            "feedback": selectors.feedback_on(decision),
            "kinds": kinds,
            "behaviours": behaviours,
            "error": error,
            "values": values or {},
        },
        status=status,
    )


@require_GET
@role_required(*REVIEW_ROLES)
def decision_review(request, decision_id):
    decision = decision_selectors.decision_for(request.user, decision_id)
    _allowed(services.check_can_review, decision=decision, member=request.user)
    return _decision_page(request, decision)


def decision_page_links(member, decision) -> list[dict]:
    """On a decision's page, reviewers get a way to praise or coach (and to raise a policy concern)."""
    try:
        services.check_can_review(decision=decision, member=member)
    except DomainError:
        return []
    return [{"label": _("Give feedback"), "url": reverse("alignment:decision", args=[decision.public_id])}]


@require_POST
@role_required(*REVIEW_ROLES)
def feedback_give(request, decision_id):
    decision = decision_selectors.decision_for(request.user, decision_id)
    values = {key: request.POST.get(key, "") for key in ("kind", "behaviour", "message")}
    try:
        services.feedback_give(decision=decision, author=request.user, **values)
    except DomainError as refusal:
        return _decision_page(request, decision, error=refusal, status=refusal.status, values=values)
    messages.success(request, _("Feedback sent to %(agent)s.") % {"agent": decision.agent.display_name})
    return redirect("alignment:decision", decision_id=decision.public_id)


@require_POST
@role_required(*REVIEW_ROLES)
def concern_raise(request, decision_id):
    decision = decision_selectors.decision_for(request.user, decision_id)
    try:
        services.concern_raise(decision=decision, member=request.user, text=request.POST.get("text", ""))
    except DomainError as refusal:
        return _decision_page(request, decision, error=refusal, status=refusal.status)
    messages.success(
        request,
        _(
            "Your concern goes to the admin as a question about the policy. "
            "%(agent)s is told they acted inside it."
        )
        % {"agent": decision.agent.display_name},
    )
    return redirect("alignment:decision", decision_id=decision.public_id)


@require_POST
@role_required(*REVIEW_ROLES)
def decision_reverse(request, decision_id):
    """Always refused (409): the page says so plainly and the attempt counts on the reviewer's backing."""
    decision = decision_selectors.decision_for(request.user, decision_id)
    attempt = request.POST.get("attempt", services.ReversalAttempt.REVERSE)
    if attempt != services.ReversalAttempt.RECHARGE:
        attempt = services.ReversalAttempt.REVERSE
    try:
        services.decision_reverse(decision=decision, member=request.user, attempt=attempt)
    except DomainError as refusal:
        return _decision_page(request, decision, error=refusal, status=refusal.status)
    return redirect("alignment:decision", decision_id=decision.public_id)  # pragma: no cover - always refused


# --- The agent's side: feedback received, disputes, what was raised about the policy


@require_GET
@member_required
def my_feedback(request):
    member = request.user
    return render(
        request,
        "alignment/my_feedback.html",
        {
            "feedback": selectors.feedback_received(member),
            "policy_notes": selectors.policy_notes_for_agent(member),
            "pulses": selectors.open_pulses_to_answer(member),
        },
    )


@require_POST
@member_required
def dispute_open(request, feedback_id):
    feedback = selectors.get_feedback_for(request.user, feedback_id)
    try:
        services.dispute_open(feedback=feedback, agent=request.user, comment=request.POST.get("comment", ""))
    except DomainError as refusal:
        if isinstance(refusal, Forbidden):
            raise PermissionDenied(str(refusal.message)) from refusal
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("Your dispute is with another manager, who will answer with reasons."))
    return redirect("alignment:my_feedback")


@require_POST
@role_required(Role.MANAGER, Role.ADMIN)
def dispute_resolve(request, dispute_id):
    dispute = selectors.get_dispute_for(request.user, dispute_id)
    try:
        services.dispute_resolve(
            dispute=dispute,
            member=request.user,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as refusal:
        if isinstance(refusal, Forbidden):
            raise PermissionDenied(str(refusal.message)) from refusal
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("Dispute resolved; the agent can read your reasons."))
    return redirect("alignment:review")


# --- Policy proposals (admins)


@require_GET
@role_required(Role.ADMIN)
def proposals(request):
    return render(
        request,
        "alignment/proposals.html",
        {
            "proposals": selectors.open_proposals(request.user),
            "statuses": [choice for choice in ProposalStatus.choices if choice[0] != ProposalStatus.OPEN],
        },
    )


@require_POST
@role_required(Role.ADMIN)
def proposal_answer(request, proposal_id):
    proposal = selectors.get_proposal_for(request.user, proposal_id)
    try:
        services.proposal_answer(
            proposal=proposal,
            admin=request.user,
            status=request.POST.get("status", ""),
            answer=request.POST.get("answer", ""),
        )
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("Answered."))
    return redirect("alignment:proposals")


# --- The Backing Index


def _backing_page(request, *, index, trend_key, subjects=None):
    return render(
        request,
        "alignment/backing.html",
        {
            "index": index,
            "chart": selectors.backing_chart(index),
            "target_percent": int(selectors.BACKING_TARGET * 100),
            "trend": selectors.pulse_trend(request.user, key=trend_key),
            "subjects": subjects,
        },
    )


@require_GET
@role_required(*BACKING_ROLES)
def backing(request):
    """Leads and managers: their own index. Admins: every department and person to choose from."""
    member = request.user
    subjects = selectors.backing_subjects_for(member)
    if member.role == Role.ADMIN:
        rows = [
            (
                department,
                selectors.backing_index(organization=member.organization, department=department).total,
            )
            for department in subjects["departments"]
        ]
        people = [
            (person, selectors.backing_index(organization=member.organization, member=person).total)
            for person in subjects["members"]
        ]
        return render(request, "alignment/backing_overview.html", {"departments": rows, "people": people})
    index = selectors.backing_index(organization=member.organization, member=member)
    department = member.home_department
    key = f"department-{department.pk}" if department else "organization"
    return _backing_page(request, index=index, trend_key=key, subjects=subjects)


@require_GET
@role_required(Role.MANAGER, Role.ADMIN)
def backing_department(request, department_id):
    department = selectors.get_department_for(request.user, department_id)
    _allowed(selectors.check_can_read_backing, request.user, department=department)
    index = selectors.backing_index(organization=request.user.organization, department=department)
    return _backing_page(request, index=index, trend_key=f"department-{department.pk}")


@require_GET
@role_required(Role.ADMIN)
def backing_member(request, member_id):
    subject = selectors.get_member_for(request.user, member_id)
    _allowed(selectors.check_can_read_backing, request.user, member=subject)
    index = selectors.backing_index(organization=request.user.organization, member=subject)
    department = subject.home_department
    return _backing_page(
        request, index=index, trend_key=f"department-{department.pk}" if department else "organization"
    )


# --- The fear pulse


@require_GET
@member_required
def pulses(request):
    member = request.user
    return render(
        request,
        "alignment/pulses.html",
        {
            "to_answer": selectors.open_pulses_to_answer(member),
            "pulses": selectors.pulses_for(member) if member.role in RESULT_ROLES else [],
            "can_schedule": member.role == Role.ADMIN,
        },
    )


@role_required(Role.ADMIN)
def pulse_schedule(request):
    member = request.user
    teams = list(scoped(Team, member).select_related("department", "site").order_by("name"))
    today = timezone.localdate()
    values = {
        "title": request.POST.get("title", ""),
        "opens": request.POST.get("opens", today.isoformat()),
        "closes": request.POST.get("closes", (today + timedelta(days=7)).isoformat()),
        "teams": request.POST.getlist("teams")
        if request.method == "POST"
        else [str(team.pk) for team in teams],
    }
    error, status = None, 200
    if request.method == "POST":
        try:
            opens_at, closes_at = _day_start(values["opens"], "opens"), _day_start(values["closes"], "closes")
            chosen = [team for team in teams if str(team.pk) in values["teams"]]
            services.pulse_schedule(
                organization_id=member.organization_id,
                actor=member,
                title=values["title"],
                opens_at=opens_at,
                closes_at=closes_at,
                teams=chosen,
            )
        except DomainError as refusal:
            error, status = refusal, refusal.status
        else:
            messages.success(request, _("Pulse scheduled. Answers stay anonymous."))
            return redirect("alignment:pulses")
    return render(
        request,
        "alignment/pulse_form.html",
        {"teams": teams, "values": values, "error": error},
        status=status,
    )


def _day_start(value: str, field: str) -> datetime:
    from leeway.core.errors import InvalidInput

    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("Enter a date as YYYY-MM-DD."), code="invalid", field=field) from None
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _pulse_answer_page(request, pulse, *, error=None, status=200):
    return render(
        request,
        "alignment/pulse_answer.html",
        {
            "pulse": pulse,
            "questions": PulseQuestion.choices,
            "scores": [
                (1, _("Strongly disagree")),
                (2, _("Disagree")),
                (3, _("Neither")),
                (4, _("Agree")),
                (5, _("Strongly agree")),
            ],
            "answered": selectors.has_answered(pulse, request.user),
            "error": error,
        },
        status=status,
    )


@member_required
def pulse_answer(request, pulse_id):
    pulse = selectors.get_pulse_for(request.user, pulse_id)
    if request.method == "POST":
        scores = {question: request.POST.get(f"score_{question}", "") for question in PulseQuestion.values}
        try:
            services.pulse_answer(
                pulse=pulse, member=request.user, scores=scores, comment=request.POST.get("comment", "")
            )
        except DomainError as refusal:
            return _pulse_answer_page(request, pulse, error=refusal, status=refusal.status)
        messages.success(request, _("Thank you. Your answer is counted; nothing links it to you."))
        return redirect("alignment:pulses")
    return _pulse_answer_page(request, pulse)


@require_GET
@role_required(*RESULT_ROLES)
def pulse_results(request, pulse_id):
    pulse = selectors.get_pulse_for(request.user, pulse_id)
    groups = selectors.pulse_groups_visible_to(request.user, selectors.pulse_results(pulse))
    return render(
        request,
        "alignment/pulse_results.html",
        {
            "pulse": pulse,
            "groups": groups,
            "closed": pulse.closes_at <= timezone.now(),
            "minimum": selectors.PULSE_MIN_ANSWERS,
            "comment_minimum": selectors.PULSE_MIN_COMMENT_ANSWERS,
        },
    )
