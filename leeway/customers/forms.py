"""Forms of the customer pages: the CSV upload."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

ALLOWED_SUFFIXES = (".csv", ".txt")


class ImportUploadForm(forms.Form):
    """One CSV file; its content is checked row by row by the import itself."""

    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, comma-separated, with a header row."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.LEEWAY_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (the limit is %(limit)s MB).") % {"limit": limit // (1024 * 1024)},
                code="too_large",
            )
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Upload a .csv file."), code="not_csv")
        return upload
