"""Admin forms: they collect and validate input (a timetable date typed as people write
it, the version the page was loaded at); the admin hands the result to the services."""

from __future__ import annotations

from typing import Any

from django import forms

from secmods.committees.models import Meeting
from secmods.core.admin import model_fields
from secmods.core.forms import VersionedForm

from . import lifecycle
from .dates import ApproxDate, DateParseError, Precision
from .models import EDITABLE_FIELDS, Milestone, Modification, Stage


class MilestoneForm(VersionedForm):
    when = forms.CharField(
        label="Date",
        required=False,
        max_length=100,
        help_text="27 Apr 2021, w/c 4 Apr 2022, May 2021, Q3 2021 or TBC. "
        "A meeting fixes the date to its day.",
    )
    versioned_what = "milestone"
    lock_parent_first = "modification"

    class Meta:
        model = Milestone
        fields = ["kind", "label", "status", "meeting", "when", "order", "loaded_version"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("when", self.instance.when.display())
        if "meeting" in self.fields:
            field = self.fields["meeting"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Meeting.objects.select_related("committee")

    def clean_when(self) -> str:
        return " ".join((self.cleaned_data.get("when") or "").split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        meeting = cleaned.get("meeting")
        text = cleaned.get("when") or ""
        try:
            when = ApproxDate.day(meeting.date) if meeting else ApproxDate.parse(text or "TBC")
        except DateParseError as exc:
            self.add_error("when", str(exc))
            when = None
        if when is not None and (reason := when.is_consistent()):
            self.add_error("when", reason)
            when = None
        # What the service is given; the instance gets it too, only so that the model's own
        # validation (which runs on this form) sees a consistent date.
        self.parsed_when = when
        if when is not None:
            self.instance.precision = when.precision
            self.instance.date_from, self.instance.date_to = when.start, when.end
        else:
            self.instance.precision = Precision.TBC
            self.instance.date_from = self.instance.date_to = None
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of services.add_milestone / update_milestone."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            name: data[name] for name in ("kind", "label", "status", "order") if name in data
        }
        if "meeting" in data:
            fields["meeting"] = data["meeting"]
        fields["when"] = self.parsed_when
        text = data.get("when") or ""
        if text and (not self.instance.pk or "when" in self.changed_data):
            fields["date_text"] = text
        return fields


class ModificationForm(VersionedForm):
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
    versioned_what = "modification"

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
            self.fields["number"].required = True
        if "stage" in self.fields:
            # Stages move only through the lifecycle table (the "Move stage" page).
            self.fields["stage"].disabled = True
            self.fields["stage"].help_text = "Use 'Move stage' to change it."

    def _get_validation_exclusions(self) -> Any:
        excluded = super()._get_validation_exclusions()  # type: ignore[misc]
        if not self.instance.pk:
            # A new modification's number (and letter) is chosen by create_modification.
            excluded.add("number")
        return excluded

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of services.create_modification / update_modification."""
        return model_fields(self, exclude=("stage",))


class MoveStageForm(forms.Form):
    to = forms.ChoiceField(label="Move to")
    decided_by = forms.ChoiceField(
        choices=[("", "---------"), *lifecycle.DecidingBody.choices], required=False
    )
    meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.select_related("committee").order_by("-starts_at"),
        required=False,
        help_text="The meeting that decided the move, if any.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    loaded_version = forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, modification: Modification, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["loaded_version"] = modification.version
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s, Stage(s).label) for s in lifecycle.next_stages(modification)]
