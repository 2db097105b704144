"""The hot read serializers build their dicts by hand for speed; they must answer exactly
what DRF's own field-by-field `to_representation` answers for the same declared fields."""

from __future__ import annotations

import json

from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from secmods.modifications import selectors, services
from secmods.modifications.dates import ApproxDate
from secmods.modifications.serializers import (
    AgendaEntrySerializer,
    MilestoneSerializer,
    ModificationDetailSerializer,
    ModificationSummarySerializer,
    PersonSerializer,
    ReportSectionSerializer,
    StageChangeSerializer,
)
from tests.factories import MilestoneFactory, ReleaseFactory


def as_json(data):  # type: ignore[no-untyped-def]
    return json.loads(JSONRenderer().render(data))


def drf_and_fast(serializer, instance):  # type: ignore[no-untyped-def]
    generic = serializers.ModelSerializer.to_representation(serializer, instance)
    return as_json(generic), as_json(serializer.to_representation(instance))


def test_fast_paths_equal_drf_output(seed, secas_user):  # type: ignore[no-untyped-def]
    seed.lead_analyst = seed.proposer
    seed.target_release = ReleaseFactory()
    seed.change_board_outcome = "approved"
    seed.save()
    services.move_stage(seed, to="closed", reason="Merged into MP161", user=secas_user)
    milestone = MilestoneFactory(modification=seed, when=ApproxDate.quarter(2030, 2))
    services.replan_milestone(milestone, when=ApproxDate.month(2030, 7))
    request = APIRequestFactory().get("/api/v1/modifications/")
    context = {"request": request}
    detail = selectors.modification_detail(secas_user).get(pk=seed.pk)
    summary = selectors.modification_list(secas_user).get(pk=seed.pk)

    pairs = [
        (PersonSerializer(), detail.proposer),
        (ModificationSummarySerializer(context=context), summary),
        (ModificationDetailSerializer(context=context), detail),
    ]
    pairs += [(ReportSectionSerializer(), s) for s in detail.sections.all()]
    pairs += [(MilestoneSerializer(), m) for m in detail.milestones.all()]
    pairs += [(AgendaEntrySerializer(), a) for a in detail.agenda_items.all()]
    pairs += [(StageChangeSerializer(), c) for c in detail.stage_changes.all()]
    assert len(pairs) > 12
    for serializer, instance in pairs:
        generic, fast = drf_and_fast(serializer, instance)
        assert fast == generic, type(serializer).__name__
        assert list(fast) == list(generic)  # same keys, same order
