"""Admin helpers shared by the apps."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import router, transaction
from django.forms.models import BaseInlineFormSet
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from .pagecache import public_content_changed

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


def registered_inline_for(model_label: str, row_model: Any) -> Any:
    """The inline another app registered on `model_label`'s page for rows of `row_model`:
    the page's save_formset hands its rows to the inline's `save_through_services`."""
    return next((i for i in _inlines.get(model_label, []) if i.model is row_model), None)


class RegisteredInlines:
    """ModelAdmin mixin: the class's own `inlines`, then those other apps registered."""

    model: Any
    inlines: Any

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [*self.inlines, *registered_inlines(self.model._meta.label)]


class SharedChoicesFormSet(BaseInlineFormSet):
    """Evaluate the choices of the foreign-key selects once per formset, not once per row.

    Without this, an inline of N milestones runs the meetings query N times. An
    autocomplete select offers no list at all: the rows' chosen objects are looked up in
    one query for the whole formset (Django's widget asks once per row).
    """

    shared_choice_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shared_choices: dict[str, Any] = {}
        for form in self.forms:
            self._share(form)

    def _share(self, form: Any) -> Any:
        for name in self.shared_choice_fields:
            field = form.fields.get(name)
            if field is None:
                continue
            inner = getattr(field.widget, "widget", field.widget)
            if isinstance(inner, AutocompleteMixin):
                key = f"{name} chosen"
                if key not in self._shared_choices:
                    self._shared_choices[key] = self._chosen(name, field)
                inner.known = self._shared_choices[key]  # type: ignore[attr-defined]
            elif isinstance(inner, forms.widgets.ChoiceWidget):
                # (A row may show its value as text instead: no choices to share then.)
                if name not in self._shared_choices:
                    self._shared_choices[name] = list(field.choices)
                field.choices = self._shared_choices[name]
        return form

    def _chosen(self, name: str, field: Any) -> dict[str, tuple[Any, str]]:
        """{str(pk): (pk, label)} of the objects the rows hold (posted or saved)."""
        values = {str(v) for form in self.forms if (v := form[name].value()) not in (None, "")}
        wanted = _pk_candidates(field, values)
        if not wanted:
            return {}
        return {
            str(obj.pk): (obj.pk, field.label_from_instance(obj))
            for obj in field.queryset.filter(pk__in=wanted)
        }

    @property
    def empty_form(self) -> Any:
        return self._share(super().empty_form)


def shared_choices_formset(*names: str) -> type[SharedChoicesFormSet]:
    return type("SharedChoicesFormSet", (SharedChoicesFormSet,), {"shared_choice_fields": names})


# --- Widgets rendered by Jinja2 -----------------------------------------------------
class AdminFormRenderer(BaseRenderer):
    """Django's own widget and label templates rendered from their Jinja2 copies
    (django/forms/jinja2/, kept in step with the Django ones; the same markup but for
    the line break after each widget, and an apostrophe in a value escaped &#39; rather
    than &#x27;); every other template (error lists, the admin's widget wrappers, ours) by
    the Django engine as before.

    A modification's page renders some 600 widgets (20 milestones of 8 fields, 30 comments,
    8 report sections...), each through a template with an include per attribute list and
    per <option>: with Django's engine that was two fifths of the page's time. Only the
    admin's forms use it: the public pages' markup stays as it is, byte for byte."""

    @functools.cached_property
    def django(self) -> DjangoTemplates:
        return DjangoTemplates()

    @functools.cached_property
    def jinja2(self) -> Jinja2:
        return Jinja2()

    def get_template(self, template_name: str) -> Any:
        # Error messages stay with Django's engine: its escaping (&#x27;, not Jinja2's
        # &#39;) is what the pages showed and tests read; they are few on any page.
        if template_name.startswith("django/forms/") and not template_name.startswith(
            "django/forms/errors/"
        ):
            return self.jinja2.get_template(template_name)
        return self.django.get_template(template_name)

    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        # Every field's error list is rendered, errors or not (~400 on a modification's
        # page); with none, both templates write nothing.
        if template_name in _ERROR_LIST_TEMPLATES and not context.get("errors"):
            return ""
        return super().render(template_name, context, request)


