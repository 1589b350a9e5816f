"""Training pages: my training, a module and its quiz, results; the trainer's editor and overview; the
lead's eligible agents; the admin's settings; the console's review panel.

Thin views: they read the form, call one service, and show a refusal in the reader's language with its status.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leeway.core.decorators import member_required, role_required
from leeway.core.errors import DomainError
from leeway.core.tenancy import scoped
from leeway.decisions.models import DecisionReason, Zone
from leeway.people.models import AuthorityTier, Member, Role
from leeway.policy.snapshot import current_policy
from leeway.training import selectors, services, xapi
from leeway.training.models import Module
from leeway.training.services.modules import MODULE_TEXTS, SCENARIO_TEXTS

TRAINING_ROLES = (Role.TRAINER, Role.ADMIN)
CONFIRMING_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)


def _languages():
    return [(code, _(name)) for code, name in settings.LANGUAGES]


# --- Agents


@require_GET
@role_required(Role.AGENT)
def my_training(request):
    """The agent's modules: certified, expiring, due again after a policy change, or not yet taken."""
    member = request.user
    return render(
        request,
        "training/mine.html",
        {
            "statuses": selectors.my_training(member),
            "proposals": member.tier_proposals.filter(status="open").select_related("to_tier"),
        },
    )


@require_GET
@member_required
def module_detail(request, module_id):
    """The lesson in its three parts, in the reader's language; agents start the quiz from here."""
    module = selectors.get_module_for(request.user, module_id)
    return render(
        request, "training/module.html", {"module": module, "can_take": request.user.role == Role.AGENT}
    )


@require_POST
@role_required(Role.AGENT)
def attempt_start(request, module_id):
    module = selectors.get_module_for(request.user, module_id)
    try:
        attempt = services.attempt_start(
            module=module, member=request.user, language=translation.get_language()
        )
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
        return redirect("training:module", module_id=module.pk)
    return redirect("training:attempt", attempt_id=attempt.public_id)


def _posted_answers(request, questions) -> list[dict]:
    return [
        {
            "question": question.position,
            "gesture": request.POST.get(f"gesture_{question.position}", ""),
            "zone": request.POST.get(f"zone_{question.position}", ""),
            "justification": request.POST.get(f"justification_{question.position}", ""),
        }
        for question in questions
    ]


@role_required(Role.AGENT, Role.TRAINER, Role.ADMIN)
def attempt_page(request, attempt_id):
    """The quiz while it is open (answers posted here), the results once submitted."""
    member = request.user
    attempt = selectors.get_attempt_for(member, attempt_id)
    questions = list(attempt.questions.all())
    error, status, posted = None, 200, {}
    if request.method == "POST":
        answers = _posted_answers(request, questions)
        posted = {answer["question"]: answer for answer in answers}
        try:
            attempt = services.attempt_submit(attempt=attempt, member=member, answers=answers)
        except DomainError as refusal:
            error, status = refusal, refusal.status
        else:
            return redirect("training:attempt", attempt_id=attempt.public_id)
    language = translation.get_language()
    snapshot = current_policy(member.organization_id)
    names = {code: entry.name(language) for code, entry in snapshot.gestures.items()} if snapshot else {}
    rows = [
        {
            "question": question,
            "posted": posted.get(question.position, {}),
            "gesture_name": names.get(question.answer_gesture, question.answer_gesture),
        }
        for question in questions
    ]
    return render(
        request,
        "training/attempt.html",
        {
            "attempt": attempt,
            "rows": rows,
            "zones": Zone.choices,
            "gestures": selectors.gesture_choices(member, language),
            "error": error,
            "certification": attempt.module.certifications.filter(attempt=attempt).first(),
        },
        status=status,
    )


# --- The console's quiet moments


def console_review_panel(request) -> list[str]:
    """The console's slot: one due review question, folded away until the agent has a quiet moment."""
    member = request.user
    found = selectors.due_review(member, language=translation.get_language())
    if found is None:
        return []
    card, question, due = found
    html = render_to_string(
        "training/_console_review.html",
        {"card": card, "question": question, "due": due, "zones": Zone.choices},
        request=request,
    )
    return [mark_safe(html)]  # noqa: S308 -- rendered by our own template, which escapes every value


