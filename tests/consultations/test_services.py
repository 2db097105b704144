"""consultations.services: opening refuses a closed modification; a consultation's edits are
version-checked; questions with answers stay."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from secmods.consultations import services
from secmods.consultations.models import Consultation
from tests.factories import ConsultationFactory, ModificationFactory, QuestionFactory

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("stage", ["withdrawn", "rejected", "implemented", "closed"])
def test_a_closed_modification_cannot_be_consulted_on(db, stage):  # type: ignore[no-untyped-def]
    modification = ModificationFactory(stage=stage)
    with pytest.raises(ValidationError, match="cannot be consulted on"):
        services.open_consultation(modification=modification, kind="report", questions=["Q?"])
    assert not Consultation.objects.exists()


def test_update_consultation_is_version_checked_and_keeps_5pm(db):  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    changed = services.update_consultation(
        consultation, expected_version=1, closes_on=dt.date(2021, 3, 31)
    )
    assert changed.closes_at == dt.datetime(2021, 3, 31, 17, tzinfo=LONDON)
    assert changed.version == 2
    with pytest.raises(ValidationError, match="Someone else saved this consultation"):
        services.update_consultation(consultation, expected_version=1, title="Lost")
    with pytest.raises(ValidationError, match="cannot be consulted on"):
        services.update_consultation(
            consultation, modification=ModificationFactory(stage="withdrawn")
        )
    assert Consultation.objects.get().title == consultation.title


def test_a_question_with_answers_cannot_be_deleted(db):  # type: ignore[no-untyped-def]
    from tests.factories import party_category

    consultation = ConsultationFactory()
    question = QuestionFactory(consultation=consultation)
    import time_machine

    with time_machine.travel(dt.datetime(2021, 3, 10, 12, tzinfo=LONDON), tick=False):
        services.submit_response(
            consultation,
            respondent_name="R",
            organisation_name="O",
            party_category=party_category("small-supplier"),
            answers={question.pk: {"position": "agree"}},
        )
    with pytest.raises(ValidationError, match="has answers"):
        services.delete_question(question)
    services.update_question(question, text="Reworded?")
    assert Consultation.objects.get().version == 2
