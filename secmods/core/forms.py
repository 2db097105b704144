"""Form pieces shared by the apps' admin forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from .concurrency import StaleWrite, lock_for_write


class VersionedForm(forms.ModelForm):
    """A change form that carries the version it was loaded at and, while the admin's POST
    transaction runs, holds the row locked from the check to the write (core/concurrency).

    Lock order: the admin validates the main form before its inlines, so a modification
    is locked before its milestones, as in the services."""

    loaded_version = forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
    )
    versioned_what = ""
    # The foreign key whose row the services lock before this one (a milestone's
    # modification): locked first here too, or two writers deadlock on PostgreSQL.
    lock_parent_first = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["loaded_version"] = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk and not self.errors and transaction.get_connection().in_atomic_block:
            try:
                if self.lock_parent_first:
                    field = self.instance._meta.get_field(self.lock_parent_first)
                    lock_for_write(
                        field.related_model,
                        getattr(self.instance, field.attname),
                        expected_version=None,
                    )
                lock_for_write(
                    type(self.instance),
                    self.instance.pk,
                    expected_version=cleaned.get("loaded_version"),
                    what=self.versioned_what or None,
                )
            except StaleWrite as exc:
                raise ValidationError(exc.messages, code="stale") from exc
        return cleaned
