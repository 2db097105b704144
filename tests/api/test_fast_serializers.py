"""The hot read serializers build their dicts by hand for speed; they must answer exactly
what DRF's own field-by-field `to_representation` answers for the same declared fields."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from secmods.modifications import selectors, services
from secmods.modifications.serializers import (
    AgendaEntrySerializer,
    MilestoneSerializer,
    ModificationDetailSerializer,
    ModificationSummarySerializer,
    PersonSerializer,
    ReportSectionSerializer,
    StageChangeSerializer,
)
from secmods.parties.models import PartyCategory
from secmods.rules.dates import ApproxDate
from tests.factories import (
    MilestoneFactory,
    ModificationFactory,
    ReleaseFactory,
    SecSectionFactory,
)


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


def test_list_rows_from_values_equal_the_serializer(seed, secas_user):  # type: ignore[no-untyped-def]
    from secmods.modifications.serializers import detail_url_template, summary_from_row

    seed.sec_sections.add(SecSectionFactory(code="L"), SecSectionFactory(code="A"))
    MilestoneFactory(modification=seed, when=ApproxDate.quarter(2030, 2))
    no_proposer = ModificationFactory(number=7, proposer=None, legacy_reference=True)
    request = APIRequestFactory().get("/api/v1/modifications/")
    serializer = ModificationSummarySerializer(context={"request": request})
    queryset = selectors.visible_modifications(secas_user)
    rows = selectors.with_summary_extras(list(selectors.summary_rows(queryset)))
    by_id = {row["id"]: row for row in rows}
    for modification in selectors.modification_list(secas_user):
        generic = as_json(serializers.ModelSerializer.to_representation(serializer, modification))
        fast = as_json(summary_from_row(by_id[modification.pk], detail_url_template(request)))
        assert fast == generic
        assert list(fast) == list(generic)
    assert by_id[no_proposer.pk]["proposer_id"] is None


def _give_it_everything(seed, user, *, analyst_is_proposer: bool = False) -> None:  # type: ignore[no-untyped-def]
    """SEC Sections, Party Categories, a release, a closed stage with its history, a
    re-planned milestone and a TBC one: every part of a detail answer filled in."""
    seed.sec_sections.add(SecSectionFactory(code="L"), SecSectionFactory(code="A"))
    seed.impacted_party_categories.set(PartyCategory.objects.all()[:3])
    if analyst_is_proposer:
        seed.lead_analyst = seed.proposer
    seed.target_release = ReleaseFactory()
    seed.save()
    services.move_stage(seed, to="closed", reason="Merged into MP161", user=user)
    milestone = MilestoneFactory(modification=seed, when=ApproxDate.quarter(2030, 2))
    services.replan_milestone(milestone, when=ApproxDate.month(2030, 7))
    MilestoneFactory(modification=seed, when=ApproxDate.tbc())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="json_agg folding is PostgreSQL's")
def test_folded_detail_equals_the_prefetched_one(seed, secas_user):  # type: ignore[no-untyped-def]
    from secmods.committees.models import AgendaItem

    _give_it_everything(seed, secas_user)
    assert AgendaItem.objects.filter(modification=seed).exists()
    request = APIRequestFactory().get("/api/v1/modifications/")
    context = {"request": request}
    bodies = [
        as_json(
            ModificationDetailSerializer(
                selectors.modification_detail(secas_user, fold=fold).get(pk=seed.pk),
                context=context,
            ).data
        )
        for fold in (True, False)
    ]
    assert bodies[0] == bodies[1]
    assert bodies[0]["glossary_terms"] and bodies[0]["stage_history"] and bodies[0]["meetings"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="json_agg folding is PostgreSQL's")
def test_detail_from_values_equals_the_serializer(seed, secas_user):  # type: ignore[no-untyped-def]
    import datetime as dt

    from secmods.committees.models import AgendaItem
    from secmods.modifications.serializers import detail_from_row, detail_url_template

    _give_it_everything(seed, secas_user, analyst_is_proposer=True)
    MilestoneFactory(modification=seed, when=ApproxDate.day(dt.date(2020, 1, 6)))  # overdue
    no_analyst = ModificationFactory(number=7, proposer=None, legacy_reference=True)
    assert AgendaItem.objects.filter(modification=seed).exists()
    request = APIRequestFactory().get("/api/v1/modifications/")
    template = detail_url_template(request)
    for modification in (seed, no_analyst):
        instance = selectors.modification_detail(secas_user, fold=False).get(pk=modification.pk)
        generic = as_json(ModificationDetailSerializer(instance, context={"request": request}).data)
        row = selectors.detail_row(instance.reference, secas_user)
        fast = as_json(detail_from_row(row, template))
        assert fast == generic
        assert list(fast) == list(generic)
    body = as_json(detail_from_row(selectors.detail_row(seed.reference, secas_user), template))
    assert body["glossary_terms"] and body["stage_history"] and body["meetings"]
    assert body["overdue_count"] >= 1 and body["next_key_date"] is not None
    # Unpublished, a reference names nothing for the public.
    assert selectors.detail_row(no_analyst.reference) is None
    assert selectors.detail_row("not a reference", secas_user) is None
    assert selectors.detail_row("MP2147483648", secas_user) is None  # past the integer column
