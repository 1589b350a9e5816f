"""A decision's reasons (codes and figures) as sentences in the reader's language."""

from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from leeway.core import caches
from leeway.policy.budgets import (
    AGENT_VOICE,
    REVIEWER_VOICE,
    VOICES,
    budget_label,
)


@caches.memo("decisions.number_symbols", maxsize=64)
def _number_symbols(language: str) -> tuple[str, str]:
    """(group, decimal) separators of the language, as the pages' `money` filter uses them (Babel)."""
    from babel import Locale
    from django.utils.translation import to_locale

    symbols = Locale.parse(to_locale(language)).number_symbols["latn"]
    return symbols["group"], symbols["decimal"]


@caches.memo("decisions.formatted_amounts", maxsize=8192)
def _formatted(value: str, language: str) -> str:
    """The pages' `money` filter without a currency ("1,975.00" in English, "1.975,00" in Spanish).

    Python's own grouping with the language's separators: Babel's "#,##0.00" pattern gives the same
    text (tests compare them) at a fraction of the cost, and every reason of every decision
    formats a few amounts.
    """
    try:
        number = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():  # never in reasons; the filter says what it says
        from django.utils.translation import override

        from leeway.core.templatetags.leeway import money

        with override(language):
            return money(value)
    group, decimal = _number_symbols(language)
    plain = f"{number:,.2f}"
    return plain.replace(",", "\0").replace(".", decimal).replace("\0", group)


def _reviewer_template(code: str, ok: bool) -> str | None:
    """The sentences that say "your", told to someone other than the agent; None where both voices agree."""
    if code == "no_rule":
        return _("The agent's authority tier has no rule for this gesture: a lead decides.")
    if code == "green_limit":
        if ok:
            return _("Inside the agent's green limit of %(limit)s %(currency)s (%(left)s left)")
        return _("Above the agent's green limit of %(limit)s %(currency)s by %(over)s")
    if code == "stretch_limit":
        if ok:
            return _(
                "Inside the agent's stretch limit of %(limit)s %(currency)s (%(left)s left): "
                "needs one line of why"
            )
        return _("Beyond the agent's stretch limit of %(limit)s %(currency)s by %(over)s: a lead decides")
    return None


@caches.memo("decisions.reason_sentences", maxsize=1024)
def _message_template(language: str, voice: str, code: str, ok: bool, scope: str, period: str) -> str | None:
    """The sentence for one kind of reason in the active language, figures still to fill in.

    Memoised by language: every decision's answer renders several reasons, and looking each one
    up in the catalogue again cost more than the rest of the rendering.
    """
    if voice == REVIEWER_VOICE:
        template = _reviewer_template(code, ok)
        if template is not None:
            return template
    if code == "no_rule":
        return _("Your authority tier has no rule for this gesture: a lead decides.")
    if code == "no_cost":
        return _("Costs nothing: no budget is used.")
    if code == "green_limit":
        if ok:
            return _("Inside your green limit of %(limit)s %(currency)s (%(left)s left)")
        return _("Above your green limit of %(limit)s %(currency)s by %(over)s")
    if code == "stretch_limit":
        if ok:
            return _(
                "Inside your stretch limit of %(limit)s %(currency)s (%(left)s left): add one line of why"
            )
        return _("Beyond your stretch limit of %(limit)s %(currency)s by %(over)s: a lead decides")
    if code == "customer_cap_count":
        if ok:
            return _("This customer had %(used)s of %(cap)s of these in the last %(days)s days")
        return _("This customer already had %(used)s of %(cap)s of these in the last %(days)s days")
    if code == "customer_cap_amount":
        if ok:
            return _("This customer's cap: %(left)s of %(cap)s %(currency)s left for the last %(days)s days")
        return _("This customer already received %(used)s of %(cap)s %(currency)s in the last %(days)s days")
    if code == "budget":
        if ok:
            template = _("%(label)s: %(left)s of %(cap)s %(currency)s left")
        else:
            template = _("%(label)s: only %(left)s of %(cap)s %(currency)s left: a lead decides")
        label = budget_label(scope, period, voice=voice).replace("%", "%%")
        return template.replace("%(label)s", label)
    return None


# Sentences without figures: used as they are (a translation may contain a literal %).
_WITHOUT_FIGURES = {"no_rule", "no_cost"}


def reason_message(reason: dict, *, voice: str = AGENT_VOICE, language: str | None = None) -> str:
    """One checked limit as a sentence, e.g. "Inside your green limit of 50.00 USD (25.00 left)".

    `voice=REVIEWER_VOICE` says the same for someone other than the agent ("Inside the agent's
    green limit …"); sentences about the customer, the team and the company read the same in both.
    `language` is the active one unless given (`render_reasons` looks it up once for all reasons).
    """
    if voice not in VOICES:
        raise ValueError(f"Unknown voice: {voice!r}")
    code, ok = reason.get("code"), bool(reason.get("ok"))
    language = language or get_language() or "en"
    template = _message_template(
        language, voice, str(code), ok, str(reason.get("scope", "")), str(reason.get("period", ""))
    )
    if template is None:
        return str(code)
    if code in _WITHOUT_FIGURES:
        return template
    if code == "customer_cap_count":
        return template % {"used": reason["used"], "cap": reason["cap"], "days": reason["days"]}
    figures = {
        key: _formatted(reason[key], language)
        for key in ("limit", "left", "over", "cap", "used")
        if key in reason
    }
    figures.update({"currency": reason.get("currency", ""), "days": reason.get("days", "")})
    return template % figures


def render_reasons(reasons: list[dict], *, voice: str = AGENT_VOICE) -> list[dict]:
    """Stored reason codes as the API shows them: code, whether it passed, and the sentence (in `voice`)."""
    language = get_language() or "en"
    return [
        {
            "code": r.get("code"),
            "ok": bool(r.get("ok")),
            "message": reason_message(r, voice=voice, language=language),
        }
        for r in reasons
    ]
