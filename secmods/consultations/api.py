"""REST endpoints for committee members' comments on a modification."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from secmods.core.api import ApiViewMixin
from secmods.core.permissions import IsSecasStaffOrCommitteeMember
from secmods.core.roles import is_secas_staff
from secmods.modifications.api import REFERENCE, visible_modification
from secmods.modifications.models import Modification

from . import services
from .models import Comment
from .permissions import CanEditComment
from .serializers import CommentSerializer


@extend_schema(parameters=[REFERENCE])
class CommentViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Committee members comment and edit their own comments; SECAS staff edit any."""

    serializer_class = CommentSerializer
    permission_classes = [IsSecasStaffOrCommitteeMember, CanEditComment]
    read_needs_role = True
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def modification(self) -> Modification:
        if not hasattr(self, "_modification"):
            self._modification = visible_modification(self.request, self.kwargs["reference"])
        return self._modification

    def get_queryset(self) -> QuerySet[Comment]:
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return Comment.objects.filter(modification=self.modification()).select_related(
            "author", "modification"
        )

    def _check_noted(self, request: Request, data: dict[str, Any], current: bool = False) -> None:
        changes = data.get("noted_in_report", current) != current
        if changes and not is_secas_staff(request.user):
            raise exceptions.PermissionDenied("Only SECAS staff mark comments as noted.")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        self._check_noted(request, data)
        noted = data.pop("noted_in_report", None)
        comment = services.create_comment(
            author=request.user, modification=self.modification(), **data
        )
        if noted:
            comment = services.update_comment(comment, editor=request.user, noted_in_report=True)
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        comment = self.get_object()
        serializer = self.get_serializer(
            comment, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        self._check_noted(request, serializer.validated_data, comment.noted_in_report)
        comment = services.update_comment(comment, editor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(comment).data)
