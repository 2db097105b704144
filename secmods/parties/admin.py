from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from secmods.core.admin import (
    RegisteredInlines,
    ServiceAdminMixin,
    ServiceWritesAdmin,
    adopt,
    model_fields,
    registered_inline_for,
    save_formset_through,
)

from . import services
from .models import Organisation, PartyCategory, Person
from .staff import secas_staff_people


@admin.register(PartyCategory)
class PartyCategoryAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "is_sec_party", "order"]
    prepopulated_fields = {"slug": ["name"]}

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        return services.save_party_category(current, editor=request.user, **fields)

    def service_delete(self, request: HttpRequest, obj: PartyCategory) -> None:
        services.delete_party_category(obj)


@admin.register(Organisation)
class OrganisationAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["name", "short_name", "party_category"]
    list_select_related = ["party_category"]
    list_filter = ["party_category"]
    search_fields = ["name", "short_name"]

    def service_save(self, request: HttpRequest, current: Any, fields: dict[str, Any]) -> Any:
        return services.save_organisation(current, editor=request.user, **fields)

    def service_delete(self, request: HttpRequest, obj: Organisation) -> None:
        services.delete_organisation(obj)


@admin.register(Person)
class PersonAdmin(ServiceAdminMixin, RegisteredInlines, SimpleHistoryAdmin):
    list_display = ["name", "email", "organisation", "user"]
    list_select_related = ["organisation", "user"]
    list_filter = ["organisation__party_category"]
    search_fields = ["name", "email", "organisation__name", "organisation__short_name"]
    autocomplete_fields = ["organisation", "user"]
    # The committees app adds the memberships inline (CommitteesConfig.ready).
    inlines: list[Any] = []
    change_list_template = "admin/parties/person/change_list.html"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        # The Lead Analyst picker (an autocomplete) offers SECAS staff only; the form
        # behind it accepts no one else (ModificationForm).
        if (
            request.path.endswith("/autocomplete/")
            and request.GET.get("model_name") == "modification"
            and request.GET.get("field_name") == "lead_analyst"
        ):
            queryset = queryset.filter(pk__in=secas_staff_people().values("pk"))
        return queryset, distinct

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

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        current = Person.objects.get(pk=obj.pk) if change else None
        adopt(obj, services.save_person(current, editor=request.user, **model_fields(form)))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # The memberships inline is committees' and saves through its services.
        inline = registered_inline_for(self.model._meta.label, formset.model)
        if inline is not None and hasattr(inline, "save_through_services"):
            inline.save_through_services(request, formset, form.instance)
        else:
            save_formset_through(formset)

    def delete_model(self, request: HttpRequest, obj: Person) -> None:
        services.delete_person(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        for person in queryset:
            services.delete_person(person)
