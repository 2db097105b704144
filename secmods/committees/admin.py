from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from secmods.modifications import services as modification_services

from .models import AgendaItem, Committee, Meeting, Membership, Release


class CommitteeMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]
    list_select_related = ["person__organisation", "party_category"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "kind", "papers_due_working_days"]
    list_filter = ["kind"]
    search_fields = ["name", "abbreviation"]
    prepopulated_fields = {"slug": ["abbreviation"]}
    inlines = [CommitteeMembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "committee", "role", "party_category", "start_date", "end_date"]
    list_select_related = ["person__organisation", "committee", "party_category"]
    list_filter = ["committee", "party_category"]
    search_fields = ["person__name", "committee__name", "committee__abbreviation"]
    autocomplete_fields = ["person", "committee"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    autocomplete_fields = ["modification"]
    fields = ["order", "modification", "purpose", "decision", "outcome"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "committee", "starts_at", "status", "location"]
    list_select_related = ["committee"]
    list_filter = ["committee", "status"]
    date_hierarchy = "starts_at"
    search_fields = ["title", "committee__name", "committee__abbreviation"]
    inlines = [AgendaItemInline]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        with transaction.atomic():
            moved = change and "starts_at" in form.changed_data
            if moved:
                obj.sequence += 1
            if change:
                obj.version += 1
            super().save_model(request, obj, form, change)
            if moved:
                modification_services.follow_meeting(obj)


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["name", "date"]
    search_fields = ["name"]
