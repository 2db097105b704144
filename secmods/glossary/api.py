"""REST endpoints for the glossary: /api/v1/glossary/{acronym}/ in any case."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from secmods.core.api import ApiViewMixin
from secmods.core.permissions import IsSecasStaffOrReadOnly

from . import services
from .filters import GlossaryTermFilter
from .models import GlossaryTerm
from .selectors import all_terms
from .serializers import GlossaryTermSerializer

ACRONYM = OpenApiParameter(
    "acronym", OpenApiTypes.STR, OpenApiParameter.PATH, description="In any case."
)


# On the detail actions only: the list and create have no {acronym} in their path.
@extend_schema_view(
    **{
        action: extend_schema(parameters=[ACRONYM])
        for action in ("retrieve", "update", "partial_update", "destroy")
    }
)
class GlossaryTermViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Acronyms with one meaning across every Modification Report."""

    queryset = all_terms()
    serializer_class = GlossaryTermSerializer
    permission_classes = [IsSecasStaffOrReadOnly]
    filterset_class = GlossaryTermFilter
    lookup_field = "acronym"
    lookup_value_regex = "[^/]+"

    def get_object(self) -> GlossaryTerm:
        term = all_terms().filter(acronym__iexact=self.kwargs["acronym"]).first()
        if term is None:
            raise Http404("No glossary term has this acronym.")
        self.check_object_permissions(self.request, term)
        return term

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        term = services.create_term(**serializer.validated_data)
        return Response(self.get_serializer(term).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        term = self.get_object()
        serializer = self.get_serializer(
            term, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        term = services.update_term(term, **serializer.validated_data)
        return Response(self.get_serializer(term).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_term(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