_ERROR_LIST_TEMPLATES = frozenset(
    {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}
)


@functools.cache
def admin_form_renderer() -> AdminFormRenderer:
    # One per process, as Django's get_default_renderer(): it holds the compiled templates.
    return AdminFormRenderer()


# --- Every admin write goes through a service ------------------------------------------
class SafeErrorsForm:
    """An error a service or a model gives for a field the form does not show (date_from
    behind a "when" box, a field a role cannot edit) goes on the form as a whole: Django's
    own add_error raises ValueError there, which is a 500."""

    def add_error(self, field: str | None, error: Any) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = name if name in fields or name == NON_FIELD_ERRORS else None
                super().add_error(target, errors)  # type: ignore[misc]
            return
        if isinstance(error, dict):
            for name, errors in error.items():
                target = name if name in fields or name == NON_FIELD_ERRORS else None
                super().add_error(target, errors)  # type: ignore[misc]
            return
        if field is not None and field not in fields:
            field = None
        super().add_error(field, error)  # type: ignore[misc]


def safe_form(form_class: type[Any], refusal: ValidationError | None = None) -> type[Any]:
    """`form_class` with SafeErrorsForm, and a service's earlier refusal of this very POST
    added as its errors (see ServiceAdminMixin.changeform_view)."""
    attrs: dict[str, Any] = {}
    if refusal is not None:

        def clean(self: Any) -> Any:
            cleaned = super(cls, self).clean()  # type: ignore[misc,arg-type]
            self.add_error(None, refusal)
            return cleaned

        attrs["clean"] = clean
    bases = (
        (form_class,) if issubclass(form_class, SafeErrorsForm) else (SafeErrorsForm, form_class)
    )
    cls = type(form_class.__name__, bases, attrs)
    return cls


def adopt(obj: Any, saved: Any) -> Any:
    """Copy what a service saved onto the object the admin holds (its formsets, its log
    entry and its redirect all read that object)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db
    return obj


def save_formset_through(
    formset: Any,
    *,
    create: Callable[[Any], Any] | None = None,
    update: Callable[[Any, Any], Any] | None = None,
    delete: Callable[[Any, Any], None] | None = None,
) -> None:
    """Save an inline formset row by row through the given service calls, and record what
    changed the way Django's formset.save() does (the admin's change message reads it).
    A row kind with no service call given is refused."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.initial_forms:
        obj = form.instance
        if formset.can_delete and formset._should_delete_form(form):
            if obj.pk is None:
                continue
            if delete is None:
                raise ValidationError("These rows cannot be deleted here.")
            delete(form, obj)
            formset.deleted_objects.append(obj)
        elif form.has_changed():
            if update is None:
                raise ValidationError("These rows cannot be changed here.")
            saved = update(form, obj)
            adopt(obj, saved)
            formset.changed_objects.append((obj, form.changed_data))
    for form in formset.extra_forms:
        if not form.has_changed() or (formset.can_delete and formset._should_delete_form(form)):
            continue
        if create is None:
            raise ValidationError("Rows cannot be added here.")
        saved = create(form)
        adopt(form.instance, saved)
        formset.new_objects.append(form.instance)


def model_fields(form: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The cleaned values of the form's editable model fields (m2m included), for a service."""
    names = {f.name for f in form._meta.model._meta.get_fields() if getattr(f, "editable", False)}
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in names and name not in exclude and not form.fields[name].disabled
    }


# --- Choice fields that refuse any posted value with a form error -------------------------
def _pk_candidates(field: Any, values: Any) -> list[Any]:
    """The posted values the related primary key can hold; others are dropped (no row
    has them). An integer past the column's range would make the database lookup raise."""
    pk = field.queryset.model._meta.pk
    kept = []
    for value in values:
        try:
            python = pk.to_python(value)
        except ValidationError:
            continue
        if isinstance(python, int) and not -(2**63) <= python < 2**63:
            continue
        kept.append(value)
    return kept


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> Any:
        if any(v not in _pk_candidates(self, [v]) for v in value if str(v).strip()):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""}
            )
        return super()._check_values(value)  # type: ignore[misc,arg-type]


class SafeModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not _pk_candidates(self, [value]):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class SafeAutocompleteMixin:
    """An autocomplete select that refuses nothing with a 500 and renders valid HTML; given
    `known` (see SharedChoicesFormSet) it renders the chosen option without a query."""

    known: dict[str, tuple[Any, str]] | None = None

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        # Re-rendering a refused form: the autocomplete looks the posted ids up, which
        # raises for a value that is no id at all.
        value = _pk_candidates(self.choices, value)  # type: ignore[attr-defined]
        chosen = {str(v) for v in value if str(v) not in ("", "None")}
        if self.known is not None and chosen <= self.known.keys():
            groups: Any = [(None, [], 0)]
            options = groups[0][1]
            if not self.is_required and not self.allow_multiple_selected:  # type: ignore[attr-defined]
                options.append(self.create_option(name, "", "", False, 0))  # type: ignore[attr-defined]
            for key in sorted(chosen):
                pk, label = self.known[key]
                options.append(self.create_option(name, pk, label, chosen, len(options)))  # type: ignore[attr-defined]
        else:
            groups = super().optgroups(name, value, attr)  # type: ignore[misc]
        for _group, options, _index in groups:
            for option in options:
                if option["value"] == "" and not option["label"]:
                    # An empty <option> is invalid HTML; select2 shows its placeholder
                    # in place of the blank choice's text anyway.
                    option["label"] = "---------"
        return groups


_safe_classes: dict[type[Any], type[Any]] = {}


def _safe_widget(widget: Any) -> None:
    inner = getattr(widget, "widget", widget)  # admin's RelatedFieldWidgetWrapper
    if isinstance(inner, AutocompleteMixin) and not isinstance(inner, SafeAutocompleteMixin):
        # A subclass, not a patched method: the admin deep-copies the widget for each form,
        # and a copied bound method would still run on the original widget.
        cls = type(inner)
        if cls not in _safe_classes:
            _safe_classes[cls] = type(f"Safe{cls.__name__}", (SafeAutocompleteMixin, cls), {})
        inner.__class__ = _safe_classes[cls]


def safe_formfield(formfield: Any) -> Any:
    if formfield is None:
        return None
    if type(formfield) is forms.ModelMultipleChoiceField:
        formfield.__class__ = SafeModelMultipleChoiceField
    elif type(formfield) is forms.ModelChoiceField:
        formfield.__class__ = SafeModelChoiceField
    _safe_widget(formfield.widget)
    return formfield


#: How many rows one save of an inline may add. Django bounds a posted formset at its
#: absolute_max (2,000 forms by default) and renders that many on the refused page: a POST
#: claiming 100,000 rows cost several seconds of CPU per inline. No analyst adds a hundred
#: milestones or comments in one save; more rows than that are a tampered form.
ROWS_ADDED_AT_ONCE = 100


def bounded_formset(formset: type) -> type:
    """The inline formset class, bounded per page at its existing rows + ROWS_ADDED_AT_ONCE
    (a bound on the class alone would refuse a save of a modification with more rows).
    A subclass per call, not a cache: get_formset makes a new class on every request."""

    # Properties, not values set in __init__: some formsets build their forms in __init__.
    def bound(self: Any) -> int:
        if not hasattr(self, "_rows_bound"):
            # The formset reads these rows anyway; len() fills the queryset's cache it uses.
            self._rows_bound = len(self.get_queryset()) + ROWS_ADDED_AT_ONCE
        return self._rows_bound  # type: ignore[no-any-return]

    # The admin sets max_num on a formset it shows read-only (options.py, _create_formsets):
    # the value set, bounded too.
    def getter(name: str) -> Any:
        def get(self: Any) -> int:
            return min(self.__dict__.get(f"_{name}", getattr(formset, name)), bound(self))

        return get

    def setter(name: str) -> Any:
        def set_(self: Any, value: int) -> None:
            self.__dict__[f"_{name}"] = value

        return set_

    # Django's "Please submit at most N forms" names max_num: the real bound, too.
    attributes = {
        name: property(getter(name), setter(name)) for name in ("absolute_max", "max_num")
    }
    return type(formset.__name__, (formset,), attributes)


