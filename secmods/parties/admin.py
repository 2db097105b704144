from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from secmods.committees import services as committee_services
from secmods.committees.models import Membership
from secmods.core.admin import (
    SafeFieldsMixin,
    SafeInlineMixin,
    ServiceAdminMixin,
    adopt,
    model_fields,
    save_formset_through,
)

from . import services
from .models import Organisation, PartyCategory, Person


def save_memberships(formset: Any, **parent: Any) -> None:
    """A membership inline (on a person or a committee), row by row through the service."""
    save_formset_through(
        formset,
        create=lambda f: committee_services.save_membership(**model_fields(f), **parent),
        update=lambda f, obj: committee_services.save_membership(obj, **model_fields(f)),
        delete=lambda f, obj: committee_services.end_membership(obj),
    )


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


class MembershipInline(SafeInlineMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["committee"]


@admin.register(Person)
class PersonAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "email", "organisation", "user"]
    list_select_related = ["organisation", "user"]
    list_filter = ["organisation__party_category"]
    search_fields = ["name", "email", "organisation__name", "organisation__short_name"]
    autocomplete_fields = ["organisation", "user"]
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        current = Person.objects.get(pk=obj.pk) if change else None
        adopt(obj, services.save_person(current, editor=request.user, **model_fields(form)))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save_memberships(formset, person=form.instance)

    def delete_model(self, request: HttpRequest, obj: Person) -> None:
        services.delete_person(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        for person in queryset:
            services.delete_person(person)
