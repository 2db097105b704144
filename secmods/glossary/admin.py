from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from secmods.core.admin import ServiceAdminMixin, adopt, model_fields

from . import services
from .models import GlossaryTerm


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["acronym", "full_term"]
    search_fields = ["acronym", "full_term"]

    def save_model(self, request: HttpRequest, obj: GlossaryTerm, form: Any, change: bool) -> None:
        fields = model_fields(form)
        if change:
            adopt(obj, services.update_term(GlossaryTerm.objects.get(pk=obj.pk), **fields))
        else:
            adopt(obj, services.create_term(**fields))

    def delete_model(self, request: HttpRequest, obj: GlossaryTerm) -> None:
        services.delete_term(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[GlossaryTerm]) -> None:
        for term in queryset:
            services.delete_term(term)
