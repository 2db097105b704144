import datetime as dt
import re

import pytest
from django.urls import reverse

from secmods.modifications.models import Milestone, Modification
from tests.admin_forms import admin_form_data, as_post
from tests.factories import (
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
    ReportSectionFactory,
)

CHANGELIST = reverse("admin:modifications_modification_changelist")


def change_page_data(client, modification):
    url = reverse("admin:modifications_modification_change", args=[modification.pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, as_post(admin_form_data(page.content.decode()))


@pytest.mark.parametrize("spelling", ["MP160", "mp 160", "DP160", "160", "dp160"])
def test_admin_search_finds_every_spelling(seed, secas_client, spelling):
    ModificationFactory(number=16, title="Another one")
    ModificationFactory(number=1160, title="And another")
    page = secas_client.get(CHANGELIST, {"q": spelling})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [seed]


def test_the_change_page_answers_to_the_reference_too(seed, secas_client):
    page = secas_client.get("/admin/modifications/modification/MP160/change/")
    assert page.status_code == 200
    assert page.context["original"] == seed


@pytest.mark.parametrize("rows", [1, 60])
def test_changelist_query_count_does_not_grow_with_rows(
    db, secas_client, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        modification = ModificationFactory()
        MilestoneFactory(modification=modification)
    with django_assert_max_num_queries(12):
        assert secas_client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize("rows", [1, 60])
def test_a_search_matching_every_title_costs_the_same_queries_at_any_size(
    db, secas_client, django_assert_max_num_queries, rows
):
    """One count, of the matches only: no second count of the whole register
    (show_full_result_count = False), and one query for the page's rows."""
    for _ in range(rows):
        ModificationFactory()
    with django_assert_max_num_queries(11) as captured:
        page = secas_client.get(CHANGELIST, {"q": "topic"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == rows
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1 and "LIKE" in counts[0]


@pytest.mark.postgres
def test_the_title_search_has_a_trigram_index_with_statistics(db):
    """The index the planner reads UPPER(title)'s statistics from (migration 0003)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'modification_title_trigram'"
        )
        (definition,) = cursor.fetchone()
        # An empty table is read whole whatever its indexes: ask whether this one serves.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM modifications_modification "
            "WHERE UPPER(title::text) LIKE UPPER('%%zebra%%')"
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "gin_trgm_ops" in definition and "upper" in definition.lower()
    assert "modification_title_trigram" in plan


@pytest.mark.parametrize(
    "name",
    [
        "modifications_milestone",
        "committees_meeting",
        "consultations_comment",
        "parties_person",
        "committees_membership",
    ],
)
@pytest.mark.parametrize("rows", [1, 30])
def test_other_changelists_query_counts_are_pinned(
    seed, secas_client, django_assert_max_num_queries, name, rows
):
    from tests.factories import CommentFactory, MembershipFactory

    for _ in range(rows):
        MilestoneFactory(meeting=MeetingFactory())
        CommentFactory(meeting=MeetingFactory())
        MembershipFactory()
    with django_assert_max_num_queries(12):
        assert secas_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_change_page_query_count_does_not_grow_with_milestones(
    seed, secas_client, django_assert_max_num_queries
):
    url = reverse("admin:modifications_modification_change", args=[seed.pk])
    with django_assert_max_num_queries(60) as few:
        secas_client.get(url)
    for _ in range(20):
        MilestoneFactory(modification=seed, meeting=MeetingFactory())
        ReportSectionFactory(modification=seed, order=100 + _)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        assert secas_client.get(url).status_code == 200


def test_staff_add_a_modification_and_it_gets_the_next_number(seed, secas_client):
    url = reverse("admin:modifications_modification_add")
    data = as_post(admin_form_data(secas_client.get(url).content.decode()))
    data.update({"title": "Remove the paper form", "raised_on": "2021-05-04"})
    response = secas_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Modification.objects.get(title="Remove the paper form")
    assert created.reference == "DP161"
    assert created.history.first().history_user.username == "analyst"


def test_staff_add_an_alternative_gets_a_letter(seed, secas_client):
    url = reverse("admin:modifications_modification_add")
    data = as_post(admin_form_data(secas_client.get(url).content.decode()))
    data.update({"title": "Alternative", "raised_on": "2021-05-04", "alternative_of": seed.pk})
    assert secas_client.post(url, data).status_code == 302
    assert Modification.objects.get(title="Alternative").reference == "MP160A"


def test_a_duplicate_number_is_a_form_error(seed, secas_client):
    url = reverse("admin:modifications_modification_add")
    data = as_post(admin_form_data(secas_client.get(url).content.decode()))
    data.update({"title": "Again", "raised_on": "2021-05-04", "number": "160"})
    response = secas_client.post(url, data)
    assert response.status_code == 200
    assert "A modification with this reference exists already." in response.content.decode()
    assert Modification.objects.count() == 1


def test_a_nul_byte_in_the_title_is_a_form_error(seed, secas_client):
    url, data = change_page_data(secas_client, seed)
    data["title"] = "Bad\x00title"
    response = secas_client.post(url, data)
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    seed.refresh_from_db()
    assert seed.title == "Certificate Signing Request forecasting"


def milestone_prefix(data):
    return next(k.split("-")[0] for k in data if k.endswith("-TOTAL_FORMS") and "milestone" in k)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31 Feb 2021", "not a real date"),
        ("Q5 2021", "Q5 is not a quarter"),
        ("soon", "not a date"),
    ],
)
def test_a_bad_timetable_date_is_a_form_error_and_nothing_is_half_saved(
    seed, secas_client, typed, message
):
    url, data = change_page_data(secas_client, seed)
    prefix = milestone_prefix(data)
    data["title"] = "Changed title that must not be saved"
    data[f"{prefix}-2-when"] = typed
    response = secas_client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    seed.refresh_from_db()
    assert seed.title == "Certificate Signing Request forecasting"
    assert str(seed.milestones.get(order=3).when) == "May 2021"


def test_replanning_in_the_admin_keeps_the_baseline_and_history(seed, secas_client):
    url, data = change_page_data(secas_client, seed)
    prefix = milestone_prefix(data)
    # The fourth milestone is tied to the 1 June CSC; untie it and move it to 6 July.
    data[f"{prefix}-3-meeting"] = ""
    data[f"{prefix}-3-when"] = "6 Jul 2021"
    # Years in the past: asked once, then saved with "Save anyway".
    asked = secas_client.post(url, data)
    assert asked.status_code == 200
    assert "more than a year ago" in asked.content.decode()
    data[f"{prefix}-3-confirm_date"] = "1"
    response = secas_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    milestone = seed.milestones.get(order=4)
    assert str(milestone.when) == "6 Jul 2021"
    assert str(milestone.baseline) == "1 Jun 2021"
    assert milestone.history.count() == 2
    assert milestone.history.first().history_user.username == "analyst"
    changelist = secas_client.get(reverse("admin:modifications_milestone_changelist"))
    assert "6 Jul 2021 (was 1 Jun 2021)" in changelist.content.decode()


def test_a_month_only_milestone_can_be_added_in_the_admin(seed, secas_client):
    url, data = change_page_data(secas_client, seed)
    prefix = milestone_prefix(data)
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
    data.update(
        {
            f"{prefix}-{n}-kind": "working_group",
            f"{prefix}-{n}-label": "Working Group meeting",
            f"{prefix}-{n}-status": "planned",
            f"{prefix}-{n}-when": "Q3 2021",
            f"{prefix}-{n}-confirm_date": "1",  # a back-filled plan: long past, confirmed
            f"{prefix}-{n}-order": "5",
            f"{prefix}-{n}-modification": str(seed.pk),
        }
    )
    response = secas_client.post(url, data)
    assert response.status_code == 302
    added = Milestone.objects.get(label="Working Group meeting")
    assert (added.precision, added.date_from, added.date_to) == (
        "quarter",
        dt.date(2021, 7, 1),
        dt.date(2021, 9, 30),
    )


def test_two_analysts_editing_at_once_the_second_is_told(seed, client):
    from tests.factories import UserFactory

    first, second = UserFactory(secas_staff=True), UserFactory(secas_staff=True)
    client.force_login(first)
    url, first_data = change_page_data(client, seed)
    client.force_login(second)
    _, second_data = change_page_data(client, seed)
    client.force_login(first)
    first_data["latest_update"] = "First analyst's update"
    assert client.post(url, first_data).status_code == 302
    client.force_login(second)
    second_data["latest_update"] = "Second analyst's update"
    response = client.post(url, second_data)
    assert response.status_code == 200
    assert "Someone else saved this modification" in response.content.decode()
    seed.refresh_from_db()
    assert seed.latest_update == "First analyst's update"


def test_move_stage_page_refuses_with_reasons_then_moves(seed, secas_client):
    url = reverse("admin:modifications_modification_move", args=[seed.pk])
    page = secas_client.get(url)
    assert page.status_code == 200
    assert "Refinement" in page.content.decode()
    refused = secas_client.post(url, {"to": "refinement", "decided_by": "CSC"})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "This move is refused" in body and "Set the modification" in body
    seed.path = "path_3"
    seed.save()
    meeting = seed.milestones.get(order=2).meeting
    moved = secas_client.post(
        url,
        {"to": "refinement", "decided_by": "CSC", "meeting": meeting.pk, "reason": "Agreed"},
    )
    assert moved.status_code == 302
    seed.refresh_from_db()
    assert seed.reference == "MP160"
    change = seed.stage_changes.get()
    assert (change.meeting, change.changed_by.username, change.reason) == (
        meeting,
        "analyst",
        "Agreed",
    )
    history = secas_client.get(reverse("admin:modifications_modification_history", args=[seed.pk]))
    assert history.status_code == 200


def test_the_move_stage_meeting_picker_searches_instead_of_listing_every_meeting(
    seed, secas_client
):
    MeetingFactory.create_batch(30)
    url = reverse("admin:modifications_modification_move", args=[seed.pk])
    html = secas_client.get(url).content.decode()
    select = re.search(r'<select name="meeting".*?</select>', html, re.S)
    assert select and "admin-autocomplete" in select.group(0)
    assert 'data-model-name="stagechange"' in select.group(0)
    assert select.group(0).count("<option") == 1  # the blank one, not 30 meetings
    assert "admin/js/autocomplete.js" in html
    wanted = seed.milestones.get(order=2).meeting
    found = secas_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "modifications",
            "model_name": "stagechange",
            "field_name": "meeting",
            "term": f"{wanted.committee.abbreviation} {wanted.date:%b %Y}",
        },
    ).json()["results"]
    assert str(wanted.pk) in {r["id"] for r in found}


def test_stage_cannot_be_changed_through_the_form(seed, secas_client):
    url, data = change_page_data(secas_client, seed)
    data["stage"] = "approved"
    assert secas_client.post(url, data).status_code == 302
    seed.refresh_from_db()
    assert seed.stage == "draft_proposal"


def test_the_change_page_lists_the_glossary_terms_its_text_uses(seed, secas_client):
    _, _ = change_page_data(secas_client, seed)
    page = secas_client.get(reverse("admin:modifications_modification_change", args=[seed.pk]))
    body = page.content.decode()
    for acronym in ["CSC", "CSR", "DCCKI", "SECAS", "SMKI"]:
        assert f"<b>{acronym}</b>" in body


def test_moving_a_milestone_to_another_modification_moves_both_versions_on(seed, secas_client):
    other = ModificationFactory(number=161, title="The other one")
    milestone = MilestoneFactory(modification=seed, label="Moved")
    versions = {m.pk: m.version for m in Modification.objects.filter(pk__in=[seed.pk, other.pk])}
    url = reverse("admin:modifications_milestone_change", args=[milestone.pk])
    data = as_post(admin_form_data(secas_client.get(url).content.decode()))
    data["modification"] = other.pk
    response = secas_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Milestone.objects.get(pk=milestone.pk).modification_id == other.pk
    for modification in Modification.objects.filter(pk__in=[seed.pk, other.pk]):
        assert modification.version > versions[modification.pk], modification.reference