@require_POST
@role_required(Role.AGENT)
def review_answer(request, card_id):
    card = selectors.get_card_for(request.user, card_id)
    try:
        result = services.review_answer(card=card, member=request.user, zone=request.POST.get("zone", ""))
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
    else:
        zone = Zone(result["zone"]).label
        if result["correct"]:
            messages.success(request, _("Right: %(zone)s. It comes back later, spaced out.") % {"zone": zone})
        else:
            messages.info(request, _("The engine says %(zone)s. It comes back soon.") % {"zone": zone})
    return redirect("decisions:console")


# --- Trainers


@require_GET
@role_required(*TRAINING_ROLES)
def manage(request):
    """Modules, who is certified or due again, and the xAPI export."""
    member = request.user
    agents = scoped(Member, member).filter(role=Role.AGENT, is_active=True).order_by("username")
    return render(
        request,
        "training/manage.html",
        {
            "modules": selectors.modules_for(member),
            "rows": selectors.certifications_overview(member),
            "agents": agents,
        },
    )


def _module_values(request, module: Module | None) -> dict:
    """The editor's fields as posted, or as the module holds them."""
    texts = {}
    for code, _name in _languages():
        texts[code] = {}
        for field in MODULE_TEXTS:
            current = ""
            if module is not None and module.has_translation(code):
                current = module.safe_translation_getter(field, language_code=code) or ""
            texts[code][field] = (
                request.POST.get(f"{field}_{code}", current) if request.method == "POST" else current
            )
    if request.method == "POST":
        return {
            "code": request.POST.get("code", module.code if module else ""),
            "tier": request.POST.get("tier", ""),
            "gesture_codes": request.POST.getlist("gestures"),
            "pass_mark": request.POST.get("pass_mark", ""),
            "validity_months": request.POST.get("validity_months", ""),
            "policy_questions": request.POST.get("policy_questions", ""),
            "position": request.POST.get("position", "0") or "0",
            "published": request.POST.get("published") == "on",
            "texts": texts,
        }
    return {
        "code": module.code if module else "",
        "tier": module.tier.code if module else "",
        "gesture_codes": module.gesture_codes if module else [],
        "pass_mark": module.pass_mark if module else 80,
        "validity_months": module.validity_months if module else 12,
        "policy_questions": module.policy_questions if module else 5,
        "position": module.position if module else 0,
        "published": module.published if module else False,
        "texts": texts,
    }


def _text_labels():
    return [
        ("title", _("Title")),
        ("summary", _("Summary")),
        ("lesson_meaning", _("What empowerment is here")),
        ("lesson_practice", _("How to use it: the zones and the console")),
        ("lesson_celebration", _("How it is celebrated")),
    ]


def _editor(request, module: Module | None):
    member = request.user
    values = _module_values(request, module)
    error, status = None, 200
    if request.method == "POST" and request.POST.get("action") != "preview":
        fields = {
            key: values[key]
            for key in (
                "tier",
                "gesture_codes",
                "pass_mark",
                "validity_months",
                "policy_questions",
                "position",
                "published",
            )
        }
        try:
            if module is None:
                module = services.module_create(
                    actor=member, code=values["code"], texts=values["texts"], **fields
                )
            else:
                module = services.module_update(module=module, actor=member, texts=values["texts"], **fields)
        except DomainError as refusal:
            error, status = refusal, refusal.status
        else:
            messages.success(request, _("The module is saved."))
            return redirect("training:module_edit", module_id=module.pk)
    language = translation.get_language()
    previews = [{"code": code, "name": name, **values["texts"][code]} for code, name in _languages()]
    return render(
        request,
        "training/module_form.html",
        {
            "module": module,
            "values": values,
            "previews": previews,
            "languages": _languages(),
            "language_fields": [
                {
                    "code": code,
                    "name": name,
                    "fields": [
                        {
                            "key": f"{field}_{code}",
                            "label": label,
                            "value": values["texts"][code][field],
                            "multiline": field.startswith("lesson_"),
                        }
                        for field, label in _text_labels()
                    ],
                }
                for code, name in _languages()
            ],
            "tiers": scoped(AuthorityTier, member).prefetch_related("translations").order_by("rank"),
            "gestures": selectors.gesture_choices(member, language),
            "reasons": DecisionReason.choices,
            "scenarios": module.scenarios.all() if module else [],
            "difficulty": selectors.question_difficulty(member, module) if module else [],
            "error": error,
        },
        status=status,
    )


