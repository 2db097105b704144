"""The permission matrix of the admin: anonymous, committee member and SECAS staff over every
add, change and delete URL of every model we register, by real POSTs of the full admin form."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from secmods.committees.models import AgendaItem, Meeting, Membership
from secmods.consultations.models import Comment
from tests.admin_forms import admin_form_data, as_post
from tests.factories import (
    ChangeBoardMembershipFactory,
    CommentFactory,
    ConsultationFactory,
    InvitationFactory,
    MembershipFactory,
    MilestoneFactory,
    ModificationFactory,
    QuestionFactory,
    ReleaseFactory,
    UserFactory,
    party_category,
)

REPORT = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "draft-modification-report-csr-forecasting.txt"
)
OUR_APPS = {
    "parties",
    "committees",
    "modifications",
    "consultations",
    "glossary",
    "reminders",
    "votes",
    "documents",
}


def our_models():
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label in OUR_APPS),
        key=lambda m: m._meta.label,
    )


MODEL_LABELS = [m._meta.label for m in our_models()]


@pytest.fixture
def world(seed):
    """The seed plus one object of every registered model, and a comment by someone else."""
    MembershipFactory(committee=seed.milestones.exclude(meeting=None).first().meeting.committee)
    ReleaseFactory()
    MilestoneFactory(modification=seed)
    staff_author = UserFactory(secas_staff=True, username="another-analyst")
    CommentFactory(modification=seed, author=staff_author)
    _consultation_with_a_response(staff_author)
    _change_board_vote(staff_author)
    _library_document_and_report_version(seed, staff_author)
    _reminder_rule_with_a_planned_reminder(seed)
    return seed


def _reminder_rule_with_a_planned_reminder(seed):
    import datetime as dt

    from django.utils import timezone

    from secmods.reminders.models import Reminder, Unsubscription
    from tests.factories import MeetingFactory, ReminderRuleFactory

    rule = ReminderRuleFactory(recipient_kinds=["named"], addresses="secretariat@example.org")
    committee = seed.milestones.exclude(meeting=None).first().meeting.committee
    MeetingFactory(committee=committee, starts_at=timezone.now() + dt.timedelta(days=40))
    Unsubscription.objects.create(email="former@example.org", rule=rule)
    assert Reminder.objects.exists()


def _library_document_and_report_version(seed, staff_author):
    from secmods.documents.models import ReportVersion
    from secmods.documents.services import add_document
    from tests.documents.pdfmaker import text_pdf

    add_document(
        seed,
        data=text_pdf(["DCC Preliminary Assessment", "MP160"]),
        filename="assessment.pdf",
        kind="dcc_assessment",
        user=staff_author,
    )
    # A newer version of the report keeps the previous text as a ReportVersion.
    from django.conf import settings

    newer = Path(settings.MEDIA_ROOT) / "newer-report.txt"
    newer.parent.mkdir(parents=True, exist_ok=True)
    newer.write_text(
        REPORT.read_text(encoding="utf-8").replace(
            "This will be investigated during the Refinement Process.",
            "The Working Group found no impact on consumers.",
        ),
        encoding="utf-8",
    )
    call_command("import_report", str(newer), "--reference", "DP160", verbosity=0)
    assert ReportVersion.objects.exists()


def _consultation_with_a_response(staff_author):
    from secmods.consultations.models import Response

    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation, kind="free_text", text="Any comments?")
    invitation = InvitationFactory(consultation=consultation)
    Response.objects.create(
        consultation=consultation,
        invitation=invitation,
        respondent_name="Rita Respondent",
        organisation_name="Energy Supplier Ltd",
        party_category=party_category("large-supplier"),
        received_at=consultation.opens_at,
    )


def _change_board_vote(staff_author):
    from secmods.votes.services import record_vote

    membership = ChangeBoardMembershipFactory()
    modification = ModificationFactory(stage="change_board", path="path_3")
    record_vote(modification, person=membership.person, choice="for", recorded_by=staff_author)


def staff_may(action, model, obj, staff):
    """What the model's admin allows SECAS staff; read-only admins say no even to staff."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = staff
    model_admin = admin.site._registry[model]
    check = getattr(model_admin, f"has_{action}_permission")
    return check(request) if action == "add" else check(request, obj)


