"""committees.selectors: who is an active member on a day, and when papers are due."""

from __future__ import annotations

import datetime as dt

from secmods.committees import selectors
from tests.factories import MeetingFactory, MembershipFactory, UserFactory


def test_a_membership_is_active_from_its_start_to_its_end_day(db):  # type: ignore[no-untyped-def]
    user = UserFactory(committee_member=True)
    membership = MembershipFactory(
        person__user=user, start_date=dt.date(2021, 1, 1), end_date=dt.date(2021, 6, 30)
    )
    committee = membership.committee_id
    assert selectors.active_committee_ids(user, dt.date(2020, 12, 31)) == set()
    assert selectors.active_committee_ids(user, dt.date(2021, 1, 1)) == {committee}
    assert selectors.active_committee_ids(user, dt.date(2021, 6, 30)) == {committee}
    assert selectors.active_committee_ids(user, dt.date(2021, 7, 1)) == set()
    assert selectors.active_committee_ids(None, dt.date(2021, 3, 1)) == set()


def test_papers_are_due_working_days_before_the_meeting(db):  # type: ignore[no-untyped-def]
    # Tuesday 27 April 2021; five Working Days before it is Tuesday 20 April.
    meeting = MeetingFactory(
        committee__papers_due_working_days=5,
        starts_at=dt.datetime(2021, 4, 27, 10, tzinfo=dt.UTC),
    )
    assert meeting.date == dt.date(2021, 4, 27)
    assert selectors.papers_due_on(meeting) == dt.date(2021, 4, 20)
