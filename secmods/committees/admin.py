from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from secmods.core.admin import (
    SafeInlineMixin,
    ServiceAdminMixin,
    ServiceWritesAdmin,
    adopt,
    model_fields,
    save_formset_through,
    shared_choices_formset,
)
from secmods.core.forms import VersionedForm
from secmods.core.roles import is_secas_staff
from secmods.parties.models import Organisation, PartyCategory

from . import selectors, services
from .models import AgendaItem, Committee, Meeting, Membership, Release


class CommitteeMembershipInline(SafeInlineMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]
    list_select_related = ["person__organisation", "party_category"]


class InviteMemberForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = forms.EmailField()
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.all(), required=False)
    party_category = forms.ModelChoiceField(
        queryset=PartyCategory.objects.all(),
        required=False,
        help_text="The Party Category the member represents (Change Board votes count by it).",
    )


@admin.register(Committee)
class CommitteeAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["name", "abbreviation", "kind", "papers_due_working_days", "invite_link"]
    list_filter = ["kind"]
    search_fields = ["name", "abbreviation"]
    prepopulated_fields = {"slug": ["abbreviation"]}
    inlines = [CommitteeMembershipInline]

    def get_list_display(self, request: HttpRequest) -> Any:
        # Only SECAS staff invite members: nobody else is shown a link that would refuse them.
        shown = list(super().get_list_display(request))
        return shown if is_secas_staff(request.user) else [f for f in shown if f != "invite_link"]

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        return services.save_committee(current, **fields)

    def service_delete(self, request: HttpRequest, obj: Committee) -> None:
        services.delete_committee(obj)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        committee = form.instance
        save_formset_through(
            formset,
            create=lambda f: services.save_membership(**model_fields(f), committee=committee),
            update=lambda f, obj: services.save_membership(obj, **model_fields(f)),
            delete=lambda f, obj: services.end_membership(obj),
        )

    @admin.display(description="")
    def invite_link(self, obj: Committee) -> str:
        return format_html(
            '<a href="{}">Invite a member</a>',
            reverse("admin:committees_committee_invite", args=[obj.pk]),
        )

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "<int:pk>/invite-member/",
                self.admin_site.admin_view(self.invite_view),
                name="committees_committee_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Create a member's account and email them a set-password link."""
        committee = get_object_or_404(Committee, pk=pk)
        if not is_secas_staff(request.user):
            raise PermissionDenied
        form = InviteMemberForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.invite_committee_member(committee=committee, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(
                    request, f"{form.cleaned_data['email']} invited: a set-password link is sent."
                )
                return HttpResponseRedirect(reverse("admin:committees_committee_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": committee,
            "title": f"Invite a member of the {committee.name}",
            "form": form,
        }
        return TemplateResponse(request, "admin/committees/invite_member.html", context)


@admin.register(Membership)
class MembershipAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["person", "committee", "role", "party_category", "start_date", "end_date"]
    list_select_related = ["person__organisation", "committee", "party_category"]
    list_filter = ["committee", "party_category"]
    search_fields = ["person__name", "committee__name", "committee__abbreviation"]
    autocomplete_fields = ["person", "committee"]

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        current = Membership.objects.get(pk=obj.pk) if change else None
        adopt(obj, services.save_membership(current, **model_fields(form)))

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.end_membership(obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset:
            services.end_membership(membership)


class AgendaItemInline(SafeInlineMixin, admin.TabularInline):
    model = AgendaItem
    extra = 0
    autocomplete_fields = ["modification"]
    # Outcomes are recorded on the agenda page, through the service that marks milestones.
    fields = ["order", "modification", "purpose", "decision", "outcome"]
    readonly_fields = ["decision", "outcome"]


class MeetingForm(VersionedForm):
    versioned_what = "meeting"

    class Meta:
        model = Meeting
        fields = ["committee", "starts_at", "title", "location", "status"]


_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@admin.register(Meeting)
class MeetingAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = MeetingForm
    list_display = ["__str__", "committee", "starts_at", "status", "location", "agenda_link"]
    list_select_related = ["committee"]
    list_filter = ["committee", "status"]
    date_hierarchy = "starts_at"
    search_fields = ["title", "committee__name", "committee__abbreviation"]
    inlines = [AgendaItemInline]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # The pickers on a modification's page search here ("CSC 2026", "panel mar"): a
        # year or a month name narrows the dates, and the newest meetings come first.
        words, years, months = [], set(), set()
        for word in search_term.split():
            if word.isdecimal() and len(word) == 4:
                years.add(int(word))
            elif word[:3].lower() in _MONTHS and len(word) >= 3:
                months.add(_MONTHS.index(word[:3].lower()) + 1)
            else:
                words.append(word)
        queryset, duplicates = super().get_search_results(request, queryset, " ".join(words))
        if years:
            queryset = queryset.filter(starts_at__year__in=years)
        if months:
            queryset = queryset.filter(starts_at__month__in=months)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.select_related("committee").order_by("-starts_at")
        return queryset, duplicates

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["committee", "starts_at", "title", "location", "status"]
        return [*fields, "loaded_version"] if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Meeting, form: Any, change: bool) -> None:
        # Through the service: moving the meeting moves its milestones, bumps its calendar
        # SEQUENCE and the affected modifications' versions, exactly as through the API.
        fields = model_fields(form)
        if change:
            saved = services.update_meeting(
                obj, expected_version=form.cleaned_data.get("loaded_version"), **fields
            )
        else:
            saved = services.create_meeting(**fields)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Meeting) -> None:
        services.delete_meeting(obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            services.delete_meeting(obj)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        meeting = form.instance
        save_formset_through(
            formset,
            # Through the service: it also ties a timetable milestone to the meeting.
            create=lambda f: services.add_to_agenda(
                meeting,
                modification=f.cleaned_data["modification"],
                purpose=f.cleaned_data["purpose"],
            ),
            update=lambda f, obj: services.update_agenda_item(
                obj, **{k: f.cleaned_data[k] for k in f.changed_data}
            ),
            delete=lambda f, obj: services.remove_from_agenda(obj),
        )

    def get_urls(self):  # type: ignore[no-untyped-def]
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/agenda/", view(self.agenda_view), name="committees_meeting_agenda"),
            path(
                "<int:pk>/agenda/<int:item_pk>/outcome/",
                view(self.outcome_view),
                name="committees_meeting_outcome",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Agenda")
    def agenda_link(self, obj: Meeting) -> str:
        return format_html(
            '<a href="{}">Agenda</a>', reverse("admin:committees_meeting_agenda", args=[obj.pk])
        )

    def agenda_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = get_object_or_404(Meeting.objects.select_related("committee"), pk=pk)
        if not self.has_view_permission(request, meeting):
            raise PermissionDenied
        items = list(selectors.meeting_agenda(meeting))
        can_change = self.has_change_permission(request, meeting)
        error = ""
        if request.method == "POST" and can_change:
            try:
                positions = sorted(
                    items, key=lambda i: (int(request.POST.get(f"order-{i.pk}", "0") or 0), i.order)
                )
            except ValueError:
                error = "Positions must be whole numbers."
            else:
                try:
                    services.reorder_agenda(meeting, [i.pk for i in positions])
                except ValidationError as exc:
                    error = " ".join(exc.messages)
                else:
                    self.message_user(request, "Agenda reordered.")
                    return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": meeting,
            "meeting": meeting,
            "title": f"Agenda: {meeting.title or meeting}",
            "items": items,
            "papers_due": selectors.papers_due_on(meeting),
            "can_change": can_change,
            "error": error,
        }
        return TemplateResponse(request, "admin/committees/agenda.html", context)

    def outcome_view(self, request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
        item = get_object_or_404(
            AgendaItem.objects.select_related("meeting__committee", "modification"),
            pk=item_pk,
            meeting_id=pk,
        )
        if not self.has_change_permission(request, item.meeting):
            raise PermissionDenied
        form = AgendaOutcomeForm(
            request.POST or None,
            initial={"outcome": item.outcome, "decision": item.decision, "actions": item.actions},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.record_agenda_outcome(item, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(request, f"Outcome recorded for {item.modification.reference}.")
                return HttpResponseRedirect(reverse("admin:committees_meeting_agenda", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": item.meeting,
            "meeting": item.meeting,
            "item": item,
            "title": f"Outcome: {item.modification.reference} at {item.meeting}",
            "form": form,
        }
        return TemplateResponse(request, "admin/committees/outcome.html", context)


class AgendaOutcomeForm(forms.Form):
    outcome = forms.CharField(label="Minutes", widget=forms.Textarea(attrs={"rows": 6}))
    decision = forms.CharField(max_length=200, required=False)
    actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


@admin.register(Release)
class ReleaseAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["name", "date"]
    search_fields = ["name"]

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        return services.save_release(current, **fields)

    def service_delete(self, request: HttpRequest, obj: Release) -> None:
        services.delete_release(obj)


# --- Inlines on other apps' pages (registered in CommitteesConfig.ready) ---------------
class ModificationAgendaInline(SafeInlineMixin, admin.TabularInline):
    """On a modification's page: the meetings where it is presented."""

    model = AgendaItem
    formset = shared_choices_formset("meeting")
    # A search box: a <select> would offer every meeting ever held on every row.
    autocomplete_fields = ["meeting"]
    plain_pickers = ("meeting",)
    extra = 0
    fields = ["meeting", "purpose", "decision", "outcome"]
    # Outcomes are recorded from the meeting's agenda page (it marks milestones done).
    readonly_fields = ["decision", "outcome"]
    verbose_name = "meeting"
    verbose_name_plural = "meetings where it is presented"

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "meeting":
            kwargs["queryset"] = Meeting.objects.select_related("committee")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgendaItem]:
        return super().get_queryset(request).select_related("meeting__committee")

    @staticmethod
    def save_through_services(request: HttpRequest, formset: Any, modification: Any) -> None:
        save_formset_through(
            formset,
            create=lambda f: services.add_to_agenda(
                f.cleaned_data["meeting"],
                modification=modification,
                purpose=f.cleaned_data["purpose"],
            ),
            update=lambda f, obj: services.update_agenda_item(
                obj, **{k: f.cleaned_data[k] for k in ("meeting", "purpose")}
            ),
            delete=lambda f, obj: services.remove_from_agenda(obj),
        )


class MembershipInline(SafeInlineMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["committee"]

    @staticmethod
    def save_through_services(request: HttpRequest, formset: Any, person: Any) -> None:
        save_formset_through(
            formset,
            create=lambda f: services.save_membership(**model_fields(f), person=person),
            update=lambda f, obj: services.save_membership(obj, **model_fields(f)),
            delete=lambda f, obj: services.end_membership(obj),
        )
