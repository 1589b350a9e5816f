"""Forms of the admins' recognition pages; the services check every value again."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from leeway.recognition.models import MAX_MONTHLY_ALLOWANCE, VALUE_DESCRIPTION_MAX, VALUE_NAME_MAX


class CompanyValueForm(forms.Form):
    """A company value: a code and a name (and description) per language."""

    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Used by the API, e.g. own-it."))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, organization, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance = instance
        for code, language in settings.LANGUAGES:
            required = code == organization.default_language
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": language},
                max_length=VALUE_NAME_MAX,
                required=required,
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description (%(language)s)") % {"language": language},
                max_length=VALUE_DESCRIPTION_MAX,
                required=False,
            )
        if instance is not None:
            self.fields["code"].disabled = True
            self.initial["code"] = instance.code
            self.initial["active"] = instance.active
            for code, _language in settings.LANGUAGES:
                if instance.has_translation(code):
                    self.initial[f"name_{code}"] = instance.safe_translation_getter(
                        "name", language_code=code
                    )
                    self.initial[f"description_{code}"] = instance.safe_translation_getter(
                        "description", language_code=code
                    )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data.get("code") or "",
            "names": {code: data.get(f"name_{code}", "") for code, _language in settings.LANGUAGES},
            "descriptions": {
                code: data.get(f"description_{code}", "") for code, _language in settings.LANGUAGES
            },
            "active": bool(data.get("active")),
        }

    def add_domain_error(self, error) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class RecognitionSettingsForm(forms.Form):
    monthly_allowance = forms.IntegerField(
        label=_("Points each member may give per month"),
        min_value=0,
        max_value=MAX_MONTHLY_ALLOWANCE,
        help_text=_("Unused points do not roll over to the next month."),
    )
