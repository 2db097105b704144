from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from secmods.core.admin import (
    RegisteredInlines,
    SafeFieldsMixin,
    SafeInlineMixin,
    ServiceAdminMixin,
    ServiceWritesAdmin,
    adopt,
    registered_inline_for,
    save_formset_through,
    shared_choices_formset,
)
from secmods.glossary.selectors import terms_used_by
from secmods.rules import lifecycle

from . import selectors, services
from .forms import MilestoneForm, ModificationForm, MoveStageForm
from .models import Milestone, Modification, ReportSection, SecSection, StageChange

# The workspace's order: what an analyst works on first; long records last and collapsed.
# Inlines other apps register are placed by their model; any other goes after these.
INLINE_ORDER: tuple[str, ...] = (
    "modifications.milestone",
    "committees.agendaitem",
    "consultations.comment",
    "consultations.consultation",
    "documents.document",
    "modifications.reportsection",
    "documents.reportversion",
    "modifications.stagechange",
    "reminders.reminder",
)


def _inline_rank(inline: Any) -> int:
    label = inline.model._meta.label_lower
    return INLINE_ORDER.index(label) if label in INLINE_ORDER else len(INLINE_ORDER)


@admin.register(SecSection)
class SecSectionAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["code", "title"]
    search_fields = ["code", "title"]

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        return services.save_sec_section(current, **fields)

    def service_delete(self, request: HttpRequest, obj: SecSection) -> None:
        services.delete_sec_section(obj)


class ReportSectionForm(forms.ModelForm):
    class Meta:
        model = ReportSection
        fields = ["order", "level", "heading", "body"]
        # Short boxes that grow as typed into: a report is a dozen sections.
        widgets = {"body": forms.Textarea(attrs={"rows": 3, "class": "report-body"})}


class ReportSectionInline(SafeInlineMixin, admin.StackedInline):
    model = ReportSection
    form = ReportSectionForm
    extra = 0
    fields = [("order", "level"), "heading", "body"]
    classes = ["collapse"]


def milestone_notes(obj: Milestone) -> str:
    """ "Overdue" and the first plan, for the timetable's lists (empty on an unsaved row)."""
    if obj.pk is None:
        return ""
    was = f"was {obj.baseline}" if obj.is_replanned else ""
    if obj.is_overdue:
        return format_html('<strong class="overdue" style="color:#8a4b00">Overdue</strong> {}', was)
    return was


class MilestoneInline(SafeInlineMixin, admin.TabularInline):
    model = Milestone
    form = MilestoneForm
    formset = shared_choices_formset("meeting")
    # A search box: a <select> offered every meeting ever held on every row.
    autocomplete_fields = ["meeting"]
    plain_pickers = ("meeting",)
    extra = 0
    verbose_name_plural = "timetable"
    fields = [
        "kind",
        "label",
        "status",
        "meeting",
        "when",
        "baseline_display",
        "order",
        "loaded_version",
    ]
    readonly_fields = ["baseline_display"]

    @admin.display(description="Notes")
    def baseline_display(self, obj: Milestone) -> str:
        return milestone_notes(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Milestone]:
        return super().get_queryset(request).select_related("meeting__committee")


_STAGE_CHANGE_COLUMNS: tuple[str, ...] = (
    "changed_at",
    "from_stage",
    "to_stage",
    "decided_by",
    "meeting",
    "reason",
    "changed_by",
)


