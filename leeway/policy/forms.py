"""Admin forms for the policy pages.

Fields parse the browser's text; the rules themselves (stretch ≥ green, caps
above zero, valid origins …) come from `leeway.policy.checks`, the same
checks the services apply, so a page and the API refuse the same values.
"""

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput
from leeway.core.forms import AmountField
from leeway.policy.budgets import BudgetPeriod, BudgetScope
from leeway.policy.checks import budget_problems, gesture_problems, rule_problems, settings_problems
from leeway.policy.models import GestureCategory

AMOUNT_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


def amount_field(label, *, required=True, help_text="") -> AmountField:
    """An amount in the base currency, typed in the admin's own language ("1.234,56" in Spanish)."""
    return AmountField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={**AMOUNT_ATTRS, "class": "amount"}),
    )


def add_domain_error(form: forms.Form, error: InvalidInput) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def add_problems(form: forms.Form, problems) -> None:
    for error in problems.errors:
        if error.field in form.fields and error.field in form.errors:
            continue  # the field already says what is wrong with it
        add_domain_error(form, error)


class GestureForm(forms.Form):
    """A gesture with its name and description in every language, side by side."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("What integrations send, e.g. waive_fee. It cannot change later."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=GestureCategory.choices)
    default_amount = amount_field(
        _("Default amount"), help_text=_("Prefilled in the console, in the base currency.")
    )
    zero_cost = forms.BooleanField(
        label=_("Zero cost"),
        required=False,
        help_text=_("Bending a rule that costs nothing, e.g. a cutoff time."),
    )
    shortcut = forms.CharField(
        label=_("Keyboard shortcut"),
        max_length=1,
        required=False,
        help_text=_("One key the console uses to pick it."),
        widget=forms.TextInput(attrs={"class": "short", "autocomplete": "off"}),
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, required=False)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive gestures leave the next version."),
    )

    def __init__(self, *args, organization, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.editing = editing
        if editing:
            del self.fields["code"]
        self.language_columns = []
        for code, language_name in settings.LANGUAGES:
            required = code == organization.default_language
            self.fields[f"name_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", _("Name"), language_name),
                max_length=120,
                required=required,
                widget=forms.TextInput(attrs={"lang": code}),
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", _("Description"), language_name),
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
            )
            self.language_columns.append((code, language_name))

    def columns(self):
        return [
            {
                "code": code,
                "language": name,
                "name": self[f"name_{code}"],
                "description": self[f"description_{code}"],
            }
            for code, name in self.language_columns
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        _values, problems = gesture_problems(
            code=data.get("code") if not self.editing else None,
            category=data.get("category"),
            default_amount=data.get("default_amount"),
            zero_cost=data.get("zero_cost"),
            shortcut=data.get("shortcut"),
            position=data.get("position"),
        )
        add_problems(self, problems)
        return data

    def names(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"name_{code}"] for code, _name in self.language_columns}

    def descriptions(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"description_{code}"] for code, _name in self.language_columns}

    @staticmethod
    def initial_for(gesture) -> dict:
        initial = {
            "category": gesture.category,
            "default_amount": gesture.default_amount,
            "zero_cost": gesture.zero_cost,
            "shortcut": gesture.shortcut,
            "position": gesture.position,
            "active": gesture.active,
        }
        for code, _name in settings.LANGUAGES:
            if gesture.has_translation(code):
                initial[f"name_{code}"] = gesture.safe_translation_getter("name", language_code=code)
                initial[f"description_{code}"] = gesture.safe_translation_getter(
                    "description", language_code=code
                )
        return initial


class TierForm(forms.Form):
    """A tier with its name in every language (the organization's own is required), like a gesture."""

    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("e.g. starter. It cannot change later.")
    )
    rank = forms.IntegerField(
        label=_("Rank"), min_value=1, max_value=32767, help_text=_("Higher ranks have more authority.")
    )

    def __init__(self, *args, organization, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        self.name_fields = []
        for code, language_name in settings.LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", _("Name"), language_name),
                max_length=80,
                required=code == organization.default_language,
                widget=forms.TextInput(attrs={"lang": code}),
            )
            self.name_fields.append(code)

    def names_in_languages(self):
        return [self[f"name_{code}"] for code in self.name_fields]

    def names(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"name_{code}"] for code in self.name_fields}

    @staticmethod
    def initial_for(tier) -> dict:
        initial = {"rank": tier.rank}
        for code, _name in settings.LANGUAGES:
            if tier.has_translation(code):
                initial[f"name_{code}"] = tier.safe_translation_getter("name", language_code=code)
        return initial