class SafeFieldsMixin:
    # Foreign keys shown as the bare picker, without the add / change / delete / view icons
    # beside it: on a page with a picker per row those are four links a row (and their
    # wrapper reverses four URLs per row), and choosing is what the row is for.
    plain_pickers: tuple[str, ...] = ()

    # The admin's forms and inline formsets render through AdminFormRenderer (a formset
    # hands its renderer to its forms). get_form is the ModelAdmin's, get_formset an
    # inline's: each class has only one of the two.
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        form.default_renderer = admin_form_renderer()
        return form

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.renderer = admin_form_renderer()
        return bounded_formset(formset)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is not None and db_field.name in self.plain_pickers:
            formfield.widget = getattr(formfield.widget, "widget", formfield.widget)
        return safe_formfield(formfield)

    # A safety net for the few admin writes that call no service (their rows are not on
    # the register today): any change through the admin lets the public pages go. Admins
    # whose saves call services get the services' own bump.
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        public_content_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        public_content_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        public_content_changed()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        public_content_changed()


class ServiceAdminMixin(SafeFieldsMixin):
    """For a ModelAdmin whose save_model/save_related/save_formset/delete_model call
    services. A service that refuses (a ValidationError) after the form was valid rolls the
    whole POST back and the same POST is shown again with the service's messages on the
    form: a refusal is a form error, never a 500 and never a partial write."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        using = router.db_for_write(self.model)  # type: ignore[attr-defined]
        try:
            with transaction.atomic(using=using):
                return self._changeform_view(  # type: ignore[attr-defined]
                    request, object_id, form_url, extra_context
                )
        except ValidationError as exc:
            if request.method != "POST" or hasattr(request, "_service_refusal"):
                raise
            request._service_refusal = exc  # type: ignore[attr-defined]
        with transaction.atomic(using=using):
            return self._changeform_view(  # type: ignore[attr-defined]
                request, object_id, form_url, extra_context
            )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        return safe_form(form, getattr(request, "_service_refusal", None))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # save_model's service wrote the many-to-many fields already.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)  # type: ignore[attr-defined]

    def history_form_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Reverting would write an old copy past the services and their version check; the
        # history pages are for reading (SIMPLE_HISTORY_REVERT_DISABLED hides the button).
        if request.method == "POST":
            raise PermissionDenied("Reverting is not offered; change the fields instead.")
        return super().history_form_view(request, *args, **kwargs)  # type: ignore[misc]


class ServiceWritesAdmin(ServiceAdminMixin):
    """For the admin of a row that one service saves and one deletes (reference data:
    committees, Releases, SEC Sections, Party Categories...): the subclass names the calls,
    this routes add, change, delete and the "delete selected" action through them."""

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        raise NotImplementedError

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        model = self.model  # type: ignore[attr-defined]
        current = model._default_manager.get(pk=obj.pk) if change else None
        adopt(obj, self.service_save(request, current, model_fields(form)))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            try:
                with transaction.atomic(using=queryset.db):
                    self.service_delete(request, obj)
            except ValidationError as exc:
                self.message_user(  # type: ignore[attr-defined]
                    request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR
                )

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # A service that refuses a delete says why on the page, never a 500.
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):  # type: ignore[attr-defined]
                return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.path)


class SafeInlineMixin(SafeFieldsMixin):
    """An inline whose forms put a service's field errors on the form, never a ValueError."""

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.form = safe_form(formset.form)
        return formset
