"""The modification's change page as the analysts' workspace (issue 14): a summary header
with the actions the role may take, the sections in the analysts' order, members' comments
on the page, and a cost that does not grow with the register."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from secmods.consultations.models import Comment
from secmods.rules.dates import ApproxDate
from tests.admin_forms import admin_form_data, as_post
from tests.factories import (
    LONDON,
    AgendaItemFactory,
    CommentFactory,
    CommitteeFactory,
    MeetingFactory,
    MembershipFactory,
    MilestoneFactory,
    ModificationFactory,
    PersonFactory,
)

ADD = reverse("admin:modifications_modification_add")


def change_url(modification):  # type: ignore[no-untyped-def]
    return reverse("admin:modifications_modification_change", args=[modification.pk])


def header(html: str) -> str:
    match = re.search(r'<section class="workspace-header".*?</section>', html, re.S)
    assert match, "no summary header"
    return match.group(0)


def test_the_header_sums_the_modification_up_with_staff_actions(seed, secas_client):
    today = timezone.localdate()
    fresh = ModificationFactory()
    late = ApproxDate.day(today - dt.timedelta(days=3))
    MilestoneFactory(modification=fresh, label="Late thing", when=late)
    soon = ApproxDate.day(today + dt.timedelta(days=9))
    MilestoneFactory(modification=fresh, label="Panel decision", when=soon)
    page = secas_client.get(change_url(fresh)).content.decode()
    # The reference and title are the heading just above the facts and buttons.
    assert f"<h2>{fresh.reference} {fresh.title}</h2>" in page
    html = header(page)
    assert fresh.get_stage_display() in html
    assert f"{soon} (Panel decision)" in html
    assert "1 milestone" in html  # overdue
    html = header(secas_client.get(change_url(seed)).content.decode())
    for action in ["Move stage", "Report (Word)", "Report (HTML)", "Import a new version"]:
        assert action in html
    assert f"?reference={seed.reference}" in html


def test_a_member_sees_no_staff_buttons_in_the_header(seed, member_client):
    html = header(member_client.get(change_url(seed)).content.decode())
    assert "Report (Word)" in html
    for action in ["Move stage", "Import a new version", "Add document"]:
        assert action not in html


def test_the_public_page_button_only_for_a_published_modification(seed, secas_client):
    seed.published_at = timezone.now()
    seed.save()
    html = header(secas_client.get(change_url(seed)).content.decode())
    assert reverse("register:modification", args=[seed.reference]) in html
    unpublished = ModificationFactory(published_at=None)
    html = header(secas_client.get(change_url(unpublished)).content.decode())
    assert "Public page" not in html


def test_sections_come_in_the_workspace_order_the_long_ones_collapsed(seed, secas_client):
    html = secas_client.get(change_url(seed)).content.decode()
    groups = ["milestones", "agenda_items", "comments", "consultations", "documents", "sections"]
    positions = [html.index(f'id="{g}-group"') for g in groups]
    assert positions == sorted(positions)
    assert html.index("workspace-header") < positions[0]

    def opens_collapsed(group: str) -> bool:
        # Django renders a "collapse" inline as a closed <details> around its heading.
        start = html.index(f'id="{group}-group"')
        return "<details>" in html[start : html.index(f'id="{group}-heading"', start)]

    assert opens_collapsed("sections") and opens_collapsed("stage_changes")
    assert not opens_collapsed("milestones") and not opens_collapsed("comments")


# --- Cost independent of the register ------------------------------------------------
def _options(html: str) -> int:
    return html.count("<option")


@pytest.mark.parametrize("page", ["change", "add"])
def test_page_cost_does_not_grow_with_meetings_or_modifications(
    seed, secas_client, django_assert_max_num_queries, page
):
    for meeting in MeetingFactory.create_batch(3):
        MilestoneFactory(modification=seed, meeting=meeting)
        AgendaItemFactory(modification=seed, meeting=meeting)
    url = change_url(seed) if page == "change" else ADD
    with django_assert_max_num_queries(80) as few:
        small = secas_client.get(url).content.decode()
    MeetingFactory.create_batch(300)
    ModificationFactory.create_batch(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        big = secas_client.get(url).content.decode()
    assert _options(big) == _options(small)
    # Bytes: only the numbers in the page (ids, counts) may differ a little.
    assert len(big.encode()) <= len(small.encode()) + 500


def test_change_page_queries_do_not_grow_with_the_timetable_and_comments(
    seed, secas_client, django_assert_max_num_queries
):
    url = change_url(seed)
    with django_assert_max_num_queries(80) as few:
        secas_client.get(url)
    for i in range(15):
        meeting = MeetingFactory()
        MilestoneFactory(modification=seed, meeting=meeting, order=50 + i)
        AgendaItemFactory(modification=seed, meeting=meeting)
        CommentFactory(modification=seed, meeting=meeting)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        assert secas_client.get(url).status_code == 200


def test_the_meeting_pickers_are_search_boxes_showing_the_chosen_meeting(seed, secas_client):
    meeting = MeetingFactory(title="The one chosen")
    MilestoneFactory(modification=seed, meeting=meeting, order=77)
    html = secas_client.get(change_url(seed)).content.decode()
    assert 'data-model-name="milestone"' in html and 'data-field-name="meeting"' in html
    assert 'data-model-name="agendaitem"' in html
    assert str(meeting) in html


def test_the_add_page_picks_the_original_of_an_alternative_by_search(seed, secas_client):
    html = secas_client.get(ADD).content.decode()
    select = re.search(r'<select name="alternative_of".*?</select>', html, re.S)
    assert select and "admin-autocomplete" in select.group(0)
    assert select.group(0).count("<option") == 1  # the blank one


def test_the_alternative_search_answers_from_the_register(seed, secas_client):
    url = reverse("admin:autocomplete")
    answer = secas_client.get(
        url,
        {
            "term": "160",
            "app_label": "modifications",
            "model_name": "milestone",
            "field_name": "modification",
        },
    )
    assert answer.status_code == 200
    assert any(seed.reference in r["text"] for r in answer.json()["results"])


# --- Comments on the page ------------------------------------------------------------
def _member_of_a_committee(user, seed):  # type: ignore[no-untyped-def]
    meeting = seed.milestones.exclude(meeting=None).first().meeting
    MembershipFactory(person=PersonFactory(user=user), committee=meeting.committee)
    return meeting


def _blank_comment_row(data: dict[str, object]) -> int:
    """The empty row a member is offered, after the comments already made."""
    assert int(str(data["comments-TOTAL_FORMS"])) == int(str(data["comments-INITIAL_FORMS"])) + 1
    return int(str(data["comments-INITIAL_FORMS"]))


def test_a_member_adds_a_comment_on_the_modification_page(seed, member_client, member_user):
    meeting = _member_of_a_committee(member_user, seed)
    page = member_client.get(change_url(seed)).content.decode()
    assert "Save your comment" in page
    data = as_post(admin_form_data(page))
    row = _blank_comment_row(data)
    data.update({f"comments-{row}-text": "We support this.", f"comments-{row}-meeting": meeting.pk})
    answer = member_client.post(change_url(seed), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    comment = Comment.objects.get(text="We support this.")
    assert comment.author == member_user and comment.modification == seed
    assert comment.meeting == meeting
    seed.refresh_from_db()
    assert seed.version == 1 or seed.title  # nothing else on the page was written


def test_a_member_cannot_change_or_delete_another_members_comment(seed, member_client, member_user):
    _member_of_a_committee(member_user, seed)
    other = CommentFactory(modification=seed, text="Someone else's view")
    page = member_client.get(change_url(seed)).content.decode()
    data = as_post(admin_form_data(page))
    prefix = next(
        k.removesuffix("-id")
        for k, v in data.items()
        if k.startswith("comments-") and k.endswith("-id") and str(v) == str(other.pk)
    )
    data[f"{prefix}-text"] = "Rewritten by the member"
    data[f"{prefix}-DELETE"] = "on"
    answer = member_client.post(change_url(seed), data)
    assert answer.status_code in (200, 302)
    other.refresh_from_db()
    assert other.text == "Someone else's view"


def test_a_member_with_a_bad_comment_gets_a_form_error_not_a_500(seed, member_client, member_user):
    _member_of_a_committee(member_user, seed)
    panel = CommitteeFactory(name="SEC Panel", abbreviation="Panel", slug="panel", kind="panel")
    elsewhere = MeetingFactory(committee=panel)  # not a committee the member sits on
    data = as_post(admin_form_data(member_client.get(change_url(seed)).content.decode()))
    row = _blank_comment_row(data)
    data.update({f"comments-{row}-text": "Here", f"comments-{row}-meeting": elsewhere.pk})
    answer = member_client.post(change_url(seed), data)
    assert answer.status_code == 200
    assert "errorlist" in answer.content.decode()
    assert not Comment.objects.filter(text="Here").exists()


def test_a_member_posting_the_page_changes_nothing_but_comments(seed, member_client):
    data = as_post(admin_form_data(member_client.get(change_url(seed)).content.decode()))
    data["title"] = "Hijacked"
    member_client.post(change_url(seed), data)
    seed.refresh_from_db()
    assert seed.title != "Hijacked"


def test_staff_add_a_comment_through_the_page(seed, secas_client, secas_user):
    page = secas_client.get(change_url(seed)).content.decode()
    data = as_post(admin_form_data(page))
    total = int(data["comments-TOTAL_FORMS"])
    data.update(
        {
            "comments-TOTAL_FORMS": total + 1,
            f"comments-{total}-text": "Noted by SECAS",
            f"comments-{total}-id": "",
            f"comments-{total}-modification": seed.pk,
        }
    )
    answer = secas_client.post(change_url(seed), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Comment.objects.get(text="Noted by SECAS").author == secas_user


def test_the_meeting_search_takes_a_committee_and_a_year(seed, secas_client):
    wanted = MeetingFactory(starts_at=dt.datetime(2030, 3, 4, 10, 0, tzinfo=LONDON))
    MeetingFactory(starts_at=dt.datetime(2031, 3, 4, 10, 0, tzinfo=LONDON))
    answer = secas_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "CSC mar 2030",
            "app_label": "modifications",
            "model_name": "milestone",
            "field_name": "meeting",
        },
    )
    assert [r["id"] for r in answer.json()["results"]] == [str(wanted.pk)]


def test_staff_tick_noted_on_a_members_comment_whose_words_stay_as_written(seed, secas_client):
    other = CommentFactory(modification=seed, text="A member's view")
    page = secas_client.get(change_url(seed)).content.decode()
    assert '<p class="shown">A member&#x27;s view</p>' in page
    data = as_post(admin_form_data(page))
    prefix = next(
        k.removesuffix("-id")
        for k, v in data.items()
        if k.startswith("comments-") and k.endswith("-id") and str(v) == str(other.pk)
    )
    data.update({f"{prefix}-text": "Reworded by staff", f"{prefix}-noted_in_report": "on"})
    answer = secas_client.post(change_url(seed), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    other.refresh_from_db()
    assert other.noted_in_report and other.text == "A member's view"


def test_the_edit_checks_counter_is_not_shown_to_staff(seed, secas_client):
    html = secas_client.get(change_url(seed)).content.decode()
    assert "Version:" not in html and "field-version" not in html
    assert 'name="loaded_version"' in html  # still sent back, hidden, for the edit check