def first_object(model):
    return model._default_manager.order_by("pk").first()


def change_url(model, obj):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])


def snapshot(model):
    return sorted(model._default_manager.values_list(), key=lambda row: row[0])


@pytest.mark.parametrize("label", MODEL_LABELS)
def test_staff_can_save_every_change_form_and_others_cannot(world, client, label):
    model = apps.get_model(label)
    obj = first_object(model)
    assert obj is not None, f"the world has no {label}"
    url = change_url(model, obj)

    staff = UserFactory(secas_staff=True, username="staff")
    client.force_login(staff)
    page = client.get(url)
    assert page.status_code == 200
    data = as_post(admin_form_data(page.content.decode()))
    data["_continue"] = "Save and continue editing"
    before = snapshot(model)

    member = UserFactory(committee_member=True, username="member")
    client.force_login(member)
    response = client.post(url, data)
    if label == "modifications.Modification":
        # Members post this page for their own comments only; nothing else on it is read.
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403, f"committee member changed a {label}"
    assert snapshot(model) == before

    client.logout()
    response = client.post(url, data)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert snapshot(model) == before

    client.force_login(staff)
    response = client.post(url, data)
    if staff_may("change", model, obj, staff):
        assert response.status_code == 302, response.content.decode()[:3000]
    else:  # kept read-only in the admin (written by its own service), for staff too
        assert response.status_code == 403
        assert snapshot(model) == before


@pytest.mark.parametrize("label", MODEL_LABELS)
def test_only_staff_and_comment_authors_may_add_and_delete(world, client, label):
    model = apps.get_model(label)
    obj = first_object(model)
    meta = model._meta
    add_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    delete_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
    member = UserFactory(committee_member=True, username="member")
    staff = UserFactory(secas_staff=True, username="staff")
    before = snapshot(model)

    client.force_login(member)
    add_status = client.get(add_url).status_code
    # The comment in the world is someone else's: the member may not delete it.
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert snapshot(model) == before
    if model is Comment:
        assert add_status == 200
    else:
        assert add_status == 403
        assert client.post(add_url, {}).status_code == 403
        assert snapshot(model) == before

    client.logout()
    for url in (add_url, delete_url):
        response = client.post(url, {"post": "yes"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert snapshot(model) == before

    client.force_login(staff)
    assert client.get(add_url).status_code == (200 if staff_may("add", model, obj, staff) else 403)
    expected = 200 if staff_may("delete", model, obj, staff) else 403
    assert client.get(delete_url).status_code == expected


def test_members_view_modifications_meetings_and_glossary(world, member_client):
    for name in ["modifications_modification", "committees_meeting", "glossary_glossaryterm"]:
        assert member_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    page = member_client.get(change_url(type(world), world))
    assert page.status_code == 200
    assert b"Certificate Signing Request forecasting" in page.content
    assert b'name="title"' not in page.content  # read only


def test_a_member_cannot_move_a_stage(world, member_client):
    url = reverse("admin:modifications_modification_move", args=[world.pk])
    assert member_client.get(url).status_code == 403
    assert member_client.post(url, {"to": "closed", "reason": "x"}).status_code == 403
    world.refresh_from_db()
    assert world.stage == "draft_proposal"


def test_staff_delete_works(world, secas_client):
    term = first_object(apps.get_model("glossary.GlossaryTerm"))
    url = reverse("admin:glossary_glossaryterm_delete", args=[term.pk])
    assert secas_client.post(url, {"post": "yes"}).status_code == 302
    assert not type(term).objects.filter(pk=term.pk).exists()


def test_world_has_agenda_items_memberships_and_meetings(world):
    assert AgendaItem.objects.exists() and Membership.objects.exists() and Meeting.objects.exists()
