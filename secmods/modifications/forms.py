"""Admin forms: they collect and validate input (a timetable date typed as people write
it, the version the page was loaded at); the admin hands the result to the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Q
from django.utils import timezone

from secmods.core.admin import model_fields, safe_formfield
from secmods.core.forms import VersionedForm
from secmods.parties.staff import secas_staff_people
from secmods.rules import lifecycle
from secmods.rules.dates import ApproxDate, DateParseError, Precision
from secmods.rules.overdue import date_warnings

from . import related
from .models import EDITABLE_FIELDS, Milestone, Modification, Stage


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


class MilestoneForm(VersionedForm):
    when = forms.CharField(
        label="Date",
        required=False,
        max_length=100,
        widget=WhenInput,
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
            field.queryset = related.meeting_model().objects.select_related("committee")

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
        if (
            when is not None
            and meeting is None
            and (not self.instance.pk or self.instance.when != when)
        ):
            self._warn_about(when, cleaned)
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

    def _warn_about(self, when: ApproxDate, cleaned: dict[str, Any]) -> None:
        """A date before the modification was raised, or long past, is asked about once."""
        modification = cleaned.get("modification")
        if modification is None and self.instance.modification_id:
            modification = self.instance.modification
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


class ModificationForm(VersionedForm):
    number = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=999_999,
        help_text="Leave empty for the next free number.",
    )
    # A search box, not a <select> of the whole register. The admin's autocomplete needs
    # a model field that points at Modification: the timetable's is one.
    alternative_of = safe_formfield(
        forms.ModelChoiceField(
            queryset=Modification.objects.filter(suffix=""),
            required=False,
            widget=AutocompleteSelect(Milestone._meta.get_field("modification"), admin.site),
            help_text="For an alternative solution: it takes this modification's number and "
            "the next free letter (MP160A).",
        )
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
        queryset=related.meeting_model().objects.select_related("committee").order_by("-starts_at"),
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
