"""Committee members comment in the admin: only at meetings of their committees, and they
change or delete only their own comments."""

import datetime as dt

import time_machine
from django.urls import reverse

from secmods.consultations.models import Comment
from tests.admin_forms import admin_form_data, as_post
from tests.factories import (
    ChangeBoardMembershipFactory,
    CommentFactory,
    MembershipFactory,
    PersonFactory,
)

ADD = reverse("admin:consultations_comment_add")


def add_data(client, **values):
    data = as_post(admin_form_data(client.get(ADD).content.decode()))
    data.update(values)
    return data


def csc_meeting(seed):
    return seed.milestones.get(order=2).meeting


def make_member_of(user, committee, **dates):
    return MembershipFactory(person=PersonFactory(user=user), committee=committee, **dates)


def test_a_member_adds_a_comment_at_a_meeting_of_their_committee(seed, member_client, member_user):
    meeting = csc_meeting(seed)
    make_member_of(member_user, meeting.committee)
    data = add_data(
        member_client,
        modification=seed.pk,
        meeting=meeting.pk,
        text="We support removing the forecast.",
        position="supports",
    )
    response = member_client.post(ADD, data)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.author, comment.meeting, comment.noted_in_report) == (
        member_user,
        meeting,
        False,
    )
    assert comment.history.count() == 1
    listed = member_client.get(reverse("admin:consultations_comment_changelist"))
    assert (
        "We support" in listed.content.decode()
        or comment.modification.reference in listed.content.decode()
    )


def test_a_meeting_of_another_committee_is_refused(seed, member_client, member_user):
    meeting = csc_meeting(seed)
    response = member_client.post(
        ADD, add_data(member_client, modification=seed.pk, meeting=meeting.pk, text="Hello")
    )
    assert response.status_code == 200
    assert not Comment.objects.exists()
    # Not even offered in the form, and refused when posted anyway.
    body = response.content.decode()
    assert "Select a valid choice" in body or "not an active member" in body


def test_a_membership_that_ended_yesterday_is_not_active(seed, member_client, member_user):
    meeting = csc_meeting(seed)
    with time_machine.travel(dt.datetime(2024, 3, 10, 12, 0), tick=False):
        ended = make_member_of(
            member_user,
            meeting.committee,
            start_date=dt.date(2020, 1, 1),
            end_date=dt.date(2024, 3, 9),
        )
        # Still on another committee: with every membership ended they would lose the admin
        # altogether (issue 9, tests/core/test_security.py); here only this one has ended.
        ChangeBoardMembershipFactory(person=ended.person, start_date=dt.date(2020, 1, 1))
        data = add_data(member_client, modification=seed.pk, text="x")
        data["meeting"] = meeting.pk
        response = member_client.post(ADD, data)
    assert response.status_code == 200
    assert not Comment.objects.exists()


def test_a_member_cannot_mark_a_comment_noted(seed, member_client, member_user):
    data = add_data(member_client, modification=seed.pk, text="In writing", noted_in_report="on")
    assert member_client.post(ADD, data).status_code == 302
    assert Comment.objects.get().noted_in_report is False


def test_a_member_edits_their_own_comment_but_not_anothers(seed, member_client, member_user):
    own = CommentFactory(modification=seed, author=member_user, text="Mine")
    other = CommentFactory(modification=seed, text="Theirs")
    own_url = reverse("admin:consultations_comment_change", args=[own.pk])
    other_url = reverse("admin:consultations_comment_change", args=[other.pk])

    data = as_post(admin_form_data(member_client.get(own_url).content.decode()))
    data["text"] = "Mine, edited"
    assert member_client.post(own_url, data).status_code == 302
    own.refresh_from_db()
    assert own.text == "Mine, edited"
    assert own.history.count() == 2

    page = member_client.get(other_url)
    assert page.status_code == 200  # may read it
    assert 'name="text"' not in page.content.decode()
    data["text"] = "Hijacked"
    assert member_client.post(other_url, data).status_code == 403
    delete = reverse("admin:consultations_comment_delete", args=[other.pk])
    assert member_client.post(delete, {"post": "yes"}).status_code == 403
    other.refresh_from_db()
    assert other.text == "Theirs"

    own_delete = reverse("admin:consultations_comment_delete", args=[own.pk])
    assert member_client.post(own_delete, {"post": "yes"}).status_code == 302
    assert not Comment.objects.filter(pk=own.pk).exists()


def test_bulk_delete_is_not_offered_to_members(seed, member_client, member_user):
    other = CommentFactory(modification=seed)
    response = member_client.post(
        reverse("admin:consultations_comment_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert Comment.objects.filter(pk=other.pk).exists()
    assert response.status_code in (200, 302)


def test_staff_mark_comments_noted(seed, secas_client):
    comment = CommentFactory(modification=seed)
    url = reverse("admin:consultations_comment_change", args=[comment.pk])
    data = as_post(admin_form_data(secas_client.get(url).content.decode()))
    data["noted_in_report"] = "on"
    assert secas_client.post(url, data).status_code == 302
    comment.refresh_from_db()
    assert comment.noted_in_report


def test_comments_name_their_authors_not_their_logins(seed, secas_client):
    from tests.factories import UserFactory

    author = UserFactory(username="amember42", committee_member=True)
    PersonFactory(user=author, name="Ann Example")
    comment = CommentFactory(modification=seed, author=author, text="Fine by us.")
    listing = secas_client.get(reverse("admin:consultations_comment_changelist")).content.decode()
    page = secas_client.get(
        reverse("admin:consultations_comment_change", args=[comment.pk])
    ).content.decode()
    for html in (listing, page):
        assert "Ann Example" in html
        assert "amember42" not in html
    assert str(comment) == f"Comment by Ann Example on {seed.reference}"
