"""Input forms of the pulse pages: they parse and validate; the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import Site, Team
from surveys.models import PulseFrequency, PulseKind, PulseQuestion, PulseSurvey, Suggestion, TenureBand
from surveys.pulse_selectors import PulseFilters

LIKERT_LABELS = (
    (1, _("Strongly disagree")),
    (2, _("Disagree")),
    (3, _("Neither agree nor disagree")),
    (4, _("Agree")),
    (5, _("Strongly agree")),
)
ENPS_CHOICES = tuple((value, str(value)) for value in range(11))
MAX_COMMENT_CHARS = 2000
DEFAULT_WINDOW_DAYS = 7
DEFAULT_REMINDER_DAYS = "2, 5"
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class QuestionForm(forms.ModelForm):
    class Meta:
        model = PulseQuestion
        fields = ["code", "topic", "kind", "category", "reverse", "text_en", "text_zh", "allows_comment", "active"]


class SurveyForm(forms.ModelForm):
    questions = forms.ModelMultipleChoiceField(
        queryset=PulseQuestion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Questions from the bank"),
        help_text=_("Asked in the bank's order: by topic."),
    )

    class Meta:
        model = PulseSurvey
        fields = ["code", "name_en", "name_zh", "target_sites", "target_teams", "share_with_team_leaders"]
        widgets = {
            "target_sites": forms.CheckboxSelectMultiple,
            "target_teams": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "target_sites": _("Leave sites and teams empty to invite every active agent."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        asked = self.instance.questions.all() if self.instance.pk else PulseQuestion.objects.none()
        self.fields["questions"].queryset = (PulseQuestion.objects.filter(active=True) | asked).distinct()
        self.fields["target_sites"].queryset = Site.objects.order_by("code")
        self.fields["target_teams"].queryset = Team.objects.select_related("site").order_by("site__code", "code")
        if self.instance.pk:
            self.initial["questions"] = list(asked)

    def ordered_questions(self) -> list[PulseQuestion]:
        """The chosen questions in the bank's order (topic, then code)."""
        return sorted(self.cleaned_data["questions"], key=lambda q: (q.topic, q.code))

    def survey_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("code", "name_en", "name_zh", "share_with_team_leaders")}


def _reminder_days(text: str) -> list[int]:
    try:
        return sorted({int(part) for part in text.replace("，", ",").split(",") if part.strip()})
    except ValueError as exc:
        raise forms.ValidationError(_("Write whole numbers of days separated by commas, for example 2, 5.")) from exc


class RoundWindowForm(forms.Form):
    window_days = forms.IntegerField(label=_("Days open"), min_value=1, max_value=60, initial=DEFAULT_WINDOW_DAYS)
    reminder_days = forms.CharField(
        label=_("Reminders, days after opening"),
        required=False,
        initial=DEFAULT_REMINDER_DAYS,
        help_text=_("Only those who have not answered are reminded."),
    )

    def clean_reminder_days(self) -> list[int]:
        return _reminder_days(self.cleaned_data["reminder_days"])


class ScheduleForm(RoundWindowForm):
    frequency = forms.ChoiceField(label=_("Frequency"), choices=PulseFrequency.choices)
    first_opens_at = forms.DateTimeField(
        label=_("First round opens"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    field_order = ["frequency", "first_opens_at", "window_days", "reminder_days"]


class PulseAnswerForm(forms.Form):
    """One radio group per question (no answer is allowed), and a comment box where the question takes one."""

    def __init__(self, *args, questions: list[PulseQuestion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = ENPS_CHOICES if question.kind == PulseKind.ENPS else LIKERT_LABELS
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            if question.allows_comment:
                self.fields[f"c{question.pk}"] = forms.CharField(
                    label=_("Comment (optional)"),
                    required=False,
                    max_length=MAX_COMMENT_CHARS,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    def rows(self) -> list[dict]:
        """Each question with its bound fields, for the template."""
        return [
            {
                "question": q,
                "field": self[f"q{q.pk}"],
                "comment": self[f"c{q.pk}"] if q.allows_comment else None,
            }
            for q in self.questions
        ]

    def values(self) -> dict[int, int | None]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def comments(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"c{q.pk}", "") for q in self.questions if q.allows_comment}


class ResultsFilterForm(forms.Form):
    site = forms.CharField(required=False, max_length=32)
    team = forms.CharField(required=False, max_length=32)
    tenure_band = forms.ChoiceField(required=False, choices=[("", ""), *TenureBand.choices])

    def filters(self) -> PulseFilters:
        """The filters, or none when the query is not valid."""
        if not self.is_valid():
            return PulseFilters()
        return PulseFilters(**self.cleaned_data)


class SuggestionForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=Suggestion.Topic.choices, initial=Suggestion.Topic.PROCESS)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Your idea"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    anonymous = forms.BooleanField(
        label=_("Submit anonymously"),
        required=False,
        help_text=_("Your name is not stored. You get a code to follow your idea with."),
    )


class SuggestionResponseForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Suggestion.Status.choices)
    response = forms.CharField(
        label=_("Answer to the author"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )


class TrackingCodeForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=64)
