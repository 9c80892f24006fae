"""Forms of the agents pages: they parse input only; views scope it and call the services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import QA_SUB_SCORE_MAX, CaseStatus, KpiMetric

# Large enough for a 20,000-agent staff list, small enough to refuse a mistaken upload.
MAX_STAFF_FILE_BYTES = 5 * 1024 * 1024
# A month of daily records for 2,000 agents is about 4 MB of CSV.
MAX_KPI_FILE_BYTES = 20 * 1024 * 1024
TEXT_ROWS = 4


class StaffUploadForm(forms.Form):
    file = forms.FileField(label=_("Staff list (CSV, UTF-8)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_STAFF_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class KpiUploadForm(forms.Form):
    file = forms.FileField(label=_("KPI records (CSV in UTF-8, or an Excel .xlsx workbook)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_KPI_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class VerdictForm(forms.Form):
    UPHELD = "upheld"
    REJECTED = "rejected"

    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=[(UPHELD, _("Uphold")), (REJECTED, _("Reject"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": TEXT_ROWS}), max_length=4000)

    @property
    def upheld(self) -> bool:
        return self.cleaned_data["verdict"] == self.UPHELD


class GrievanceForm(forms.Form):
    contact = forms.ChoiceField(label=_("Contact"))
    description = forms.CharField(
        label=_("What did the caller say or do?"), widget=forms.Textarea(attrs={"rows": TEXT_ROWS}), max_length=4000
    )

    def __init__(self, *args, contacts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [
            (c.external_id, f"{c.external_id} · {timezone.localtime(c.started_at):%Y-%m-%d %H:%M}") for c in contacts
        ]


class PraiseForm(forms.Form):
    agent = forms.ChoiceField(label=_("Agent"))
    contact = forms.CharField(label=_("Contact id (optional)"), required=False, max_length=64)
    quote = forms.CharField(
        label=_("The customer's words (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )
    description = forms.CharField(
        label=_("What is the agent praised for?"), widget=forms.Textarea(attrs={"rows": TEXT_ROWS}), max_length=4000
    )

    def __init__(self, *args, agents=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [(a.employee_number, f"{a.name} ({a.employee_number})") for a in agents]


class ComplaintCaseForm(PraiseForm):
    """A complaint case opened by hand: the agent, optionally the contact, and the complaint."""

    quote = None
    description = forms.CharField(
        label=_("The complaint"), widget=forms.Textarea(attrs={"rows": TEXT_ROWS}), max_length=4000
    )


class EvaluationForm(forms.Form):
    agent = forms.ChoiceField(label=_("Agent"))
    contact = forms.CharField(label=_("Contact id (optional)"), required=False, max_length=64)
    evaluated_on = forms.DateField(
        label=_("Evaluated on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    greeting = forms.IntegerField(label=_("Greeting"), min_value=0, max_value=QA_SUB_SCORE_MAX)
    tone = forms.IntegerField(label=_("Tone of voice"), min_value=0, max_value=QA_SUB_SCORE_MAX)
    patience = forms.IntegerField(label=_("Patience"), min_value=0, max_value=QA_SUB_SCORE_MAX)
    empathy_language = forms.IntegerField(label=_("Empathy language"), min_value=0, max_value=QA_SUB_SCORE_MAX)
    accuracy = forms.IntegerField(label=_("Accuracy"), min_value=0, max_value=QA_SUB_SCORE_MAX)
    closing = forms.IntegerField(label=_("Closing"), min_value=0, max_value=QA_SUB_SCORE_MAX)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )

    def __init__(self, *args, agents=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [(a.employee_number, f"{a.name} ({a.employee_number})") for a in agents]


class CaseStepForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=CaseStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    customer_told = forms.CharField(
        label=_("What the customer was told (needed to resolve)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": TEXT_ROWS}),
        max_length=4000,
    )

    def __init__(self, *args, allowed=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(CaseStatus.choices)
        self.fields["to"].choices = [(status, labels[status]) for status in allowed]


class CaseNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class FocusForm(forms.Form):
    agent = forms.CharField(widget=forms.HiddenInput, max_length=32)
    is_focus = forms.BooleanField(label=_("Focus agent"), required=False)
    note = forms.CharField(label=_("Why"), required=False, max_length=200)


class TargetForm(forms.Form):
    TEAM = ""

    agent = forms.ChoiceField(label=_("For"), required=False)
    metric = forms.ChoiceField(label=_("Figure"), choices=KpiMetric.choices)
    target = forms.FloatField(label=_("Target"), min_value=0)

    def __init__(self, *args, agents=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [(self.TEAM, _("the whole team"))] + [
            (a.employee_number, f"{a.name} ({a.employee_number})") for a in agents
        ]
