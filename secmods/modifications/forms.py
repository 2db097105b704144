"""Admin forms: a timetable date typed as people write it, and version-checked saves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from secmods.parties.staff import secas_staff_people
from secmods.rules import lifecycle
from secmods.rules.dates import ApproxDate, DateParseError
from secmods.rules.overdue import date_warnings

from . import related
from .models import EDITABLE_FIELDS, Milestone, Modification, Stage
from .services import keep_baseline, next_alternative_suffix, next_modification_number


class WhenInput(forms.TextInput):
    """The date box; after a warning it carries a "Save anyway" checkbox beside it (in the
    same table cell of the timetable inline, so no column is added for a rare case)."""

    template_name = "admin/modifications/when_input.html"
    warned = False

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["warned"] = self.warned
        context["widget"]["confirm_name"] = name.removesuffix("when") + CONFIRM_FIELD
        return context


CONFIRM_FIELD = "confirm_date"


class MilestoneForm(forms.ModelForm):
    when = forms.CharField(
        label="Date",
        required=False,
        max_length=100,
        widget=WhenInput,
        help_text="27 Apr 2021, w/c 4 Apr 2022, May 2021, Q3 2021 or TBC. "
        "A meeting fixes the date to its day.",
    )

    class Meta:
        model = Milestone
        fields = ["kind", "label", "status", "meeting", "when", "order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._previous = self.instance.when if self.instance.pk else None
        if self.instance.pk:
            self.initial.setdefault("when", self.instance.when.display())
        if "meeting" in self.fields:
            field = self.fields["meeting"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = related.meeting_model().objects.select_related("committee")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        meeting = cleaned.get("meeting")
        text = (cleaned.get("when") or "").strip()
        if meeting is not None:
            when = ApproxDate.day(meeting.date)
        else:
            try:
                when = ApproxDate.parse(text or "TBC")
            except DateParseError as exc:
                self.add_error("when", str(exc))
                return cleaned
        if meeting is None and (self._previous is None or self._previous != when):
            self._warn_about(when, cleaned)
        self.instance.precision = when.precision
        self.instance.date_from = when.start
        self.instance.date_to = when.end
        if text and not self.instance.date_text:
            self.instance.date_text = text
        return cleaned

    def _warn_about(self, when: ApproxDate, cleaned: dict[str, Any]) -> None:
        """A date before the modification was raised, or long past, is asked about once."""
        modification = cleaned.get("modification")
        warnings = date_warnings(
            status=cleaned.get("status") or self.instance.status,
            date_from=when.start,
            date_to=when.end,
            raised_on=getattr(modification, "raised_on", None),
            today=timezone.localdate(),
        )
        if not warnings or self.data.get(self.add_prefix(CONFIRM_FIELD)):
            return
        widget = self.fields["when"].widget
        assert isinstance(widget, WhenInput)
        widget.warned = True
        self.add_error("when", " ".join(warnings) + " Tick “Save anyway” to keep it.")

    def save(self, commit: bool = True) -> Milestone:
        milestone = super().save(commit=False)
        if self._previous is not None:
            keep_baseline(milestone, self._previous)
            # Every change moves the version on, so an API client's If-Match sees it.
            if self._previous != milestone.when or self.has_changed():
                milestone.version += 1
        if commit:
            milestone.save()
            self.save_m2m()
        return milestone


class ModificationForm(forms.ModelForm):
    number = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=999_999,
        help_text="Leave empty for the next free number.",
    )
    alternative_of = forms.ModelChoiceField(
        queryset=Modification.objects.filter(suffix=""),
        required=False,
        help_text="For an alternative solution: it takes this modification's number and "
        "the next free letter (MP160A).",
    )
    loaded_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Modification
        fields = [
            "number",
            "title",
            "stage",
            "path",
            *EDITABLE_FIELDS,
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("alternative_of")
            self.initial["loaded_version"] = self.instance.version
            self.fields["number"].required = True
        if "lead_analyst" in self.fields:
            # SECAS staff only (a modification already led by someone else keeps them).
            lead = self.fields["lead_analyst"]
            assert isinstance(lead, forms.ModelChoiceField)
            current = Q(pk=self.instance.lead_analyst_id) if self.instance.lead_analyst_id else Q()
            staff = Q(pk__in=secas_staff_people().values("pk"))
            assert lead.queryset is not None
            lead.queryset = lead.queryset.filter(staff | current if current else staff)
            lead.help_text = "A SECAS staff member (every staff login has a Person)."
        if "stage" in self.fields:
            # Stages move only through the lifecycle table (the "Move stage" page).
            self.fields["stage"].disabled = True
            self.fields["stage"].help_text = "Use 'Move stage' to change it."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk:
            alternative_of = cleaned.get("alternative_of")
            if alternative_of is not None:
                try:
                    self.instance.suffix = next_alternative_suffix(alternative_of.number)
                except ValidationError as exc:
                    self.add_error("alternative_of", exc.messages[0])
                cleaned["number"] = alternative_of.number
                self.instance.number = alternative_of.number
            elif not cleaned.get("number"):
                cleaned["number"] = next_modification_number()
                self.instance.number = cleaned["number"]
            self.instance.stage = Stage.DRAFT_PROPOSAL
        number = cleaned.get("number")
        # `suffix` is not a form field, so Django skips the (number, suffix) constraint.
        if (
            number
            and Modification.objects.filter(number=number, suffix=self.instance.suffix)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("number", "A modification with this reference exists already.")
        if self.instance.pk:
            loaded = cleaned.get("loaded_version")
            current = (
                Modification.objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if loaded is not None and current is not None and loaded != current:
                raise ValidationError(
                    "Someone else saved this modification while you were editing it "
                    f"(your copy is version {loaded}, the saved one is version {current}). "
                    "Reload the page to see their change, then make yours again.",
                    code="stale",
                )
        return cleaned


class MoveStageForm(forms.Form):
    to = forms.ChoiceField(label="Move to")
    decided_by = forms.ChoiceField(
        choices=[("", "---------"), *lifecycle.DecidingBody.choices], required=False
    )
    meeting = forms.ModelChoiceField(
        queryset=related.meeting_model().objects.select_related("committee").order_by("-starts_at"),
        required=False,
        help_text="The meeting that decided the move, if any.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, modification: Modification, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s, Stage(s).label) for s in lifecycle.next_stages(modification)]
