"""REST endpoints for committee members' comments on a modification."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from secmods.core.api import ApiViewMixin, expected_version
from secmods.core.permissions import (
    IsSecasStaff,
    IsSecasStaffOrCommitteeMember,
    IsSecasStaffOrReadOnly,
)
from secmods.core.roles import is_secas_staff
from secmods.modifications import selectors as modification_selectors
from secmods.modifications.api import REFERENCE, visible_modification
from secmods.modifications.models import Modification

from . import selectors, services
from .models import Comment, Consultation, ConsultationKind
from .permissions import CanEditComment
from .serializers import (
    CommentSerializer,
    ConsultationSerializer,
    ConsultationUpdateSerializer,
    ConsultationWriteSerializer,
    QuestionSummarySerializer,
    ResponseSerializer,
    ResponseWriteSerializer,
)


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


# --- Consultations (issue 6) -------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="Consultations (filter by modification reference and kind)",
        parameters=[
            OpenApiParameter(
                "modification",
                OpenApiTypes.STR,
                description='A modification reference in any spelling, e.g. "MP160".',
            ),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(ConsultationKind.values)),
        ],
    ),
    retrieve=extend_schema(summary="One consultation with its questions"),
    create=extend_schema(
        summary="Open a consultation with its questions (SECAS staff)",
        request=ConsultationWriteSerializer,
        responses={201: ConsultationSerializer},
    ),
    update=extend_schema(
        summary="Change a consultation's kind, title, opening or deadline (SECAS staff)",
        description="Send If-Match with the ETag you read: a stale one gets 412.",
        request=ConsultationUpdateSerializer,
        responses=ConsultationSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of a consultation's fields (SECAS staff)",
        request=ConsultationUpdateSerializer,
        responses=ConsultationSerializer,
    ),
)
class ConsultationViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Refinement and Modification Report Consultations: anyone reads those of published
    modifications; SECAS staff open them and enter responses received by email."""

    serializer_class = ConsultationSerializer
    permission_classes = [IsSecasStaffOrReadOnly]
    versioned = True

    @property
    def read_needs_role(self) -> bool:  # type: ignore[override]
        # The summary counts confidential responses: staff only, reads included.
        return getattr(self, "action", None) == "summary"

    def get_permissions(self) -> Sequence[Any]:
        if self.action == "summary":
            return [IsSecasStaff()]
        return list(super().get_permissions())

    def get_queryset(self) -> QuerySet[Consultation]:
        if getattr(self, "swagger_fake_view", False):
            return Consultation.objects.none()
        queryset = (
            selectors.visible_consultations(self.request.user)
            .prefetch_related("questions")
            .order_by("-opens_at", "-pk")
        )
        if self.action != "list":
            return queryset
        params = self.request.query_params
        kind = params.get("kind")
        if kind:
            if kind not in ConsultationKind.values:
                raise exceptions.ValidationError(
                    {"kind": [f"Choose one of: {', '.join(ConsultationKind.values)}."]}
                )
            queryset = queryset.filter(kind=kind)
        reference = params.get("modification")
        if reference:
            found = modification_selectors.get_by_reference(
                reference, modification_selectors.visible_modifications(self.request.user)
            )
            queryset = queryset.filter(modification=found) if found else queryset.none()
        return queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ConsultationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        modification = modification_selectors.get_by_reference(data.pop("modification"))
        if modification is None:
            raise exceptions.ValidationError(
                {"modification": ["No modification has this reference."]}
            )
        consultation = services.open_consultation(
            modification=modification,
            questions=[dict(q) for q in data.pop("questions")],
            created_by=request.user,
            **data,
        )
        fresh = self.get_queryset().get(pk=consultation.pk)
        return self.versioned_response(
            ConsultationSerializer(fresh).data, fresh.version, status.HTTP_201_CREATED
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        consultation = self.get_object()
        return self.versioned_response(
            ConsultationSerializer(consultation).data, consultation.version
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The same service and row lock as the admin's change form: of two saves from the
        # same version, one wins and the other gets 412 (the admin: a form message).
        consultation = self.get_object()
        serializer = ConsultationUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = services.update_consultation(
            consultation,
            expected_version=expected_version(request),
            user=request.user,
            **serializer.validated_data,
        )
        fresh = self.get_queryset().get(pk=updated.pk)
        return self.versioned_response(ConsultationSerializer(fresh).data, fresh.version)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(
        methods=["GET"],
        summary="Responses: SECAS staff see all (confidential too); others the published, "
        "non-confidential ones",
        request=None,
        responses=ResponseSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Enter a response received by email (SECAS staff)",
        description="400 with a readable message when the consultation was not open at "
        "`received_at` (default now).",
        request=ResponseWriteSerializer,
        responses={201: ResponseSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def responses(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        consultation = self.get_object()
        staff = is_secas_staff(request.user)
        if request.method == "GET":
            rows = selectors.responses_for(request.user, consultation).order_by("received_at", "pk")
            return Response(ResponseSerializer(rows, many=True, context={"staff": staff}).data)
        serializer = ResponseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        answers = {
            answer["question_id"]: {"position": answer["position"], "text": answer["text"]}
            for answer in data.pop("answers")
        }
        response = services.submit_response(
            consultation, answers=answers, entered_by=request.user, **data
        )
        fresh = selectors.responses_for(request.user, consultation).get(pk=response.pk)
        return Response(
            ResponseSerializer(fresh, context={"staff": staff}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Per question, the answers by Party Category (SECAS staff: counts "
        "confidential responses)",
        responses=QuestionSummarySerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        consultation = self.get_object()
        summaries = selectors.consultation_summary(consultation)
        return Response(QuestionSummarySerializer(summaries, many=True).data)
