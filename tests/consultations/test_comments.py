"""Committee comments: a member changes only their own; a comment tied to a meeting needs an
active Membership of its committee; staff mark comments noted; history is kept."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from secmods.consultations import services
from secmods.consultations.models import Comment
from secmods.parties.models import Person
from tests.factories import (
    AgendaItemFactory,
    CommentFactory,
    CommitteeFactory,
    MeetingFactory,
    MembershipFactory,
    ModificationFactory,
    PersonFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")


def _member_of(user, **kwargs):  # type: ignore[no-untyped-def]
    person = Person.objects.filter(user=user).first() or PersonFactory(user=user)
    return MembershipFactory(person=person, **kwargs)


def test_a_member_changes_only_their_own_comment(db, member_user):
    mine = CommentFactory(author=member_user)
    theirs = CommentFactory()
    services.update_comment(mine, editor=member_user, text="Revised view.")
    with pytest.raises(ValidationError, match="only your own"):
        services.update_comment(theirs, editor=member_user, text="Hijacked")
    theirs.refresh_from_db()
    assert theirs.text == "The CSC noted the proposal."
    assert [h.text for h in mine.history.all()] == ["Revised view.", "The CSC noted the proposal."]


def test_a_member_cannot_open_or_post_to_someone_elses_comment_in_the_admin(
    db, member_client, member_user
):
    theirs = CommentFactory()
    url = reverse("admin:consultations_comment_change", args=[theirs.pk])
    page = member_client.post(url, {"modification": theirs.modification_id, "text": "mine now"})
    assert page.status_code in (302, 403) or b"mine now" not in page.content
    theirs.refresh_from_db()
    assert theirs.text == "The CSC noted the proposal."


def test_a_comment_at_a_meeting_needs_an_active_membership(db, member_user):
    meeting = MeetingFactory()
    modification = ModificationFactory()
    with pytest.raises(ValidationError, match="not an active member"):
        services.create_comment(
            author=member_user, modification=modification, text="Hi", meeting=meeting
        )
    _member_of(
        member_user,
        committee=meeting.committee,
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2020, 12, 31),
    )
    with pytest.raises(ValidationError, match="not an active member"):  # membership ended
        services.create_comment(
            author=member_user, modification=modification, text="Hi", meeting=meeting
        )
    assert not Comment.objects.exists()
    _member_of(member_user, committee=meeting.committee)
    comment = services.create_comment(
        author=member_user, modification=modification, text="Hi", meeting=meeting
    )
    assert comment.meeting == meeting


def test_staff_mark_comments_noted_in_the_report(db, secas_client, member_user):
    comments = [CommentFactory(author=member_user), CommentFactory(author=member_user)]
    url = reverse("admin:consultations_comment_changelist")
    payload = {"action": "mark_noted", "_selected_action": [c.pk for c in comments]}
    member = Client()
    member.force_login(member_user)
    member.post(url, payload)
    assert not Comment.objects.filter(noted_in_report=True).exists()
    page = secas_client.post(url, payload, follow=True)
    assert b"2 comment(s) marked as noted" in page.content
    assert Comment.objects.filter(noted_in_report=True).count() == 2
    assert comments[0].history.count() == 2


def test_a_member_sees_the_next_agendas_of_their_committees_on_the_admin_home(
    db, member_client, member_user
):
    with time_machine.travel(dt.datetime(2021, 4, 20, 9, tzinfo=LONDON), tick=False):
        csc_membership = _member_of(member_user)
        past = MeetingFactory(
            committee=csc_membership.committee, starts_at=dt.datetime(2021, 4, 13, tzinfo=LONDON)
        )
        nxt = MeetingFactory(
            committee=csc_membership.committee,
            starts_at=dt.datetime(2021, 4, 27, 10, tzinfo=LONDON),
        )
        later = MeetingFactory(
            committee=csc_membership.committee, starts_at=dt.datetime(2021, 5, 25, tzinfo=LONDON)
        )
        shown = AgendaItemFactory(meeting=nxt, modification=ModificationFactory(title="Shown"))
        AgendaItemFactory(meeting=past, modification=ModificationFactory(title="Old news"))
        AgendaItemFactory(meeting=later, modification=ModificationFactory(title="Not yet"))
        page = member_client.get(reverse("admin:index"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Your committees&#x27; next agendas" in content or "next agendas" in content
    assert shown.modification.reference in content and "Shown" in content
    assert "Old news" not in content and "Not yet" not in content
    assert "papers due 20 Apr" in content
    add = reverse("admin:consultations_comment_add")
    assert f"{add}?modification={shown.modification_id}&amp;meeting={nxt.pk}" in content
    # The add form picks the prefilled values up.
    page = member_client.get(f"{add}?modification={shown.modification_id}&meeting={nxt.pk}")
    assert page.context["adminform"].form.initial["meeting"] == str(nxt.pk)


def test_staff_without_memberships_see_the_normal_admin_home(db, secas_client):
    page = secas_client.get(reverse("admin:index"))
    assert page.status_code == 200 and b"next agendas" not in page.content


def test_admin_home_agenda_query_count_is_fixed(db, client, django_assert_max_num_queries):
    user = UserFactory(committee_member=True, username="busy")
    client.force_login(user)
    with time_machine.travel(dt.datetime(2021, 4, 20, 9, tzinfo=LONDON), tick=False):
        for n in range(4):
            committee = CommitteeFactory(
                name=f"Sub-Committee {n}", abbreviation=f"S{n}", slug=f"s{n}"
            )
            membership = _member_of(user, committee=committee)
            meeting = MeetingFactory(committee=membership.committee)
            for _ in range(3):
                AgendaItemFactory(meeting=meeting)
        with django_assert_max_num_queries(12):
            page = client.get(reverse("admin:index"))
    assert page.status_code == 200
