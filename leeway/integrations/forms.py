from django import forms
from django.utils.translation import gettext_lazy as _

from leeway.integrations.models import DeliveryStatus, WebhookFormat
from leeway.integrations.topics import known_topics


class WebhookForm(forms.Form):
    """A new endpoint; the service checks the URL (public address) and the topics."""

    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        help_text=_("Where Leeway POSTs each event, e.g. https://crm.example.com/hooks/leeway."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=WebhookFormat.choices, initial=WebhookFormat.STANDARD
    )
    topics = forms.MultipleChoiceField(label=_("Topics"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = list(known_topics().items())


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *DeliveryStatus.choices]
    )
