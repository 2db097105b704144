import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from secmods.modifications.models import Milestone, MilestoneKind, Modification
from secmods.modifications.services import (
    add_milestone,
    create_modification,
    delete_sec_section,
    follow_meeting,
    publish_modification,
    replan_milestone,
    save_sec_section,
    update_milestone,
)
from secmods.rules.dates import ApproxDate, Precision
from tests.factories import MeetingFactory, MilestoneFactory, ModificationFactory


def test_a_draft_proposal_gets_the_next_number(db):
    ModificationFactory(number=160)
    modification = create_modification(title="A new idea", raised_on=dt.date(2021, 5, 1))
    assert modification.number == 161
    assert modification.reference == "DP161"


def test_alternatives_get_the_next_letter(db):
    original = ModificationFactory(number=160)
    first = create_modification(title="Alt", raised_on=dt.date(2021, 5, 1), alternative_of=original)
    second = create_modification(
        title="Alt 2", raised_on=dt.date(2021, 5, 1), alternative_of=original
    )
    assert (first.number, first.suffix, second.suffix) == (160, "A", "B")
    assert first.reference == "MP160A"


def test_a_duplicate_reference_is_a_field_error(db):
    ModificationFactory(number=160)
    with pytest.raises(ValidationError) as error:
        create_modification(title="Again", raised_on=dt.date(2021, 5, 1), number=160)
    assert "exists already" in str(error.value)
    assert Modification.objects.count() == 1


def test_the_database_refuses_a_duplicate_reference_too(db):
    ModificationFactory(number=160)
    with pytest.raises(IntegrityError), transaction.atomic():
        Modification.objects.create(number=160, title="x", raised_on=dt.date(2021, 1, 1))


def test_a_nul_byte_in_a_title_is_a_field_error_and_nothing_is_saved(db):
    with pytest.raises(ValidationError) as error:
        create_modification(title="Bad\x00title", raised_on=dt.date(2021, 5, 1))
    assert "title" in error.value.message_dict
    assert not Modification.objects.exists()


def test_the_database_refuses_a_milestone_whose_range_does_not_fit_its_precision(db):
    modification = ModificationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.create(
            modification=modification,
            kind=MilestoneKind.CSC,
            label="x",
            precision=Precision.DAY,
            date_from=dt.date(2021, 5, 1),
            date_to=dt.date(2021, 5, 31),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.create(
            modification=modification,
            kind=MilestoneKind.CSC,
            label="x",
            precision=Precision.TBC,
            date_from=dt.date(2021, 5, 1),
        )


def test_timetable_sorts_by_start_with_tbc_last(db):
    modification = ModificationFactory()
    for text in ["1 Jun 2021", "TBC", "May 2021", "27 Apr 2021", "Q3 2021", "w/c 3 May 2021"]:
        add_milestone(
            modification, kind=MilestoneKind.OTHER, label=text, when=ApproxDate.parse(text)
        )
    labels = [m.label for m in modification.milestones.all()]
    assert labels == ["27 Apr 2021", "May 2021", "w/c 3 May 2021", "1 Jun 2021", "Q3 2021", "TBC"]


def test_replanning_keeps_the_first_plan_as_baseline(db):
    milestone = MilestoneFactory(when=ApproxDate.day(dt.date(2021, 6, 1)))
    replan_milestone(milestone, when=ApproxDate.day(dt.date(2021, 7, 6)))
    replan_milestone(milestone, when=ApproxDate.day(dt.date(2021, 7, 13)))
    milestone.refresh_from_db()
    assert str(milestone.when) == "13 Jul 2021"
    assert str(milestone.baseline) == "1 Jun 2021"
    assert milestone.is_replanned
    assert milestone.history.count() == 3


def test_a_meeting_fixes_a_milestone_to_its_day_and_moving_it_moves_the_milestone(db):
    meeting = MeetingFactory()
    milestone = MilestoneFactory(when=ApproxDate.month(2021, 5))
    replan_milestone(milestone, meeting=meeting)
    milestone.refresh_from_db()
    assert milestone.when == ApproxDate.day(meeting.date)
    meeting.starts_at += dt.timedelta(days=7)
    meeting.save()
    assert follow_meeting(meeting) == 1
    milestone.refresh_from_db()
    assert milestone.date_from == meeting.date
    assert str(milestone.baseline) == "May 2021"


def test_publishing_sets_the_time_once(db):
    modification = ModificationFactory()
    publish_modification(modification)
    first = modification.published_at
    publish_modification(modification)
    assert modification.published_at == first is not None


def test_a_stale_version_is_refused(db):
    from secmods.modifications.services import bump_version, update_modification

    modification = ModificationFactory()
    update_modification(modification, expected_version=1, latest_update="First")
    bump_version(modification)
    with pytest.raises(ValidationError, match="Someone else saved this modification"):
        update_modification(modification, expected_version=2, latest_update="Lost")
    modification.refresh_from_db()
    assert modification.latest_update == "First"


def test_deleting_a_sec_section_moves_the_versions_of_the_modifications_naming_it(db):  # type: ignore[no-untyped-def]
    section = save_sec_section(code="L", title="Smart Metering Key Infrastructure")
    modification = ModificationFactory()
    modification.sec_sections.add(section)
    version = Modification.objects.get(pk=modification.pk).version
    delete_sec_section(section)
    assert not Modification.objects.get(pk=modification.pk).sec_sections.exists()
    assert Modification.objects.get(pk=modification.pk).version == version + 1


def test_moving_a_milestone_to_another_modification_bumps_both(db):  # type: ignore[no-untyped-def]
    first, second = ModificationFactory(), ModificationFactory()
    milestone = MilestoneFactory(modification=first)
    before = {m.pk: m.version for m in Modification.objects.filter(pk__in=[first.pk, second.pk])}
    update_milestone(milestone, modification=second)
    after = {m.pk: m.version for m in Modification.objects.filter(pk__in=[first.pk, second.pk])}
    assert after[first.pk] == before[first.pk] + 1
    assert after[second.pk] == before[second.pk] + 1
