"""The value settings form."""

from django import forms

from leeway.value.models import ValueSettings


class ValueSettingsForm(forms.ModelForm):
    class Meta:
        model = ValueSettings
        fields = ["horizon_months", "annual_discount_rate"]
        widgets = {"annual_discount_rate": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"})}
