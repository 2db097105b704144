from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from secmods.committees.models import Membership
from secmods.core.admin import SafeFieldsMixin

from .models import Organisation, PartyCategory, Person


@admin.register(PartyCategory)
class PartyCategoryAdmin(SafeFieldsMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "is_sec_party", "order"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(SafeFieldsMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "party_category"]
    list_select_related = ["party_category"]
    list_filter = ["party_category"]
    search_fields = ["name", "short_name"]


class MembershipInline(SafeFieldsMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["committee"]


@admin.register(Person)
class PersonAdmin(SafeFieldsMixin, SimpleHistoryAdmin):
    list_display = ["name", "email", "organisation", "user"]
    list_select_related = ["organisation", "user"]
    list_filter = ["organisation__party_category"]
    search_fields = ["name", "email", "organisation__name", "organisation__short_name"]
    autocomplete_fields = ["organisation", "user"]
    inlines = [MembershipInline]
