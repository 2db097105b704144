"""REST endpoints for committees and meetings."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from secmods.core.api import ApiViewMixin, expected_version
from secmods.core.permissions import IsSecasStaffOrReadOnly
from secmods.modifications.selectors import get_by_reference, visible_to

from . import selectors, services
from .filters import MeetingFilter
from .models import AgendaItem, Committee, Meeting
from .serializers import (
    AgendaAddSerializer,
    AgendaItemEntrySerializer,
    AgendaOrderSerializer,
    AgendaOutcomeSerializer,
    AgendaSerializer,
    CommitteeSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
)


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


# --- Agendas (issue 6) -------------------------------------------------------------------
class AgendaViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """One meeting's agenda: anyone reads it (items of published modifications only, for
    the public); SECAS staff add items, reorder them and minute their outcomes."""

    permission_classes = [IsSecasStaffOrReadOnly]
    pagination_class = None
    serializer_class = AgendaSerializer
    queryset = AgendaItem.objects.none()  # each action reads through `selectors`

    def meeting(self) -> Meeting:
        if not hasattr(self, "_meeting"):
            raw = str(self.kwargs.get("meeting_id", ""))
            found = (
                Meeting.objects.select_related("committee").filter(pk=int(raw)).first()
                if raw.isdecimal() and len(raw) < 10
                else None
            )
            if found is None:
                raise Http404("No meeting has this id.")
            self._meeting = found
        return self._meeting

    def get_object(self) -> Meeting:  # type: ignore[override]
        # OPTIONS describes PUT by asking for the object: the agenda's is its meeting.
        return self.meeting()

    def _agenda(self, status_code: int = status.HTTP_200_OK) -> Response:
        meeting = self.meeting()
        items = selectors.meeting_agenda(meeting).filter(
            visible_to(self.request.user, through="modification")
        )
        data = AgendaSerializer(
            {"meeting": meeting, "papers_due_on": selectors.papers_due_on(meeting), "items": items}
        ).data
        return Response(data, status=status_code)

    @extend_schema(summary="The meeting's agenda in order, with its papers-due date")
    def agenda(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._agenda()

    @extend_schema(
        summary="Add a modification to the agenda, at the end (SECAS staff)",
        description="Also plans a milestone tied to the meeting, unless the modification "
        "already has one there.",
        request=AgendaAddSerializer,
        responses={201: AgendaItemEntrySerializer},
    )
    def add_item(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self.meeting()
        serializer = AgendaAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        modification = get_by_reference(serializer.validated_data["modification"])
        if modification is None:
            raise exceptions.ValidationError(
                {"modification": ["No modification has this reference."]}
            )
        item = services.add_to_agenda(
            meeting, modification=modification, purpose=serializer.validated_data["purpose"]
        )
        item = AgendaItem.objects.select_related("modification").get(pk=item.pk)
        return Response(AgendaItemEntrySerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Put the agenda in a new order (SECAS staff)",
        request=AgendaOrderSerializer,
        responses=AgendaSerializer,
    )
    def reorder(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AgendaOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reorder_agenda(self.meeting(), serializer.validated_data["items"])
        return self._agenda()

    @extend_schema(
        summary="Record an agenda item's outcome (SECAS staff)",
        description="Marks the modification's milestones tied to the meeting done on the "
        "meeting's date and the meeting held; refused before the meeting starts.",
        request=AgendaOutcomeSerializer,
        responses=AgendaItemEntrySerializer,
    )
    def outcome(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self._item(kwargs)
        serializer = AgendaOutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.record_agenda_outcome(item, user=request.user, **serializer.validated_data)
        item = AgendaItem.objects.select_related("modification").get(pk=item.pk)
        return Response(AgendaItemEntrySerializer(item).data)

    def _item(self, kwargs: dict[str, Any]) -> AgendaItem:
        raw = str(kwargs.get("item_id", ""))
        item = (
            AgendaItem.objects.filter(meeting=self.meeting(), pk=int(raw)).first()
            if raw.isdecimal() and len(raw) < 10
            else None
        )
        if item is None:
            raise Http404("This meeting's agenda has no such item.")
        return item

    @extend_schema(
        summary="Take a modification off the agenda (SECAS staff)",
        description="Once it is on the agenda for nothing else, its planned milestones tied "
        "to the meeting are untied and become TBC, keeping their first plan as the baseline.",
        request=None,
        responses={204: None},
    )
    def remove_item(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.remove_from_agenda(self._item(kwargs))
        return Response(status=status.HTTP_204_NO_CONTENT)
