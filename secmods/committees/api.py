"""REST endpoints for committees and meetings."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from secmods.core.api import ApiViewMixin, expected_version
from secmods.core.permissions import IsSecasStaffOrReadOnly

from . import selectors, services
from .filters import MeetingFilter
from .models import Committee, Meeting
from .serializers import CommitteeSerializer, MeetingDetailSerializer, MeetingSerializer


class CommitteeViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The Panel, the CSC, the Change Board and the Sub-Committees."""

    queryset = Committee.objects.all()
    serializer_class = CommitteeSerializer
    lookup_field = "slug"


@extend_schema_view(
    create=extend_schema(request=MeetingSerializer, responses={201: MeetingDetailSerializer}),
    update=extend_schema(request=MeetingSerializer, responses=MeetingDetailSerializer),
    partial_update=extend_schema(request=MeetingSerializer, responses=MeetingDetailSerializer),
)
class MeetingViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Committee meetings with their agenda; SECAS staff schedule and move them."""

    permission_classes = [IsSecasStaffOrReadOnly]
    filterset_class = MeetingFilter
    versioned = True
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Meeting]:
        if self.action == "list":
            return Meeting.objects.select_related("committee")
        return selectors.meetings_with_agenda(self.request.user)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action in ("retrieve", "update", "partial_update", "create"):
            return MeetingDetailSerializer
        return MeetingSerializer

    def _detail(self, meeting: Meeting, status_code: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=meeting.pk)
        data = MeetingDetailSerializer(fresh, context=self.get_serializer_context()).data
        return self.versioned_response(data, fresh.version, status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self.get_object()
        data = MeetingDetailSerializer(meeting, context=self.get_serializer_context()).data
        return self.versioned_response(data, meeting.version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MeetingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = services.create_meeting(**serializer.validated_data)
        return self._detail(meeting, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self.get_object()
        serializer = MeetingSerializer(
            meeting, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        updated = services.update_meeting(
            meeting, expected_version=expected_version(request), **serializer.validated_data
        )
        return self._detail(updated)