class StageChangeInline(SafeFieldsMixin, admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    fields = readonly_fields = _STAGE_CHANGE_COLUMNS
    verbose_name_plural = "stage history"
    classes = ["collapse"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[StageChange]:
        return super().get_queryset(request).select_related("changed_by", "meeting__committee")


@admin.register(Modification)
class ModificationAdmin(ServiceAdminMixin, RegisteredInlines, SimpleHistoryAdmin):
    form = ModificationForm
    change_form_template = "admin/modifications/modification/change_form.html"
    list_display = [
        "reference_display",
        "title",
        "stage",
        "path",
        "proposer_organisation",
        "raised_on",
        "is_published",
    ]
    list_display_links = ["reference_display", "title"]
    list_select_related = ["proposer__organisation"]
    list_filter = ["stage", "path", "sec_sections", "impacted_party_categories"]
    search_fields = ["title"]
    # "Show all" instead of a second count of the whole register under every search.
    show_full_result_count = False
    search_help_text = "A reference in any spelling (MP160, mp 160, DP160, 160) or title words."
    autocomplete_fields = ["proposer", "lead_analyst", "target_release"]
    filter_horizontal = ["sec_sections", "impacted_party_categories"]
    # No "version": it is the edit check's counter (the hidden loaded_version), not something
    # an analyst reads or sets.
    readonly_fields = ["reference_display", "glossary_terms"]
    # Other apps add theirs (agenda items, reminders, documents) from their AppConfig.ready().
    inlines = [ReportSectionInline, MilestoneInline, StageChangeInline]
    fieldsets: Any = [
        (
            None,
            {
                "fields": [
                    "reference_display",
                    ("number", "alternative_of"),
                    "title",
                    ("stage", "path"),
                    ("is_urgent", "is_authority_led"),
                    ("proposer", "lead_analyst"),
                    ("raised_on", "target_release"),
                    "latest_update",
                    "published_at",
                    "loaded_version",
                ]
            },
        ),
        (
            "SEC sections and impact",
            {
                "classes": ["collapse"],
                "fields": ["sec_sections", "sec_provisions", "impacted_party_categories"],
            },
        ),
        (
            "Decisions (read by the lifecycle guards)",
            {
                "classes": ["collapse"],
                "fields": [
                    "problem_statement_agreed",
                    "refinement_not_needed_reason",
                    "dcc_impact_assessment",
                    "change_board_outcome",
                    "authority_decision",
                    "appeal_window_closes_on",
                ],
            },
        ),
        ("Glossary", {"classes": ["collapse"], "fields": ["glossary_terms"]}),
    ]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return sorted(super().get_inlines(request, obj), key=_inline_rank)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        modification = self.get_object(request, unquote(object_id))
        if modification is not None:
            extra_context = {
                **(extra_context or {}),
                "workspace": self._workspace_header(request, modification),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _workspace_header(self, request: HttpRequest, modification: Modification) -> Any:
        """The summary at the top of the page: where the modification stands, and the
        actions this user's role may take (no button that would answer 403)."""
        milestones = list(selectors.timetable(modification))
        user = request.user
        return {
            "next_key": selectors.next_key_milestone(milestones),
            "overdue": selectors.overdue_count(milestones),
            "may_move": self.has_change_permission(request, modification),
            "may_import": user.has_perms(
                ["modifications.add_modification", "modifications.change_modification"]
            ),
            "may_add_document": user.has_perm("documents.add_document"),
            "viewer_may_post": any(
                getattr(inline, "open_to_viewers", False)
                for inline in self.get_inline_instances(request, modification)
            ),
        }

    # --- A member comments on a page he may only view ----------------------------------
    # Django refuses any POST from a user without change permission. An inline marked
    # `open_to_viewers` (the comments) is the exception: only its rows are read from the
    # POST and saved through its services; every other field on the page stays read-only.
    def _changeform_view(
        self, request: HttpRequest, object_id: Any, form_url: str, extra_context: Any
    ) -> Any:
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if (
                obj is not None
                and not self.has_change_permission(request, obj)
                and self.has_view_permission(request, obj)
            ):
                return self._post_as_viewer(request, obj, object_id, form_url, extra_context)
        return super()._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def _post_as_viewer(
        self,
        request: HttpRequest,
        obj: Modification,
        object_id: str,
        form_url: str,
        extra_context: Any,
    ) -> Any:
        posted = []
        prefixes: dict[str, int] = {}
        for formset_class, inline in self.get_formsets_with_inlines(request, obj):
            prefix = formset_class.get_default_prefix()
            prefixes[prefix] = prefixes.get(prefix, 0) + 1
            if prefixes[prefix] != 1 or not prefix:
                prefix = f"{prefix}-{prefixes[prefix]}"
            if getattr(inline, "open_to_viewers", False):
                kwargs = self.get_formset_kwargs(request, obj, inline, prefix)
                posted.append((formset_class(**kwargs), inline))
        if not posted:
            raise PermissionDenied
        if all(formset.is_valid() for formset, _inline in posted):
            try:
                with transaction.atomic():
                    for formset, inline in posted:
                        inline.save_through_services(request, formset, obj)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, "Your comments were saved.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:modifications_modification_change", args=[obj.pk])
                )
        # Shown again as the page is shown, with what was typed and the errors beside it.
        request._viewer_post = (request.POST, request.FILES)  # type: ignore[attr-defined]
        request.method = "GET"
        return super()._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def get_formset_kwargs(self, request: HttpRequest, obj: Any, inline: Any, prefix: str) -> Any:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        viewer_post = getattr(request, "_viewer_post", None)
        if viewer_post is not None and getattr(inline, "open_to_viewers", False):
            kwargs.update(data=viewer_post[0].copy(), files=viewer_post[1])
        return kwargs

    def get_inline_formsets(
        self, request: HttpRequest, formsets: Any, inline_instances: Any, obj: Any = None
    ) -> Any:
        if obj is None or self.has_change_permission(request, obj):
            return super().get_inline_formsets(request, formsets, inline_instances, obj)
        shown = []
        for inline, formset in zip(inline_instances, formsets, strict=True):
            if not getattr(inline, "open_to_viewers", False):
                shown += super().get_inline_formsets(request, [formset], [inline], obj)
                continue
            # Its own permissions, not the page's (Django gives a viewer none).
            shown.append(
                helpers.InlineAdminFormSet(
                    inline,
                    formset,
                    list(inline.get_fieldsets(request, obj)),
                    dict(inline.get_prepopulated_fields(request, obj)),
                    list(inline.get_readonly_fields(request, obj)),
                    model_admin=self,
                    has_add_permission=inline.has_add_permission(request, obj),
                    has_change_permission=inline.has_change_permission(request, obj),
                    has_delete_permission=inline.has_delete_permission(request, obj),
                    has_view_permission=inline.has_view_permission(request, obj),
                )
            )
        return shown

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        main = [f for f in self.fieldsets[0][1]["fields"] if f not in ("loaded_version",)]
        if obj is None:
            # Adding: no reference or glossary yet; 'alternative of' gives a letter.
            main = [f for f in main if f != "reference_display"]
            return [(None, {"fields": main}), *self.fieldsets[1:3]]
        main = [("number",) if f == ("number", "alternative_of") else f for f in main]
        if self.has_change_permission(request, obj):
            main.append("loaded_version")
        return [(None, {"fields": main}), *self.fieldsets[1:]]

    @admin.display(description="Reference", ordering="number")
    def reference_display(self, obj: Modification) -> str:
        return obj.reference

    @admin.display(description="Proposer", ordering="proposer__organisation__name")
    def proposer_organisation(self, obj: Modification) -> str:
        if obj.proposer is None:
            return ""
        org = obj.proposer.organisation
        return f"{obj.proposer.name} ({org.short_name or org.name})" if org else obj.proposer.name

    @admin.display(description="Published", boolean=True)
    def is_published(self, obj: Modification) -> bool:
        return obj.is_published

    @admin.display(description="Terms its text uses")
    def glossary_terms(self, obj: Modification) -> str:
        terms = terms_used_by(obj)
        if not terms:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li><b>{}</b> {}</li>", ((t.acronym, t.full_term) for t in terms)
            ),
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Modification], search_term: str
    ) -> tuple[QuerySet[Modification], bool]:
        return selectors.search_modifications(queryset, search_term), False

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # /admin/modifications/modification/MP160/change/ works as well as the id.
        obj = super().get_object(request, object_id, from_field) if object_id.isdecimal() else None
        if obj is None:
            obj = selectors.get_by_reference(object_id, self.get_queryset(request))
        return obj

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # /admin/modifications/modification/MP160/history/ as well as the id.
        if not object_id.isdigit():
            found = selectors.get_by_reference(object_id, self.get_queryset(request))
            if found is None:
                raise Http404(f"No modification {object_id}.")
            object_id = str(found.pk)
        return super().history_view(request, object_id, extra_context)

    # --- Writes: every one through the services -------------------------------------------
    def save_model(self, request: HttpRequest, obj: Modification, form: Any, change: bool) -> None:
        fields = form.service_fields()
        if change:
            saved = services.update_modification(
                obj,
                expected_version=form.cleaned_data.get("loaded_version"),
                user=request.user,
                **fields,
            )
        else:
            number = fields.pop("number", None)
            saved = services.create_modification(
                number=number,
                alternative_of=form.cleaned_data.get("alternative_of"),
                user=request.user,
                **fields,
            )
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Modification) -> None:
        services.delete_modification(obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Modification]) -> None:
        for obj in queryset:
            services.delete_modification(obj, user=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        modification = form.instance
        model = formset.model
        if model is Milestone:
            save_formset_through(
                formset,
                create=lambda f: services.add_milestone(
                    modification, user=request.user, **f.service_fields()
                ),
                update=lambda f, obj: services.update_milestone(
                    obj,
                    expected_version=f.cleaned_data.get("loaded_version"),
                    user=request.user,
                    **f.service_fields(),
                ),
                delete=lambda f, obj: services.delete_milestone(
                    obj, expected_version=f.cleaned_data.get("loaded_version"), user=request.user
                ),
            )
        elif model is ReportSection:
            save_formset_through(
                formset,
                create=lambda f: services.save_report_section(modification, **_section_fields(f)),
                update=lambda f, obj: services.save_report_section(
                    modification, section=obj, **_section_fields(f)
                ),
                delete=lambda f, obj: services.delete_report_section(obj),
            )
        else:
            # An inline another app adds saves through that app's services (the agenda's,
            # committees'); the stage history and the read-only lists (documents,
            # reminders) refuse any row change.
            inline = registered_inline_for(self.model._meta.label, model)
            if inline is not None and hasattr(inline, "save_through_services"):
                inline.save_through_services(request, formset, modification)
            else:
                save_formset_through(formset)

    # --- Move stage ----------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        urls = super().get_urls()
        custom = [
            path(
                "<path:object_id>/move/",
                self.admin_site.admin_view(self.move_stage_view),
                name="modifications_modification_move",
            )
        ]
        return custom + urls

    def move_stage_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        modification = self.get_object(request, object_id)
        if modification is None:
            get_object_or_404(Modification, pk=-1)
        if not self.has_change_permission(request, modification):
            raise PermissionDenied
        form = MoveStageForm(request.POST or None, modification=modification)
        # A search, not a list of every meeting ever held (6,000 at 10,000 modifications);
        # the meeting admin's search understands "CSC mar 2026".
        meeting = form.fields["meeting"]
        assert isinstance(meeting, forms.ModelChoiceField)
        meeting.widget = AutocompleteSelect(StageChange._meta.get_field("meeting"), self.admin_site)
        meeting.widget.choices = meeting.choices
        if request.method == "POST" and form.is_valid():
            try:
                change = services.move_stage(
                    modification,
                    to=form.cleaned_data["to"],
                    reason=form.cleaned_data["reason"],
                    decided_by=form.cleaned_data["decided_by"],
                    meeting=form.cleaned_data["meeting"],
                    user=request.user,
                    expected_version=form.cleaned_data["loaded_version"],
                )
            except ValidationError as exc:  # refused by the table, or stale
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    f"{modification.reference} moved from {change.get_from_stage_display()} "
                    f"to {change.get_to_stage_display()}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:modifications_modification_change", args=[modification.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": modification,
            "title": f"Move {modification.reference} to another stage",
            "form": form,
            "media": self.media + form.media,
            "moves": lifecycle.describe(),
            "has_view_permission": True,
        }
        return TemplateResponse(
            request, "admin/modifications/modification/move_stage.html", context
        )


@admin.register(Milestone)
class MilestoneAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = MilestoneForm
    list_display = ["label", "modification", "kind", "when_display", "status_display", "meeting"]
    list_select_related = ["modification", "meeting__committee"]
    list_filter = ["kind", "status", "precision"]
    search_fields = ["label"]
    autocomplete_fields = ["modification"]
    fields = ["modification", "kind", "label", "status", "meeting", "when", "order"]

    @admin.display(description="Date", ordering="date_from")
    def when_display(self, obj: Milestone) -> str:
        return f"{obj.when} (was {obj.baseline})" if obj.is_replanned else str(obj.when)

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: Milestone) -> str:
        if obj.is_overdue:
            return mark_safe('<strong class="overdue" style="color:#8a4b00">Overdue</strong>')
        return obj.get_status_display()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.fields, "loaded_version"] if obj is not None else self.fields

    def save_model(self, request: HttpRequest, obj: Milestone, form: Any, change: bool) -> None:
        fields = form.service_fields()
        if change:
            saved = services.update_milestone(
                obj,
                expected_version=form.cleaned_data.get("loaded_version"),
                user=request.user,
                modification=form.cleaned_data.get("modification", obj.modification),
                **fields,
            )
        else:
            saved = services.add_milestone(
                form.cleaned_data["modification"], user=request.user, **fields
            )
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Milestone) -> None:
        services.delete_milestone(obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Milestone]) -> None:
        for obj in queryset:
            services.delete_milestone(obj, user=request.user)


def _section_fields(form: Any) -> dict[str, Any]:
    return {k: form.cleaned_data[k] for k in ("order", "level", "heading", "body")}
