from django import forms
from django.utils.translation import gettext_lazy as _

# Large enough for a 20,000-agent staff list, small enough to refuse a mistaken upload.
MAX_STAFF_FILE_BYTES = 5 * 1024 * 1024


class StaffUploadForm(forms.Form):
    file = forms.FileField(label=_("Staff list (CSV, UTF-8)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_STAFF_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
