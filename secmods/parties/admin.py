from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from secmods.committees.models import Membership

from .models import Organisation, PartyCategory, Person


@admin.register(PartyCategory)
class PartyCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_sec_party", "order"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "party_category"]
    list_select_related = ["party_category"]
    list_filter = ["party_category"]
    search_fields = ["name", "short_name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["committee"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "email", "organisation", "user"]
    list_select_related = ["organisation", "user"]
    list_filter = ["organisation__party_category"]
    search_fields = ["name", "email", "organisation__name", "organisation__short_name"]
    autocomplete_fields = ["organisation", "user"]
    inlines = [MembershipInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if self.has_change_permission(request, obj):
            return fields
        # Read-only, Django would link the login to the user page, which only staff may
        # open (a 403 for a committee member): name it as text instead.
        return ["login" if f == "user" else f for f in fields]

    @admin.display(description="login")
    def login(self, obj: Person) -> str:
        return obj.user.get_username() if obj.user is not None else "—"
