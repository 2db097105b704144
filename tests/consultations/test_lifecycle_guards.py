"""The lifecycle waits for consultations to close (docs/domain.md#stages-and-moves), now for real."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from secmods.modifications import services as modification_services
from tests.factories import ConsultationFactory, ModificationFactory

LONDON = ZoneInfo("Europe/London")
BEFORE = dt.datetime(2021, 3, 26, 16, 59, tzinfo=LONDON)
AFTER = dt.datetime(2021, 3, 26, 17, 0, tzinfo=LONDON)


def test_refinement_waits_for_its_consultations_to_close(db):
    modification = ModificationFactory(
        stage="refinement", path="path_3", dcc_impact_assessment="not_needed"
    )
    ConsultationFactory(modification=modification, kind="refinement")
    with (
        time_machine.travel(BEFORE, tick=False),
        pytest.raises(modification_services.MoveRefused) as refused,
    ):
        modification_services.move_stage(modification, to="report_phase")
    assert refused.value.messages == [
        "The Refinement Consultation closes at 5pm (London time) on Friday 26 March 2021."
    ]
    with time_machine.travel(AFTER, tick=False):
        modification_services.move_stage(modification, to="report_phase")
    assert modification.stage == "report_phase"


def test_refinement_without_a_consultation_may_move_on(db):
    modification = ModificationFactory(stage="refinement", dcc_impact_assessment="received")
    modification_services.move_stage(modification, to="report_phase")


def test_change_board_needs_a_closed_modification_report_consultation(db):
    modification = ModificationFactory(stage="report_phase", path="path_3")
    with pytest.raises(modification_services.MoveRefused, match="No Modification Report"):
        modification_services.move_stage(modification, to="change_board")
    ConsultationFactory(modification=modification, kind="report")
    with (
        time_machine.travel(BEFORE, tick=False),
        pytest.raises(modification_services.MoveRefused, match="closes at 5pm"),
    ):
        modification_services.move_stage(modification, to="change_board")
    with time_machine.travel(AFTER, tick=False):
        modification_services.move_stage(modification, to="change_board")
    assert modification.stage == "change_board"


def test_the_admin_move_stage_page_waits_for_the_report_consultation(db, client, secas_user):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    modification = ModificationFactory(stage="report_phase", path="path_3")
    ConsultationFactory(modification=modification, kind="report")
    url = reverse("admin:modifications_modification_move", args=[modification.pk])
    with time_machine.travel(BEFORE, tick=False):
        client.force_login(secas_user)
        refused = client.post(url, {"to": "change_board"})
    assert refused.status_code == 200
    assert (
        "The Modification Report Consultation closes at 5pm (London time) on Friday 26 March "
        "2021." in refused.content.decode()
    )
    modification.refresh_from_db()
    assert modification.stage == "report_phase"
    assert not modification.stage_changes.exists()
    with time_machine.travel(AFTER, tick=False):
        client.force_login(secas_user)
        moved = client.post(url, {"to": "change_board"})
    assert moved.status_code == 302
    modification.refresh_from_db()
    assert modification.stage == "change_board"
    assert modification.stage_changes.get().to_stage == "change_board"
