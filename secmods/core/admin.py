"""Admin helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.options import InlineModelAdmin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

# --- Inlines that other apps add to a model's admin page ------------------------------
# A modification's page shows its agenda items, reminders, documents and earlier report
# texts; a person's page their memberships. Those belong to apps above (or beside) the one
# whose admin it is, so each app adds its own from its AppConfig.ready():
#     core_admin.register_inline("modifications.Modification", ReminderInline)
# and admins that take them inherit `RegisteredInlines`. Keyed by the model's label, so
# that registering needs no import of the app whose page it is.
_inlines: dict[str, list[type[InlineModelAdmin[Any, Any]]]] = {}


def register_inline(model_label: str, inline: type[InlineModelAdmin[Any, Any]]) -> None:
    registered = _inlines.setdefault(model_label, [])
    if inline not in registered:
        registered.append(inline)


def registered_inlines(model_label: str) -> list[type[InlineModelAdmin[Any, Any]]]:
    return list(_inlines.get(model_label, []))


class RegisteredInlines:
    """ModelAdmin mixin: the class's own `inlines`, then those other apps registered."""

    model: Any
    inlines: Any

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [*self.inlines, *registered_inlines(self.model._meta.label)]


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
