"""REST endpoints for modifications, their lifecycle moves and their timetable."""

from __future__ import annotations

from typing import Any, cast

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from secmods.core.api import ApiViewMixin, CountedRows, expected_version
from secmods.core.permissions import IsSecasStaffOrReadOnly

from . import selectors, services
from .filters import ModificationFilter
from .models import Milestone, Modification
from .serializers import (
    MilestoneSerializer,
    ModificationDetailSerializer,
    ModificationSummarySerializer,
    ModificationWriteSerializer,
    TransitionSerializer,
    detail_from_row,
    detail_url_template,
    summary_from_row,
)

REFERENCE = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description='The reference in any spelling: "MP160", "mp 160", "DP160", "160".',
)


def visible_modification(request: Request, reference: str) -> Modification:
    """The modification a reference names, if this user may see it; 404 otherwise (not 403,
    so that unpublished references do not leak)."""
    found = selectors.get_by_reference(reference, selectors.visible_modifications(request.user))
    if found is None:
        raise Http404("No modification has this reference.")
    return found


@extend_schema_view(
    list=extend_schema(summary="Modifications (paginated, filtered, searched)"),
    retrieve=extend_schema(
        summary="One modification with its timetable, meetings, history",
        parameters=[REFERENCE],
    ),
    create=extend_schema(
        request=ModificationWriteSerializer, responses={201: ModificationDetailSerializer}
    ),
    update=extend_schema(
        request=ModificationWriteSerializer,
        responses=ModificationDetailSerializer,
        parameters=[REFERENCE],
    ),
    partial_update=extend_schema(
        request=ModificationWriteSerializer,
        responses=ModificationDetailSerializer,
        parameters=[REFERENCE],
    ),
)
class ModificationViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Modifications of the SEC: read by anyone once published, written by SECAS staff."""

    permission_classes = [IsSecasStaffOrReadOnly]
    filterset_class = ModificationFilter
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"
    versioned = True

    def get_queryset(self) -> QuerySet[Modification]:
        if self.action == "list":
            # Filtered first, then turned into the list's plain values (`list` below).
            return selectors.visible_modifications(self.request.user)
        return selectors.modification_detail(self.request.user)

    # Query parameters that are no filters: with nothing else the FilterSet (its deep
    # copies, form and validation) would change nothing, so it is skipped.
    NOT_FILTERS = frozenset({"page", "page_size"})

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        if not self.NOT_FILTERS.issuperset(request.query_params):
            queryset = self.filter_queryset(queryset)
        rows = CountedRows(selectors.summary_rows(queryset), counted=queryset)
        page = self.paginate_queryset(cast(Any, rows))
        assert page is not None  # the list is always paginated
        template = detail_url_template(request)
        found = selectors.with_summary_extras(list(page))
        zone = timezone.get_current_timezone()
        return self.get_paginated_response([summary_from_row(row, template, zone) for row in found])

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "list":
            return ModificationSummarySerializer
        if self.action in ("create", "update", "partial_update"):
            return ModificationWriteSerializer
        if self.action == "transitions":
            return TransitionSerializer
        return ModificationDetailSerializer

    def get_object(self) -> Modification:
        found = selectors.get_by_reference(self.kwargs["reference"], self.get_queryset())
        if found is None:
            raise Http404("No modification has this reference.")
        return found

    def _detail(self, modification: Modification, status_code: int = 200) -> Response:
        # Read back through the detail selector: same body as GET, fixed query count.
        fresh = selectors.modification_detail(self.request.user).get(pk=modification.pk)
        data = ModificationDetailSerializer(fresh, context=self.get_serializer_context()).data
        return self.versioned_response(data, fresh.version, status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if connection.vendor == "postgresql":
            # Plain values in one query, no model instances (most of the detail's time).
            row = selectors.detail_row(self.kwargs["reference"], request.user)
            if row is None:
                raise Http404("No modification has this reference.")
            data = detail_from_row(row, detail_url_template(request))
            return self.versioned_response(data, row["version"])
        modification = self.get_object()
        data = ModificationDetailSerializer(
            modification, context=self.get_serializer_context()
        ).data
        return self.versioned_response(data, modification.version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ModificationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        modification = services.create_modification(user=request.user, **serializer.validated_data)
        return self._detail(modification, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        modification = self.get_object()
        serializer = ModificationWriteSerializer(
            modification, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        updated = services.update_modification(
            modification,
            expected_version=expected_version(request),
            user=request.user,
            **serializer.validated_data,
        )
        return self._detail(updated)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        request=TransitionSerializer,
        responses=ModificationDetailSerializer,
        summary="Move the modification through the lifecycle",
        parameters=[REFERENCE],
        description="Uses the lifecycle table and guards of the admin; a refused move "
        "answers 409 with every reason.",
    )
    @action(detail=True, methods=["post"])
    def transitions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        modification = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.move_stage(
            modification,
            user=request.user,
            expected_version=expected_version(request),
            **serializer.validated_data,
        )
        return self._detail(modification)


@extend_schema(parameters=[REFERENCE])
class MilestoneViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """The progression timetable of one modification."""

    permission_classes = [IsSecasStaffOrReadOnly]
    serializer_class = MilestoneSerializer
    versioned = True
    pagination_class = None  # a timetable is a few dozen rows; the client wants all of them
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def modification(self) -> Modification:
        if not hasattr(self, "_modification"):
            self._modification = visible_modification(self.request, self.kwargs["reference"])
        return self._modification

    def get_queryset(self) -> QuerySet[Milestone]:
        if getattr(self, "swagger_fake_view", False):
            return Milestone.objects.none()
        return selectors.timetable(self.modification())

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        return self.versioned_response(self.get_serializer(milestone).data, milestone.version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        milestone = services.add_milestone(self.modification(), user=request.user, **data)
        return self.versioned_response(
            self.get_serializer(milestone).data, milestone.version, status.HTTP_201_CREATED
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        serializer = self.get_serializer(
            milestone, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        updated = services.update_milestone(
            milestone,
            expected_version=expected_version(request),
            user=request.user,
            **serializer.validated_data,
        )
        return self.versioned_response(self.get_serializer(updated).data, updated.version)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_milestone(
            self.get_object(), expected_version=expected_version(request), user=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