@role_required(*TRAINING_ROLES)
def module_new(request):
    return _editor(request, None)


@role_required(*TRAINING_ROLES)
def module_edit(request, module_id):
    return _editor(request, selectors.get_module_for(request.user, module_id))


@require_POST
@role_required(*TRAINING_ROLES)
def scenario_add(request, module_id):
    module = selectors.get_module_for(request.user, module_id)
    texts = {
        code: {field: request.POST.get(f"{field}_{code}", "") for field in SCENARIO_TEXTS}
        for code, _n in _languages()
    }
    try:
        services.scenario_create(
            module=module,
            actor=request.user,
            texts=texts,
            gesture_codes=request.POST.getlist("scenario_gestures"),
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("The scenario is added to the quiz."))
    return redirect(reverse("training:module_edit", args=[module.pk]) + "#scenarios")


@require_POST
@role_required(*TRAINING_ROLES)
def scenario_delete(request, scenario_id):
    scenario = selectors.get_scenario_for(request.user, scenario_id)
    module_id = scenario.module_id
    services.scenario_delete(scenario=scenario, actor=request.user)
    messages.success(request, _("The scenario is out of the quiz."))
    return redirect(reverse("training:module_edit", args=[module_id]) + "#scenarios")


@require_POST
@role_required(*TRAINING_ROLES)
def waive(request):
    member = request.user
    module = selectors.get_module_for(member, request.POST.get("module") or 0)
    agent = selectors.get_member_for(member, request.POST.get("member") or 0)
    try:
        services.certification_waive(module=module, member=agent, actor=member)
    except DomainError as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(
            request,
            _("%(name)s is certified in %(module)s without the quiz.")
            % {"name": agent.display_name, "module": module},
        )
    return redirect("training:manage")


@require_GET
@role_required(*TRAINING_ROLES)
def xapi_download(request):
    """Every attempt and waiver as xAPI statements, a JSON file for the company's LRS."""
    statements = xapi.statements_for(request.user)
    response = HttpResponse(
        json.dumps(statements, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="leeway-xapi-{request.user.organization.slug}-{stamp}.json"'
    )
    return response


# --- Leads


@require_GET
@role_required(*CONFIRMING_ROLES)
def eligible(request):
    """Agents proposed for the next tier (certified, or by track record); the lead confirms in one click."""
    return render(
        request, "training/eligible.html", {"proposals": selectors.eligible_proposals(request.user)}
    )


@require_POST
@role_required(*CONFIRMING_ROLES)
def proposal_answer(request, proposal_id):
    proposal = selectors.get_proposal_for(request.user, proposal_id)
    confirm = request.POST.get("answer") == "confirm"
    try:
        if confirm:
            services.tier_proposal_confirm(proposal=proposal, actor=request.user)
        else:
            services.tier_proposal_dismiss(proposal=proposal, actor=request.user)
    except DomainError as refusal:
        if refusal.status == 403:
            raise PermissionDenied(str(refusal.message)) from refusal
        messages.error(request, str(refusal.message))
    else:
        name, tier = proposal.member.display_name, proposal.to_tier
        if confirm:
            messages.success(
                request,
                _("%(name)s is now %(tier)s, from their next decision on.") % {"name": name, "tier": tier},
            )
        else:
            messages.info(request, _("%(name)s stays at their tier for now.") % {"name": name})
    return redirect("training:eligible")


# --- Admins


@role_required(Role.ADMIN)
def training_settings(request):
    """The track-record rule (protected decisions, window, good outcomes) and review questions per shift."""
    member = request.user
    row = services.training_settings_for(member.organization)
    error, status = None, 200
    if request.method == "POST":
        names = ("track_record_decisions", "track_record_days", "good_outcome_percent", "reviews_per_shift")
        try:
            row = services.training_settings_update(
                actor=member, **{name: request.POST.get(name, "") for name in names}
            )
        except DomainError as refusal:
            error, status = refusal, refusal.status
        else:
            messages.success(request, _("The training settings are saved."))
            return redirect("training:settings")
    return render(request, "training/settings.html", {"row": row, "error": error}, status=status)
