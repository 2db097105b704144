"""The reminder rule form: kinds from the registries, templates validated on save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from secmods.rules.lifecycle import MilestoneKind

from . import registry
from .emails import validate_template
from .models import ReminderRule

DEFAULT_SUBJECT = "Reminder: {{ event_label }}"
DEFAULT_TEXT = (
    "Dear {{ recipient_name|default:'colleague' }},\n\n"
    "This is a reminder of {{ event_label }} on {{ event_day|date:'j F Y' }}.\n"
    "{% if meeting_details %}\n{{ meeting_details }}\n{% endif %}"
    "{% if modification_url %}\nModification: {{ modification_url }}\n{% endif %}"
)


class ReminderRuleForm(forms.ModelForm):
    event_kind = forms.ChoiceField(choices=())
    milestone_kind = forms.ChoiceField(
        choices=[("", "any kind"), *MilestoneKind.choices], required=False
    )
    recipient_kinds = forms.MultipleChoiceField(
        choices=(), widget=forms.CheckboxSelectMultiple, label="Send to"
    )

    class Meta:
        model = ReminderRule
        fields = [
            "name",
            "is_active",
            "event_kind",
            "milestone_kind",
            "committee",
            "offset_unit",
            "offset",
            "send_time",
            "recipient_kinds",
            "addresses",
            "subject_template",
            "text_template",
            "html_template",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read at form time, not import time: other apps register kinds in their ready().
        event_field = self.fields["event_kind"]
        recipient_field = self.fields["recipient_kinds"]
        assert isinstance(event_field, forms.ChoiceField)
        assert isinstance(recipient_field, forms.MultipleChoiceField)
        event_field.choices = registry.event_kind_choices()
        recipient_field.choices = registry.recipient_kind_choices()
        if not self.instance.pk:
            self.initial.setdefault("subject_template", DEFAULT_SUBJECT)
            self.initial.setdefault("text_template", DEFAULT_TEXT)

    def clean_addresses(self) -> str:
        text: str = self.cleaned_data.get("addresses") or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in lines:
            try:
                validate_email(line)
            except ValidationError:
                raise ValidationError(f"'{line}' is not an email address.") from None
        return "\n".join(lines)

    def _clean_template(self, name: str) -> str:
        source: str = self.cleaned_data.get(name) or ""
        validate_template(source)
        return source

    def clean_subject_template(self) -> str:
        return self._clean_template("subject_template")

    def clean_text_template(self) -> str:
        return self._clean_template("text_template")

    def clean_html_template(self) -> str:
        return self._clean_template("html_template")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "named" in (cleaned.get("recipient_kinds") or []) and not cleaned.get("addresses"):
            self.add_error("addresses", "Give at least one address, or untick 'named addresses'.")
        return cleaned
