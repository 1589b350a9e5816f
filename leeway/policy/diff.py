"""What changed between two policy snapshots, in plain words for the admin who publishes."""

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from leeway.policy.budgets import budget_name
from leeway.policy.models import GestureCategory

EMPTY = {
    "base_currency": None,
    "time_zone": None,
    "tiers": [],
    "gestures": [],
    "rules": [],
    "budgets": [],
    "settings": None,
}


def _none(value) -> str:
    return _("none") if value in (None, "", []) else str(value)


def _gesture_name(gesture: dict, language: str) -> str:
    names = gesture.get("names", {})
    return names.get(language) or names.get("en") or next(iter(names.values()), gesture["code"])


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


def _gesture_changes(old: dict, new: dict, language: str) -> list[str]:
    changes = []
    label = _gesture_name(new, language)
    for code in sorted(set(old.get("names", {})) | set(new.get("names", {}))):
        before, after = old.get("names", {}).get(code, ""), new.get("names", {}).get(code, "")
        if before != after:
            changes.append(
                _("Gesture renamed (%(language)s): “%(old)s” → “%(new)s”")
                % {"old": _none(before), "language": _language_name(code), "new": _none(after)}
            )
    for code in sorted(set(old.get("descriptions", {})) | set(new.get("descriptions", {}))):
        if old.get("descriptions", {}).get(code, "") != new.get("descriptions", {}).get(code, ""):
            changes.append(
                _("%(gesture)s: description changed (%(language)s)")
                % {"gesture": label, "language": _language_name(code)}
            )
    fields = [
        ("category", _("category")),
        ("default_amount", _("default amount")),
        ("zero_cost", _("zero cost")),
        ("shortcut", _("keyboard shortcut")),
        ("position", _("position")),
    ]
    categories = dict(GestureCategory.choices)
    for field, field_label in fields:
        before, after = old.get(field), new.get(field)
        if before == after:
            continue
        if field == "category":
            before, after = categories.get(before, before), categories.get(after, after)
        elif field == "zero_cost":
            before, after = _yes_no(before), _yes_no(after)
        changes.append(
            _("%(gesture)s: %(field)s changed from %(old)s to %(new)s")
            % {"gesture": label, "field": field_label, "old": _none(before), "new": _none(after)}
        )
    return changes


RULE_FIELDS = [
    "green_limit",
    "stretch_limit",
    "customer_cap_count",
    "customer_cap_amount",
    "customer_cap_window_days",
]


def _rule_field_label(field: str) -> str:
    labels = {
        "green_limit": _("green limit"),
        "stretch_limit": _("stretch limit"),
        "customer_cap_count": _("gestures per customer"),
        "customer_cap_amount": _("amount per customer"),
        "customer_cap_window_days": _("cap window (days)"),
    }
    return labels[field]


def _rule_summary(rule: dict, currency: str) -> str:
    text = _("green %(green)s, stretch %(stretch)s %(currency)s") % {
        "green": rule["green_limit"],
        "stretch": rule["stretch_limit"],
        "currency": currency,
    }
    if rule.get("customer_cap_count") or rule.get("customer_cap_amount"):
        text += "; " + _("per customer at most %(count)s gestures / %(amount)s in %(days)s days") % {
            "count": _none(rule.get("customer_cap_count")),
            "amount": _none(rule.get("customer_cap_amount")),
            "days": rule.get("customer_cap_window_days"),
        }
    return text


