"""Who may change a comment: the same rule the admin applies (`can_edit_comment`)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from .models import Comment
from .services import can_edit_comment


class CanEditComment(BasePermission):
    message = "You can change only your own comments."

    def has_object_permission(self, request: Request, view: Any, obj: Comment) -> bool:
        return request.method in SAFE_METHODS or can_edit_comment(request.user, obj)
