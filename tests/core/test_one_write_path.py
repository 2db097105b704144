"""One write path: for each main service, the admin and the API give the same result and
refuse the same things (nothing written on a refusal). Each row of the table is one service;
each door is run on the same starting state and must end in the row's expected state.

The management commands join in where they share a service with the admin: import_report
(a Modification Report with its sections, timetable and glossary) is run through the admin's
upload-preview-confirm page and through `manage.py import_report` on the same file, with the
same result or the same refusal. (forget_person has no other door; load_seed writes demo
data; the export commands write no rows.)
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from secmods.committees.models import Meeting
from secmods.consultations.models import Consultation
from secmods.glossary.models import GlossaryTerm
from secmods.modifications.models import Milestone, Modification
from tests.admin_forms import admin_form_data, as_post
from tests.factories import MeetingFactory, MilestoneFactory, ModificationFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2021, 4, 1, 9, tzinfo=LONDON)


@dataclass
class World:
    staff: Any
    admin: Client
    api: APIClient
    modification: Modification
    milestone: Milestone
    meeting: Meeting


def _form(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    data = as_post(admin_form_data(client.get(url).content.decode()))
    data.update({k: v for k, v in changes.items() if v is not None})
    return data


def _accepted(response: Any) -> bool:
    assert response.status_code < 500, response.status_code
    return response.status_code in (200, 201, 204, 302) and not (
        response.status_code == 200 and "errornote" in response.content.decode()
    )


def _api_accepted(response: Any) -> bool:
    assert response.status_code < 500, response.status_code
    return response.status_code in (200, 201, 204)


MOD_URL = "/api/v1/modifications"


# --- The doors of each service ---------------------------------------------------------
def create_modification_admin(w: World, title: str) -> bool:
    url = reverse("admin:modifications_modification_add")
    return _accepted(w.admin.post(url, _form(w.admin, url, title=title, raised_on="19/04/2021")))


def create_modification_api(w: World, title: str) -> bool:
    body = {"title": title, "raised_on": "2021-04-19"}
    return _api_accepted(w.api.post(f"{MOD_URL}/", body, format="json"))


def add_milestone_admin(w: World, when: str) -> bool:
    url = reverse("admin:modifications_milestone_add")
    data = _form(
        w.admin, url, modification=w.modification.pk, kind="other", label="Added", when=when
    )
    return _accepted(w.admin.post(url, data))


def add_milestone_api(w: World, when: str) -> bool:
    body = {"kind": "other", "label": "Added", "when": _api_when(when)}
    url = f"{MOD_URL}/{w.modification.reference}/milestones/"
    return _api_accepted(w.api.post(url, body, format="json"))


def _api_when(text: str) -> Any:
    return {
        "Q3 2021": {"precision": "quarter", "date": "2021-07-01"},
        "May 2021": {"precision": "month", "date": "2021-05-01"},
    }.get(text, {"precision": "quarter", "date": text})


def replan_milestone_admin(w: World, when: str, stale: bool = False) -> bool:
    url = reverse("admin:modifications_milestone_change", args=[w.milestone.pk])
    data = _form(w.admin, url, when=when)
    if stale:
        data["loaded_version"] = w.milestone.version - 1
    return _accepted(w.admin.post(url, data))


def replan_milestone_api(w: World, when: str, stale: bool = False) -> bool:
    url = f"{MOD_URL}/{w.modification.reference}/milestones/{w.milestone.pk}/"
    version = w.milestone.version - 1 if stale else w.milestone.version
    return _api_accepted(
        w.api.patch(url, {"when": _api_when(when)}, format="json", HTTP_IF_MATCH=f'"{version}"')
    )


def move_stage_admin(w: World, to: str) -> bool:
    url = reverse("admin:modifications_modification_move", args=[w.modification.pk])
    response = w.admin.post(url, {"to": to, "decided_by": "CSC", "reason": "Agreed"})
    assert response.status_code < 500
    return response.status_code == 302


def move_stage_api(w: World, to: str) -> bool:
    url = f"{MOD_URL}/{w.modification.reference}/transitions/"
    body = {"to": to, "decided_by": "CSC", "reason": "Agreed"}
    response = w.api.post(url, body, format="json")
    assert response.status_code < 500
    return response.status_code == 200


def update_meeting_admin(w: World, status: str) -> bool:
    url = reverse("admin:committees_meeting_change", args=[w.meeting.pk])
    return _accepted(w.admin.post(url, _form(w.admin, url, status=status)))


def update_meeting_api(w: World, status: str) -> bool:
    url = f"/api/v1/meetings/{w.meeting.pk}/"
    return _api_accepted(w.api.patch(url, {"status": status}, format="json"))


def open_consultation_admin(w: World, stage: str) -> bool:
    Modification.objects.filter(pk=w.modification.pk).update(stage=stage)
    url = reverse("admin:consultations_consultation_add")
    data = {
        **_form(w.admin, url, modification=w.modification.pk, kind="report"),
        "questions-TOTAL_FORMS": "1",
        "questions-0-order": "1",
        "questions-0-kind": "agree_disagree",
        "questions-0-text": "Do you agree?",
    }
    return _accepted(w.admin.post(url, data))


def open_consultation_api(w: World, stage: str) -> bool:
    Modification.objects.filter(pk=w.modification.pk).update(stage=stage)
    reference = Modification.objects.get(pk=w.modification.pk).reference
    body = {"modification": reference, "kind": "report", "questions": [{"text": "Do you agree?"}]}
    return _api_accepted(w.api.post("/api/v1/consultations/", body, format="json"))


def glossary_admin(w: World, acronym: str) -> bool:
    url = reverse("admin:glossary_glossaryterm_add")
    data = _form(w.admin, url, acronym=acronym, full_term="Data and Communications Company")
    return _accepted(w.admin.post(url, data))


def glossary_api(w: World, acronym: str) -> bool:
    body = {"acronym": acronym, "full_term": "Data and Communications Company"}
    return _api_accepted(w.api.post("/api/v1/glossary/", body, format="json"))


# --- What each row expects -------------------------------------------------------------
def _state(w: World) -> tuple[Any, ...]:
    milestone = Milestone.objects.get(pk=w.milestone.pk)
    meeting = Meeting.objects.get(pk=w.meeting.pk)
    return (
        list(Modification.objects.order_by("number", "suffix").values_list("number", "title")),
        sorted(
            Milestone.objects.values_list("label", "precision", "date_from", "baseline_precision")
        ),
        (milestone.precision, milestone.date_from),
        Modification.objects.get(pk=w.modification.pk).stage,
        (meeting.status, meeting.sequence),
        list(Consultation.objects.values_list("title", flat=True)),
        list(GlossaryTerm.objects.values_list("acronym", flat=True)),
    )


@dataclass
class Row:
    service: str
    admin: Callable[..., bool]
    api: Callable[..., bool]
    args: tuple[Any, ...]
    accepted: bool
    expect: Callable[[World, tuple[Any, ...]], None]


def _unchanged(w: World, before: tuple[Any, ...]) -> None:
    assert _state(w) == before


def _new_modification(w: World, before: tuple[Any, ...]) -> None:
    mods = _state(w)[0]
    assert mods == [*before[0], (max(n for n, _ in before[0]) + 1, "A new modification")]


def _milestone_added(w: World, before: tuple[Any, ...]) -> None:
    assert ("Added", "quarter", dt.date(2021, 7, 1), "") in _state(w)[1]


def _replanned(w: World, before: tuple[Any, ...]) -> None:
    assert _state(w)[2] == ("month", dt.date(2021, 5, 1))
    assert Milestone.objects.get(pk=w.milestone.pk).baseline is not None


def _moved(w: World, before: tuple[Any, ...]) -> None:
    assert _state(w)[3] == "refinement"


def _cancelled(w: World, before: tuple[Any, ...]) -> None:
    assert _state(w)[4] == ("cancelled", before[4][1] + 1)  # calendars see the change


def _consultation_opened(w: World, before: tuple[Any, ...]) -> None:
    assert _state(w)[5] == [f"MP{w.modification.number} Modification Report Consultation"]


def _no_consultation(w: World, before: tuple[Any, ...]) -> None:
    assert _state(w)[5] == []


def _term_added(w: World, before: tuple[Any, ...]) -> None:
    assert _state(w)[6] == sorted([*before[6], "DCC"])


TABLE = [
    Row("create modification", create_modification_admin, create_modification_api,
        ("A new modification",), True, _new_modification),
    Row("create modification: NUL in the title", create_modification_admin,
        create_modification_api, ("A\x00B",), False, _unchanged),
    Row("add milestone", add_milestone_admin, add_milestone_api, ("Q3 2021",), True,
        _milestone_added),
    Row("add milestone: impossible date", add_milestone_admin, add_milestone_api,
        ("2021-02-31",), False, _unchanged),
    Row("replan milestone", replan_milestone_admin, replan_milestone_api, ("May 2021",), True,
        _replanned),
    Row("replan milestone: stale version", replan_milestone_admin, replan_milestone_api,
        ("May 2021", True), False, _unchanged),
    Row("move stage", move_stage_admin, move_stage_api, ("refinement",), True, _moved),
    Row("move stage: not a move of the table", move_stage_admin, move_stage_api,
        ("approved",), False, _unchanged),
    Row("cancel meeting", update_meeting_admin, update_meeting_api, ("cancelled",), True,
        _cancelled),
    Row("update meeting: no such status", update_meeting_admin, update_meeting_api,
        ("postponed-ish",), False, _unchanged),
    Row("open consultation", open_consultation_admin, open_consultation_api,
        ("report_phase",), True, _consultation_opened),
    Row("open consultation: withdrawn modification", open_consultation_admin,
        open_consultation_api, ("withdrawn",), False, _no_consultation),
    Row("glossary term", glossary_admin, glossary_api, ("DCC",), True, _term_added),
]  # fmt: skip


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    staff = UserFactory(secas_staff=True)
    admin_client = Client()
    admin_client.force_login(staff)
    api = APIClient()
    api.force_authenticate(staff)
    modification = ModificationFactory(
        number=150, path="path_3", problem_statement_agreed=True, stage="draft_proposal"
    )
    milestone = MilestoneFactory(modification=modification, label="CSC")
    meeting = MeetingFactory(starts_at=NOW + dt.timedelta(days=30))
    GlossaryTerm.objects.create(acronym="SEC", full_term="Smart Energy Code")
    return World(staff, admin_client, api, modification, milestone, meeting)


@pytest.mark.parametrize("door", ["admin", "api"])
@pytest.mark.parametrize("row", TABLE, ids=[r.service for r in TABLE])
def test_every_door_gives_the_same_result(world: World, row: Row, door: str) -> None:
    with time_machine.travel(NOW, tick=False):
        before = _state(world)
        accepted = getattr(row, door)(world, *row.args)
    assert accepted is row.accepted, f"{row.service} through the {door}"
    row.expect(world, before)


def test_a_duplicate_acronym_is_refused_by_both_doors(world: World) -> None:
    GlossaryTerm.objects.create(acronym="DCC", full_term="Data and Communications Company")
    before = _state(world)
    assert not glossary_admin(world, "dcc")
    assert not glossary_api(world, "dcc")
    assert _state(world) == before


# --- import_report: the admin's page and the command ------------------------------------
def _import_admin(w: World, name: str, data: bytes, reference: str) -> bool:
    url = reverse("admin:documents_import_report")
    upload = SimpleUploadedFile(name, data)
    preview = w.admin.post(url, {"file": upload, "reference": reference, "title": TITLE})
    assert preview.status_code == 200, preview.status_code
    confirm = preview.context.get("confirm_form")
    if confirm is None:
        return False  # refused at the preview, with the reason on the form
    done = w.admin.post(url, {"token": confirm.initial["token"]})
    return _accepted(done)


def _import_command(w: World, name: str, data: bytes, reference: str, tmp_path: Any) -> bool:
    path = tmp_path / name
    path.write_bytes(data)
    args = [str(path), "--title", TITLE] + (["--reference", reference] if reference else [])
    try:
        call_command("import_report", *args, stdout=io.StringIO())
    except CommandError:
        return False
    return True


def _imported(w: World) -> tuple[Any, ...]:
    return (
        sorted(
            (m.reference, m.title, m.sections.count(), m.milestones.count())
            for m in Modification.objects.all()
        ),
        sorted(GlossaryTerm.objects.values_list("acronym", flat=True)),
    )


TITLE = "Certificate Signing Request forecasting"
SEED_REPORT = (Path(__file__).parent.parent / "documents" / "data").joinpath(
    "draft-modification-report-csr-forecasting.txt"
)

IMPORT_TABLE = [
    ("a Modification Report", "report.txt", SEED_REPORT.read_bytes(), "MP160", True),
    ("a report that gives no reference", "report.txt", SEED_REPORT.read_bytes(), "", False),
    ("a reference that is none", "report.txt", SEED_REPORT.read_bytes(), "XY", False),
    ("not a document at all", "report.txt", b"\x00\x01\x02 binary", "", False),
    ("an empty file", "report.txt", b"", "", False),
    ("a file type no report comes in", "report.exe", b"MZ\x90\x00", "", False),
]


@pytest.mark.parametrize(
    ("case", "name", "data", "reference", "accepted"),
    IMPORT_TABLE,
    ids=[row[0] for row in IMPORT_TABLE],
)
def test_the_admin_and_the_command_import_a_report_alike(
    world: World, tmp_path: Any, case: str, name: str, data: bytes, reference: str, accepted: bool
) -> None:
    before = _imported(world)
    by_admin = _import_admin(world, name, data, reference)
    after_admin = _imported(world)
    assert by_admin is accepted, f"{case} through the admin"
    if not accepted:
        assert after_admin == before, "a refused import wrote something"

    # The same file through the command, on the same starting state.
    Modification.objects.exclude(pk=world.modification.pk).delete()
    GlossaryTerm.objects.exclude(acronym__in=before[1]).delete()
    assert _imported(world) == before
    by_command = _import_command(world, name, data, reference, tmp_path)
    assert by_command is accepted, f"{case} through the command"
    assert _imported(world) == after_admin
