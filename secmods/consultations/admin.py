from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from secmods.committees.models import Meeting
from secmods.committees.selectors import meetings_for_commenting
from secmods.core.roles import is_secas_staff

from .models import Comment
from .services import can_edit_comment, check_comment_meeting


class CommentForm(forms.ModelForm):
    request_user: Any = None  # set by CommentAdmin.get_form: the author of a new comment

    class Meta:
        model = Comment
        fields = ["modification", "meeting", "text", "position", "noted_in_report"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        author = self.instance.author if self.instance.author_id else self.request_user
        try:
            check_comment_meeting(author, cleaned.get("meeting"))
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


@admin.register(Comment)
class CommentAdmin(SimpleHistoryAdmin):
    form = CommentForm
    list_display = [
        "modification",
        "author",
        "meeting",
        "position",
        "noted_in_report",
        "created_at",
    ]
    list_select_related = ["modification", "author", "meeting__committee"]
    list_filter = ["position", "noted_in_report", "meeting__committee"]
    search_fields = ["text", "author__username", "author__first_name", "author__last_name"]
    autocomplete_fields = ["modification"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["author", "created_at", "updated_at"]
        if not is_secas_staff(request.user):
            readonly.append("noted_in_report")
        return readonly

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["modification", "meeting", "text", "position", "noted_in_report"]
        return [*fields, "author", "created_at", "updated_at"] if obj else fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user  # type: ignore[attr-defined]
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "meeting":
            if is_secas_staff(request.user):
                kwargs["queryset"] = Meeting.objects.select_related("committee")
            else:
                kwargs["queryset"] = meetings_for_commenting(request.user, timezone.localdate())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_comment(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_edit_comment(request.user, obj))

    def save_model(self, request: HttpRequest, obj: Comment, form: Any, change: bool) -> None:
        if not change:
            obj.author = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if not is_secas_staff(request.user):
            # Bulk delete would bypass the own-comments rule.
            actions.pop("delete_selected", None)
        return actions