class RuleForm(forms.Form):
    """One cell of the rules grid: a tier's authority over one gesture (empty limits: no authority)."""

    green_limit = amount_field(_("Green limit"), required=False)
    stretch_limit = amount_field(_("Stretch limit"), required=False)
    customer_cap_count = forms.IntegerField(
        label=_("Gestures per customer"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "count", "autocomplete": "off"}),
    )
    customer_cap_amount = amount_field(_("Amount per customer"), required=False)
    customer_cap_window_days = forms.IntegerField(
        label=_("Cap window (days)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "count", "autocomplete": "off"}),
    )

    def __init__(self, *args, tier, gesture, rule=None, **kwargs):
        self.tier, self.gesture, self.rule = tier, gesture, rule
        kwargs.setdefault("initial", self.initial_for(rule))
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(rule) -> dict:
        if rule is None:
            return {"customer_cap_window_days": 30}
        return {
            "green_limit": rule.green_limit,
            "stretch_limit": rule.stretch_limit,
            "customer_cap_count": rule.customer_cap_count,
            "customer_cap_amount": rule.customer_cap_amount,
            "customer_cap_window_days": rule.customer_cap_window_days,
        }

    @property
    def grants_authority(self) -> bool:
        data = self.cleaned_data
        return data.get("green_limit") is not None or data.get("stretch_limit") is not None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not self.grants_authority:
            return data
        for field in ("green_limit", "stretch_limit"):
            if data.get(field) is None:
                self.add_error(field, _("Enter both limits, or leave both empty for no authority."))
        if self.errors:
            return data
        _values, problems = rule_problems(
            green_limit=data["green_limit"],
            stretch_limit=data["stretch_limit"],
            customer_cap_count=data.get("customer_cap_count"),
            customer_cap_amount=data.get("customer_cap_amount"),
            customer_cap_window_days=data.get("customer_cap_window_days"),
        )
        add_problems(self, problems)
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "green_limit": data["green_limit"],
            "stretch_limit": data["stretch_limit"],
            "customer_cap_count": data.get("customer_cap_count"),
            "customer_cap_amount": data.get("customer_cap_amount"),
            "customer_cap_window_days": data.get("customer_cap_window_days"),
        }


class BudgetForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"), choices=BudgetScope.choices)
    period = forms.ChoiceField(label=_("Period"), choices=BudgetPeriod.choices)
    cap = amount_field(_("Cap"))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["scope"]
            del self.fields["period"]

    def clean(self):
        data = super().clean()
        if "cap" in data:
            _values, problems = budget_problems(cap=data["cap"])
            add_problems(self, problems)
        return data


class PolicySettingsForm(forms.Form):
    red_response_minutes = forms.IntegerField(
        label=_("Response-time target for requests (minutes)"),
        help_text=_("How quickly a lead should answer a request beyond an agent's authority."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "count"}),
    )
    auto_approve_ceiling = amount_field(
        _("Auto-approve on timeout up to"),
        help_text=_("An unanswered request up to this amount is approved in the customer's favour."),
    )
    panel_allowed_origins = forms.CharField(
        label=_("Origins allowed to embed the panel"),
        required=False,
        help_text=_("One origin per line, e.g. https://crm.example.com"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        _values, problems = settings_problems(
            red_response_minutes=data.get("red_response_minutes"),
            auto_approve_ceiling=data.get("auto_approve_ceiling"),
            panel_allowed_origins=data.get("panel_allowed_origins", ""),
        )
        add_problems(self, problems)
        return data


class RateForm(forms.Form):
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        widget=forms.TextInput(attrs={"class": "short", "autocomplete": "off", "placeholder": "CAD"}),
    )
    rate = forms.CharField(
        label=_("Rate"),
        max_length=30,
        help_text=_("How many units of the base currency one unit is worth."),
        widget=forms.TextInput(attrs={**AMOUNT_ATTRS, "class": "amount"}),
    )


class RatesImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Two columns with a header row: currency,rate. Every row must be valid, or nothing changes."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class PublishForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(
        label=_("What changed, in a sentence"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
