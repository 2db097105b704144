"""REST endpoints for Change Board votes on a modification (thin over `services`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from secmods.core.api import ApiViewMixin
from secmods.core.permissions import IsSecasStaffOrReadOnly
from secmods.modifications.api import REFERENCE, visible_modification

from . import selectors, services
from .models import Ballot, Vote
from .serializers import (
    BallotSerializer,
    VoteOutcomeSerializer,
    VoteSerializer,
    VoteWriteSerializer,
)


@extend_schema(parameters=[REFERENCE])
class VoteViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """The Change Board's ballots on one modification: anyone who may see the modification
    reads them; SECAS staff record members' votes and then the outcome."""

    permission_classes = [IsSecasStaffOrReadOnly]
    pagination_class = None
    serializer_class = BallotSerializer
    queryset = Ballot.objects.none()  # each action reads through `selectors`
    # The outcome moves the modification on: the lifecycle may refuse (409).
    moves_stage = ("outcome",)

    @extend_schema(
        summary="The ballots (newest first) with their votes and tally",
        responses=BallotSerializer(many=True),
    )
    def ballots(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        modification = visible_modification(request, kwargs["reference"])
        rows = selectors.ballots_for(modification)
        return Response(BallotSerializer(rows, many=True, context=self._named(request)).data)

    def _named(self, request: Request) -> dict[str, bool]:
        return {"named_votes": selectors.sees_named_votes(request.user)}

    @extend_schema(
        summary="Record a Change Board member's vote (SECAS staff)",
        description="400 when the modification is not at the Change Board, the person is "
        "not a Change Board member (with a Party Category) or has already voted.",
        request=VoteWriteSerializer,
        responses={201: VoteSerializer},
    )
    def vote(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        modification = visible_modification(request, kwargs["reference"])
        serializer = VoteWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vote = services.record_vote(
            modification, recorded_by=request.user, **serializer.validated_data
        )
        vote = Vote.objects.select_related("person", "party_category").get(pk=vote.pk)
        return Response(VoteSerializer(vote).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Decide the outcome of the open ballot (SECAS staff)",
        description="Records the outcome on the ballot and the modification and, with "
        "`move` (default), takes the path's next step.",
        request=VoteOutcomeSerializer,
        responses=BallotSerializer,
    )
    def outcome(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        modification = visible_modification(request, kwargs["reference"])
        serializer = VoteOutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ballot = services.record_vote_outcome(
            modification, user=request.user, move=serializer.validated_data["move"]
        )
        fresh = selectors.ballots_for(modification).get(pk=ballot.pk)
        return Response(BallotSerializer(fresh, context=self._named(request)).data)
