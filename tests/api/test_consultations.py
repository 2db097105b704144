"""Consultations over the API: who may do what, the 400 paths, confidentiality and
query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from secmods.consultations import services
from secmods.consultations.models import Consultation, Response
from tests.factories import ModificationFactory, party_category

URL = "/api/v1/consultations"
PAST = dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)


def _published(**kwargs):  # type: ignore[no-untyped-def]
    return ModificationFactory(stage="refinement", published_at=PAST, **kwargs)


def _open(modification=None, **kwargs):  # type: ignore[no-untyped-def]
    now = timezone.now()
    fields = {
        "kind": "refinement",
        "questions": ["Do you agree with the solution?", {"text": "Costs?", "kind": "free_text"}],
        "opens_at": now - dt.timedelta(days=1),
        "closes_at": now + dt.timedelta(days=10),
    }
    fields.update(kwargs)
    return services.open_consultation(modification=modification or _published(), **fields)


def _respond(consultation, *, confidential=False, received_at=None, name="Rita", staff=None):  # type: ignore[no-untyped-def]
    question = consultation.questions.order_by("order").first()
    return services.submit_response(
        consultation,
        respondent_name=name,
        respondent_email=f"{name.lower()}@example.org",
        organisation_name="Energy Co",
        party_category=party_category("large-supplier"),
        answers={question.pk: {"position": "agree", "text": "Yes."}},
        confidential=confidential,
        entered_by=staff,
        received_at=received_at,
    )


def _response_body(consultation):  # type: ignore[no-untyped-def]
    question = consultation.questions.order_by("order").first()
    return {
        "respondent_name": "Sam Supplier",
        "respondent_email": "sam@example.org",
        "organisation_name": "Small Energy Ltd",
        "party_category": "small-supplier",
        "confidential": True,
        "answers": [{"question": question.pk, "position": "disagree", "text": "Too costly."}],
    }


# --- Permission matrix -------------------------------------------------------------------
MATRIX = {
    # (method, what): anonymous, member, staff
    ("get", "list"): (200, 200, 200),
    ("get", "detail"): (200, 200, 200),
    ("post", "list"): (401, 403, 201),
    ("get", "responses"): (200, 200, 200),
    ("post", "responses"): (401, 403, 201),
    ("get", "summary"): (401, 403, 200),
    ("patch", "detail"): (401, 403, 200),
}


@pytest.mark.parametrize(("method", "what"), list(MATRIX))
@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
def test_permission_matrix(apis, method, what, role):  # type: ignore[no-untyped-def]
    consultation = _open()
    expected = MATRIX[(method, what)][["anonymous", "member", "staff"].index(role)]
    url = {
        "list": f"{URL}/",
        "detail": f"{URL}/{consultation.pk}/",
        "responses": f"{URL}/{consultation.pk}/responses/",
        "summary": f"{URL}/{consultation.pk}/summary/",
    }[what]
    body = None
    if method == "post" and what == "list":
        body = {
            "modification": consultation.modification.reference,
            "kind": "report",
            "questions": [{"text": "Do you support the modification?"}],
        }
    elif method == "patch":
        body = {"title": "Renamed"}
    elif method == "post":
        body = _response_body(consultation)
    before = (Consultation.objects.count(), Response.objects.count())
    response = getattr(apis[role], method)(url, body, format="json")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert (Consultation.objects.count(), Response.objects.count()) == before
    if role == "anonymous" and expected == 401:
        assert response["WWW-Authenticate"].startswith("Token")


def test_staff_open_a_consultation_with_questions(staff_api, secas_user):  # type: ignore[no-untyped-def]
    modification = _published()
    response = staff_api.post(
        f"{URL}/",
        {
            "modification": modification.reference.lower(),
            "kind": "report",
            "questions": [
                {"text": "Do you agree that MP should be approved?"},
                {"text": "Anything else?", "kind": "free_text"},
            ],
            "closes_on": "2031-06-27",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["modification"] == modification.reference
    assert [(q["order"], q["kind"]) for q in body["questions"]] == [
        (1, "agree_disagree"),
        (2, "free_text"),
    ]
    # 5pm London on a summer day is 16:00 UTC.
    assert body["closes_at"] == "2031-06-27T17:00:00+01:00"
    assert Consultation.objects.get().created_by == secas_user


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"modification": "MP999", "kind": "report", "questions": [{"text": "Q?"}]},
            "modification",
        ),
        ({"modification": "{ref}", "kind": "report", "questions": []}, "questions"),
        ({"modification": "{ref}", "kind": "report", "questions": [{"text": "  "}]}, "questions"),
        ({"modification": "{ref}", "kind": "poll", "questions": [{"text": "Q?"}]}, "kind"),
        (
            {
                "modification": "{ref}",
                "kind": "report",
                "questions": [{"text": "Q?"}],
                "closes_on": "2031-06-28",  # a Saturday
            },
            "closes_on",
        ),
        (
            {
                "modification": "{ref}",
                "kind": "report",
                "questions": [{"text": "Q?"}],
                "opens_at": "2031-06-28T10:00:00Z",
                "closes_at": "2031-06-27T10:00:00Z",
            },
            "closes_at",
        ),
    ],
)
def test_a_bad_consultation_is_400_and_writes_nothing(staff_api, body, field):  # type: ignore[no-untyped-def]
    modification = _published()
    body = {**body, "modification": body["modification"].replace("{ref}", modification.reference)}
    response = staff_api.post(f"{URL}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Consultation.objects.exists()


def test_list_filters_by_reference_in_any_spelling_and_kind(anon_api):  # type: ignore[no-untyped-def]
    mine = _published(number=160)
    _open(mine)
    report = _open(mine, kind="report")
    _open()
    assert len(anon_api.get(f"{URL}/").json()["results"]) == 3
    rows = anon_api.get(f"{URL}/", {"modification": "mp 160"}).json()["results"]
    assert {row["modification"] for row in rows} == {"MP160"} and len(rows) == 2
    rows = anon_api.get(f"{URL}/", {"modification": "MP160", "kind": "report"}).json()["results"]
    assert [row["id"] for row in rows] == [report.pk]
    assert anon_api.get(f"{URL}/", {"modification": "MP999"}).json()["results"] == []
    assert anon_api.get(f"{URL}/", {"kind": "poll"}).status_code == 400


def test_the_public_sees_consultations_of_published_modifications_only(apis):  # type: ignore[no-untyped-def]
    hidden = _open(ModificationFactory(stage="refinement", published_at=None))
    shown = _open()
    rows = apis["anonymous"].get(f"{URL}/").json()["results"]
    assert [row["id"] for row in rows] == [shown.pk]
    for path in ("", "responses/"):
        assert apis["anonymous"].get(f"{URL}/{hidden.pk}/{path}").status_code == 404
    assert (
        apis["anonymous"]
        .get(f"{URL}/", {"modification": hidden.modification.reference})
        .json()["results"]
        == []
    )
    assert apis["staff"].get(f"{URL}/{hidden.pk}/").status_code == 200


# --- Responses ---------------------------------------------------------------------------
def test_staff_enter_a_response_received_by_email(staff_api, secas_user):  # type: ignore[no-untyped-def]
    consultation = _open()
    body = _response_body(consultation)
    received = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    response = staff_api.post(
        f"{URL}/{consultation.pk}/responses/", {**body, "received_at": received}, format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["respondent_email"] == "sam@example.org"
    assert data["confidential"] is True and data["entered_by_secas"] is True
    assert data["party_category"] == "small-supplier"
    assert data["answers"][0]["position"] == "disagree"
    saved = Response.objects.get()
    assert saved.entered_by == secas_user
    assert timezone.now() - saved.received_at > dt.timedelta(hours=1)


def test_a_response_to_a_closed_consultation_is_400_with_the_deadline(staff_api):  # type: ignore[no-untyped-def]
    consultation = _open()
    with time_machine.travel(consultation.closes_at + dt.timedelta(minutes=1)):
        response = staff_api.post(
            f"{URL}/{consultation.pk}/responses/", _response_body(consultation), format="json"
        )
    assert response.status_code == 400
    message = response.json()["non_field_errors"][0]
    assert message.startswith("This consultation closed at") and "London time" in message
    assert not Response.objects.exists()


def test_a_response_before_opening_is_400(staff_api):  # type: ignore[no-untyped-def]
    now = timezone.now()
    consultation = _open(opens_at=now + dt.timedelta(days=2), closes_at=now + dt.timedelta(days=9))
    response = staff_api.post(
        f"{URL}/{consultation.pk}/responses/", _response_body(consultation), format="json"
    )
    assert response.status_code == 400
    assert "opens at" in response.json()["non_field_errors"][0]
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answers": []}, "answers"),
        ({"answers": [{"question": 999999, "position": "agree"}]}, "answers"),
        ({"answers": [{"question": "{free}", "position": "agree"}]}, "answers"),
        ({"party_category": "no-such-category"}, "party_category"),
        ({"respondent_email": "not an email"}, "respondent_email"),
        ({"received_at": "2999-01-01T00:00:00Z"}, "received_at"),
    ],
)
def test_a_bad_response_is_400_with_field_messages(staff_api, change, field):  # type: ignore[no-untyped-def]
    consultation = _open()
    free = consultation.questions.get(kind="free_text")
    body = {**_response_body(consultation), **change}
    if body["answers"] and body["answers"][0]["question"] == "{free}":
        body["answers"] = [{"question": free.pk, "position": "agree"}]
    response = staff_api.post(f"{URL}/{consultation.pk}/responses/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Response.objects.exists()


def test_confidential_responses_never_reach_anyone_but_staff(apis, secas_user):  # type: ignore[no-untyped-def]
    consultation = _open()
    earlier = timezone.now() - dt.timedelta(hours=1)
    open_one = _respond(consultation, name="Open", received_at=earlier, staff=secas_user)
    _respond(consultation, name="Secret", confidential=True, received_at=earlier, staff=secas_user)
    url = f"{URL}/{consultation.pk}/responses/"
    # Before publication the public and members see none.
    for role in ("anonymous", "member"):
        assert apis[role].get(url).json() == []
    with time_machine.travel(consultation.closes_at + dt.timedelta(hours=1)):
        services.publish_responses(consultation)
        for role in ("anonymous", "member"):
            rows = apis[role].get(url).json()
            assert [row["id"] for row in rows] == [open_one.pk]
            assert rows[0]["respondent_email"] is None
            assert rows[0]["entered_by_secas"] is None
            assert b"Secret" not in apis[role].get(url).content
        staff_rows = apis["staff"].get(url).json()
    assert {row["respondent_name"] for row in staff_rows} == {"Open", "Secret"}
    assert {row["respondent_email"] for row in staff_rows} == {
        "open@example.org",
        "secret@example.org",
    }


def test_published_responses_of_an_unpublished_modification_stay_hidden(apis, secas_user):  # type: ignore[no-untyped-def]
    consultation = _open(ModificationFactory(stage="refinement", published_at=None))
    _respond(consultation, received_at=timezone.now(), staff=secas_user)
    with time_machine.travel(consultation.closes_at + dt.timedelta(hours=1)):
        services.publish_responses(consultation)
        url = f"{URL}/{consultation.pk}/responses/"
        assert apis["anonymous"].get(url).status_code == 404
        # Members see the consultation (they see unpublished modifications) but only the
        # public responses, which an unpublished modification has none of.
        assert apis["member"].get(url).json() == []
        assert len(apis["staff"].get(url).json()) == 1


def test_the_summary_counts_by_party_category_for_staff(staff_api, secas_user):  # type: ignore[no-untyped-def]
    consultation = _open()
    earlier = timezone.now() - dt.timedelta(hours=1)
    _respond(consultation, name="A", received_at=earlier, staff=secas_user)
    _respond(consultation, name="B", confidential=True, received_at=earlier, staff=secas_user)
    body = staff_api.get(f"{URL}/{consultation.pk}/summary/").json()
    assert [q["question"]["order"] for q in body] == [1, 2]
    first = body[0]
    assert first["categories"] == [
        {
            "category": "Large Supplier",
            "agree": 2,
            "disagree": 0,
            "neutral": 0,
            "text_only": 0,
            "answered": 2,
        }
    ]
    assert first["sentences"] == ["Large Suppliers: 2 agree, 0 disagree"]
    assert body[1]["categories"] == []


# --- Query counts ------------------------------------------------------------------------
@pytest.mark.parametrize("rows", [1, 30])
def test_list_and_detail_query_counts_do_not_grow(anon_api, django_assert_max_num_queries, rows):  # type: ignore[no-untyped-def]
    modification = _published()
    made = [_open(modification) for _ in range(rows)]
    # count, page, questions
    with django_assert_max_num_queries(3):
        response = anon_api.get(f"{URL}/")
    assert len(response.json()["results"]) == rows
    # consultation (with its modification), questions
    with django_assert_max_num_queries(2):
        assert anon_api.get(f"{URL}/{made[0].pk}/").status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_responses_and_summary_query_counts_do_not_grow(  # type: ignore[no-untyped-def]
    staff_api, anon_api, secas_user, django_assert_max_num_queries, rows
):
    consultation = _open()
    earlier = timezone.now() - dt.timedelta(hours=1)
    for n in range(rows):
        _respond(consultation, name=f"R{n}", received_at=earlier, staff=secas_user)
    url = f"{URL}/{consultation.pk}"
    # lockout check, token+user, groups, consultation, questions, responses, answers
    with django_assert_max_num_queries(7):
        assert len(staff_api.get(f"{url}/responses/").json()) == rows
    with django_assert_max_num_queries(8):
        assert staff_api.get(f"{url}/summary/").status_code == 200
    with time_machine.travel(consultation.closes_at + dt.timedelta(hours=1)):
        services.publish_responses(consultation)
        with django_assert_max_num_queries(5):
            assert len(anon_api.get(f"{url}/responses/").json()) == rows


# --- Changing a consultation: the admin's service and version check --------------------
def test_staff_change_a_consultation_with_the_etag_they_read(staff_api):  # type: ignore[no-untyped-def]
    consultation = _open()
    read = staff_api.get(f"{URL}/{consultation.pk}/")
    etag = read["ETag"]
    response = staff_api.patch(
        f"{URL}/{consultation.pk}/",
        {"title": "Second Refinement Consultation", "closes_on": "2031-03-26"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    saved = Consultation.objects.get(pk=consultation.pk)
    assert saved.title == "Second Refinement Consultation"
    assert timezone.localtime(saved.closes_at).hour == 17  # 5pm London on the closing day

    stale = staff_api.patch(
        f"{URL}/{consultation.pk}/", {"title": "Lost"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert Consultation.objects.get(pk=consultation.pk).title == saved.title


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "other"}, "kind"),
        ({"closes_at": "2020-01-01T17:00:00Z"}, "closes_at"),
        ({"closes_on": "1066-10-14"}, "closes_on"),
        ({"questions": []}, "questions"),
    ],
)
def test_a_bad_change_is_400_and_writes_nothing(staff_api, body, field):  # type: ignore[no-untyped-def]
    consultation = _open()
    before = Consultation.objects.filter(pk=consultation.pk).values().get()
    response = staff_api.patch(f"{URL}/{consultation.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Consultation.objects.filter(pk=consultation.pk).values().get() == before