def snapshot_changes(old: dict | None, new: dict, *, language: str | None = None) -> list[str]:
    """Every difference from `old` (None: nothing published yet) to `new`, one sentence each."""
    language = language or get_language() or settings.LANGUAGE_CODE
    old = old or EMPTY
    changes: list[str] = []
    currency = new.get("base_currency") or ""

    if old["base_currency"] is not None and old["base_currency"] != new["base_currency"]:
        changes.append(
            _("Base currency changed from %(old)s to %(new)s")
            % {"old": old["base_currency"], "new": new["base_currency"]}
        )
    if old["time_zone"] is not None and old["time_zone"] != new["time_zone"]:
        changes.append(
            _("Time zone changed from %(old)s to %(new)s")
            % {"old": old["time_zone"], "new": new["time_zone"]}
        )

    old_tiers = {t["id"]: t for t in old["tiers"]}
    new_tiers = {t["id"]: t for t in new["tiers"]}
    tier_names = {
        **{k: t["name"] for k, t in old_tiers.items()},
        **{k: t["name"] for k, t in new_tiers.items()},
    }
    for tier_id, tier in new_tiers.items():
        before = old_tiers.get(tier_id)
        if before is None:
            changes.append(
                _("Tier added: %(name)s (rank %(rank)s)") % {"name": tier["name"], "rank": tier["rank"]}
            )
            continue
        if before["name"] != tier["name"]:
            changes.append(
                _("Tier “%(old)s” renamed to “%(new)s”") % {"old": before["name"], "new": tier["name"]}
            )
        if before["rank"] != tier["rank"]:
            changes.append(
                _("Tier %(name)s: rank changed from %(old)s to %(new)s")
                % {"name": tier["name"], "old": before["rank"], "new": tier["rank"]}
            )
    for tier_id, tier in old_tiers.items():
        if tier_id not in new_tiers:
            changes.append(_("Tier removed: %(name)s") % {"name": tier["name"]})

    old_gestures = {g["code"]: g for g in old["gestures"]}
    new_gestures = {g["code"]: g for g in new["gestures"]}
    gesture_names = {
        **{code: _gesture_name(g, language) for code, g in old_gestures.items()},
        **{code: _gesture_name(g, language) for code, g in new_gestures.items()},
    }
    for code, gesture in new_gestures.items():
        before = old_gestures.get(code)
        if before is None:
            changes.append(
                _("Gesture added: %(name)s (%(code)s)") % {"name": gesture_names[code], "code": code}
            )
        else:
            changes.extend(_gesture_changes(before, gesture, language))
    for code in old_gestures:
        if code not in new_gestures:
            changes.append(
                _("Gesture removed: %(name)s (%(code)s)") % {"name": gesture_names[code], "code": code}
            )

    old_rules = {(r["tier"], r["gesture"]): r for r in old["rules"]}
    new_rules = {(r["tier"], r["gesture"]): r for r in new["rules"]}
    for key, rule in new_rules.items():
        where = _("%(tier)s · %(gesture)s") % {
            "tier": tier_names.get(key[0], key[0]),
            "gesture": gesture_names.get(key[1], key[1]),
        }
        before = old_rules.get(key)
        if before is None:
            changes.append(
                _("%(where)s: rule added (%(rule)s)")
                % {"where": where, "rule": _rule_summary(rule, currency)}
            )
            continue
        for field in RULE_FIELDS:
            if before.get(field) != rule.get(field):
                changes.append(
                    _("%(where)s: %(field)s changed from %(old)s to %(new)s")
                    % {
                        "where": where,
                        "field": _rule_field_label(field),
                        "old": _none(before.get(field)),
                        "new": _none(rule.get(field)),
                    }
                )
    for key in old_rules:
        if key not in new_rules:
            where = _("%(tier)s · %(gesture)s") % {
                "tier": tier_names.get(key[0], key[0]),
                "gesture": gesture_names.get(key[1], key[1]),
            }
            changes.append(_("%(where)s: rule removed (requests go to a lead)") % {"where": where})

    def budget_label_of(budget: dict) -> str:
        return budget_name(budget["scope"], budget["period"])

    old_budgets = {(b["scope"], b["period"]): b for b in old["budgets"]}
    new_budgets = {(b["scope"], b["period"]): b for b in new["budgets"]}
    for key, budget in new_budgets.items():
        before = old_budgets.get(key)
        if before is None:
            changes.append(
                _("%(budget)s added: cap %(cap)s %(currency)s")
                % {"budget": budget_label_of(budget), "cap": budget["cap"], "currency": currency}
            )
        elif before["cap"] != budget["cap"]:
            changes.append(
                _("%(budget)s: cap changed from %(old)s to %(new)s %(currency)s")
                % {
                    "budget": budget_label_of(budget),
                    "old": before["cap"],
                    "new": budget["cap"],
                    "currency": currency,
                }
            )
    for key, budget in old_budgets.items():
        if key not in new_budgets:
            changes.append(_("%(budget)s removed") % {"budget": budget_label_of(budget)})

    old_settings, new_settings = old["settings"], new["settings"]
    if old_settings is None:
        changes.append(
            _(
                "Requests answered within %(minutes)s min; "
                "auto-approve on timeout up to %(ceiling)s %(currency)s"
            )
            % {
                "minutes": new_settings["red_response_minutes"],
                "ceiling": new_settings["auto_approve_ceiling"],
                "currency": currency,
            }
        )
    else:
        if old_settings["red_response_minutes"] != new_settings["red_response_minutes"]:
            changes.append(
                _("Response-time target changed from %(old)s to %(new)s minutes")
                % {"old": old_settings["red_response_minutes"], "new": new_settings["red_response_minutes"]}
            )
        if old_settings["auto_approve_ceiling"] != new_settings["auto_approve_ceiling"]:
            changes.append(
                _("Auto-approve ceiling changed from %(old)s to %(new)s %(currency)s")
                % {
                    "old": old_settings["auto_approve_ceiling"],
                    "new": new_settings["auto_approve_ceiling"],
                    "currency": currency,
                }
            )
        before = old_settings.get("panel_allowed_origins", [])
        after = new_settings.get("panel_allowed_origins", [])
        for origin in after:
            if origin not in before:
                changes.append(_("Panel may now be embedded by %(origin)s") % {"origin": origin})
        for origin in before:
            if origin not in after:
                changes.append(_("Panel may no longer be embedded by %(origin)s") % {"origin": origin})
    return changes
