"""Deadlines: 5pm London on a Working Day, enforced by the server's clock on both sides of
the clock changes (17:00 London is 17:00 UTC in winter and 16:00 UTC in summer)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from secmods.consultations import services
from secmods.consultations.models import Answer, Consultation, Question, Response
from tests.factories import (
    ConsultationFactory,
    ModificationFactory,
    QuestionFactory,
    party_category,
)

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def _answer(consultation, **kwargs):  # type: ignore[no-untyped-def]
    question = consultation.questions.first()
    return services.submit_response(
        consultation,
        respondent_name="Rita",
        organisation_name="Big Energy plc",
        party_category=party_category("large-supplier"),
        answers={question.pk: {"position": "agree", "text": "Fine by us."}},
        **kwargs,
    )


@pytest.mark.parametrize(
    ("closing_day", "utc_hour"),
    [
        (dt.date(2021, 3, 26), 17),  # Friday before clocks go forward: GMT
        (dt.date(2021, 3, 29), 16),  # Monday after: BST
        (dt.date(2021, 10, 29), 16),  # Friday before clocks go back: BST
        (dt.date(2021, 11, 1), 17),  # Monday after: GMT
    ],
)
def test_deadline_is_5pm_london_either_side_of_the_clock_change(db, closing_day, utc_hour):
    deadline = services.default_closing_deadline(closing_day)
    assert deadline.astimezone(UTC).hour == utc_hour
    consultation = ConsultationFactory(
        opens_at=dt.datetime(2021, 3, 1, 9, tzinfo=LONDON), closes_at=deadline
    )
    QuestionFactory(consultation=consultation)
    just_before = deadline - dt.timedelta(seconds=1)
    with time_machine.travel(just_before, tick=False):
        response = _answer(consultation)
    assert response.received_at == just_before
    for late in (deadline, deadline + dt.timedelta(minutes=1)):
        with (
            time_machine.travel(late, tick=False),
            pytest.raises(services.ConsultationClosed, match="closed at 5pm"),
        ):
            _answer(consultation)
    # The response given in time is still the only one, unchanged.
    assert Response.objects.count() == 1


def test_summer_deadline_refuses_an_answer_at_1630_utc(db):
    """16:30 UTC on a BST day is 17:30 in London: too late, though a UTC clock says 4:30pm."""
    consultation = ConsultationFactory(
        closes_at=services.default_closing_deadline(dt.date(2021, 3, 29))
    )
    QuestionFactory(consultation=consultation)
    with (
        time_machine.travel(dt.datetime(2021, 3, 29, 16, 30, tzinfo=UTC), tick=False),
        pytest.raises(services.ConsultationClosed),
    ):
        _answer(consultation)
    with time_machine.travel(dt.datetime(2021, 3, 29, 15, 59, tzinfo=UTC), tick=False):
        _answer(consultation)


def test_an_answer_before_opening_is_refused(db):
    consultation = ConsultationFactory(opens_at=dt.datetime(2021, 3, 10, 9, tzinfo=LONDON))
    QuestionFactory(consultation=consultation)
    with (
        time_machine.travel(dt.datetime(2021, 3, 10, 8, 59, tzinfo=LONDON), tick=False),
        pytest.raises(services.ConsultationClosed, match="opens at 9am"),
    ):
        _answer(consultation)
    assert not Response.objects.exists()


def test_default_deadline_is_5pm_fifteen_working_days_after_opening(db):
    modification = ModificationFactory(stage="report_phase")
    # Opens Thu 1 Apr 2021: Good Friday 2 Apr and Easter Monday 5 Apr are not Working Days.
    consultation = services.open_consultation(
        modification=modification,
        kind="report",
        opens_at=dt.datetime(2021, 4, 1, 9, tzinfo=LONDON),
        questions=["Do you agree?"],
    )
    assert consultation.closes_at == dt.datetime(2021, 4, 26, 17, tzinfo=LONDON)
    assert consultation.title == f"{modification.reference} Modification Report Consultation"


def test_a_deadline_on_a_bank_holiday_is_refused(db):
    modification = ModificationFactory(stage="refinement")
    with pytest.raises(ValidationError, match="not a SEC Working Day"):
        services.open_consultation(
            modification=modification,
            kind="refinement",
            opens_at=dt.datetime(2021, 4, 1, 9, tzinfo=LONDON),
            closes_on=dt.date(2021, 5, 31),  # Spring bank holiday
            questions=["Do you agree?"],
        )
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("bad", ["", "   ", None])
def test_a_question_with_no_text_is_refused_and_nothing_is_written(db, bad):
    modification = ModificationFactory(stage="refinement")
    with pytest.raises(ValidationError) as caught:
        services.open_consultation(
            modification=modification,
            kind="refinement",
            closes_on=dt.date(2030, 1, 15),
            questions=["Do you agree?", {"text": bad}],
        )
    assert caught.value.message_dict == {"questions": ["Question 2 has no text."]}
    assert not Consultation.objects.exists() and not Question.objects.exists()


def test_respondent_can_change_the_response_until_the_deadline_not_after(db):
    consultation = ConsultationFactory()
    question = QuestionFactory(consultation=consultation)
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(consultation=consultation)
    with time_machine.travel(dt.datetime(2021, 3, 20, 10, tzinfo=LONDON), tick=False):
        first = _answer(consultation, invitation=invitation)
    with time_machine.travel(dt.datetime(2021, 3, 26, 16, 59, tzinfo=LONDON), tick=False):
        second = services.submit_response(
            consultation,
            invitation=invitation,
            respondent_name="Rita",
            organisation_name="Big Energy plc",
            party_category=party_category("large-supplier"),
            answers={question.pk: {"position": "disagree", "text": "On reflection, no."}},
        )
    assert second.pk == first.pk
    assert second.history.count() == 2
    with (
        time_machine.travel(dt.datetime(2021, 3, 26, 17, 0, 1, tzinfo=LONDON), tick=False),
        pytest.raises(services.ConsultationClosed),
    ):
        services.submit_response(
            consultation,
            invitation=invitation,
            respondent_name="Rita",
            organisation_name="Big Energy plc",
            party_category=party_category("large-supplier"),
            answers={question.pk: {"position": "agree", "text": "Changed again"}},
        )
    answer = Answer.objects.get()
    assert (answer.position, answer.text) == ("disagree", "On reflection, no.")


def test_staff_enter_an_emailed_response_by_when_it_was_received(db, secas_user, member_user):
    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation)
    with time_machine.travel(dt.datetime(2021, 3, 29, 10, tzinfo=LONDON), tick=False):
        response = _answer(
            consultation,
            entered_by=secas_user,
            received_at=dt.datetime(2021, 3, 26, 16, 45, tzinfo=LONDON),
        )
        assert response.entered_by == secas_user
        with pytest.raises(services.ConsultationClosed):
            _answer(
                consultation,
                entered_by=secas_user,
                received_at=dt.datetime(2021, 3, 26, 17, 5, tzinfo=LONDON),
            )
        with pytest.raises(ValidationError, match="Only SECAS staff"):
            _answer(
                consultation,
                entered_by=member_user,
                received_at=dt.datetime(2021, 3, 26, 16, 0, tzinfo=LONDON),
            )
    assert Response.objects.count() == 1


def test_answers_to_unknown_questions_or_none_at_all_are_refused(db):
    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation, kind="free_text")
    other = QuestionFactory()
    with time_machine.travel(dt.datetime(2021, 3, 20, 10, tzinfo=LONDON), tick=False):
        for answers, message in [
            ({}, "Answer at least one question."),
            ({other.pk: {"text": "x"}}, "not part of this consultation"),
            (
                {consultation.questions.get().pk: {"position": "agree"}},
                "asks for text, not agree/disagree",
            ),
        ]:
            with pytest.raises(ValidationError, match=message):
                services.submit_response(
                    consultation,
                    respondent_name="Rita",
                    organisation_name="Org",
                    party_category=party_category("small-supplier"),
                    answers=answers,
                )
    assert not Response.objects.exists()
