"""Admin helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django.forms.models import BaseInlineFormSet


class SharedChoicesFormSet(BaseInlineFormSet):
    """Evaluate the choices of the foreign-key selects once per formset, not once per row.

    Without this, an inline of N milestones runs the meetings query N times.
    """

    shared_choice_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shared_choices: dict[str, list[Any]] = {}
        for form in self.forms:
            self._share(form)

    def _share(self, form: Any) -> Any:
        for name in self.shared_choice_fields:
            field = form.fields.get(name)
            if field is None:
                continue
            if name not in self._shared_choices:
                self._shared_choices[name] = list(field.choices)
            field.choices = self._shared_choices[name]
        return form

    @property
    def empty_form(self) -> Any:
        return self._share(super().empty_form)


def shared_choices_formset(*names: str) -> type[SharedChoicesFormSet]:
    return type("SharedChoicesFormSet", (SharedChoicesFormSet,), {"shared_choice_fields": names})
