"""One stale-write check for every door (core/concurrency.py), proven with real concurrent
requests on PostgreSQL: two threads, each with its own database connection, load the same
version and save at the same moment behind a barrier. Exactly one wins; the other gets the
admin's form message or the API's 412; nothing is lost."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from secmods.committees.models import Meeting
from secmods.consultations.models import Consultation
from secmods.modifications.models import Milestone, Modification
from tests.admin_forms import admin_form_data, as_post
from tests.factories import (
    ConsultationFactory,
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
    QuestionFactory,
    UserFactory,
)

# serialized_rollback: the groups and Party Categories of the data migrations stay.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
TRIALS = 3
STALE = "Someone else saved this"


def _race(*requests: Callable[[], Any]) -> list[Any]:
    """Run the requests at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = requests[i]()
        except Exception as exc:  # reported by the test, not lost in the thread
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(secas_staff=True))
    return client


def _api(user: Any = None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user or UserFactory(secas_staff=True))
    return client


def _admin_save(url: str, **changes: str) -> Callable[[], Any]:
    """Open the change form now (as an analyst does); the returned call saves it later."""
    client = _staff_client()
    data = as_post(admin_form_data(client.get(url).content.decode()))
    data.update(changes)
    data["_continue"] = "1"
    return lambda: client.post(url, data)


def _outcome(response: Any) -> str:
    if isinstance(response, Exception):
        raise response
    status = response.status_code
    if response.get("Content-Type", "").startswith("application/json"):  # the API
        if status == 412:
            assert response.json()["detail"].startswith(STALE)
            return "stale"
        assert status == 200, (status, response.content[:500])
        return "won"
    if status == 302:  # the admin saved and redirected
        return "won"
    assert status == 200, (status, response.content[:500])
    assert STALE in response.content.decode(), response.content.decode()[:2000]
    return "stale"


def _exactly_one_won(results: list[Any]) -> int:
    outcomes = [_outcome(r) for r in results]
    assert sorted(outcomes) == ["stale", "won"], outcomes
    return outcomes.index("won")


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_admin_saves_of_a_modification(trial: int) -> None:
    modification = ModificationFactory()
    url = reverse("admin:modifications_modification_change", args=[modification.pk])
    a = _admin_save(url, latest_update="From analyst A")
    b = _admin_save(url, latest_update="From analyst B")
    winner = _exactly_one_won(_race(a, b))
    saved = Modification.objects.get(pk=modification.pk)
    assert saved.latest_update == ["From analyst A", "From analyst B"][winner]
    assert saved.version > modification.version


@pytest.mark.parametrize("trial", range(TRIALS))
def test_the_admin_and_the_api_save_a_modification(trial: int) -> None:
    modification = ModificationFactory()
    url = reverse("admin:modifications_modification_change", args=[modification.pk])
    admin_save = _admin_save(url, latest_update="From the admin")
    api = _api()
    etag = api.get(f"/api/v1/modifications/{modification.reference}/")["ETag"]

    def api_save() -> Any:
        return api.patch(
            f"/api/v1/modifications/{modification.reference}/",
            {"latest_update": "From the API"},
            format="json",
            HTTP_IF_MATCH=etag,
        )

    winner = _exactly_one_won(_race(admin_save, api_save))
    saved = Modification.objects.get(pk=modification.pk)
    assert saved.latest_update == ["From the admin", "From the API"][winner]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_the_admin_and_the_api_replan_a_milestone(trial: int) -> None:
    milestone = MilestoneFactory()
    reference = milestone.modification.reference
    url = reverse("admin:modifications_milestone_change", args=[milestone.pk])
    admin_save = _admin_save(url, when="Q3 2021")
    api = _api()
    api_url = f"/api/v1/modifications/{reference}/milestones/{milestone.pk}/"
    etag = api.get(api_url)["ETag"]

    def api_save() -> Any:
        return api.patch(
            api_url,
            {"when": {"precision": "month", "date": "2021-09-01"}},
            format="json",
            HTTP_IF_MATCH=etag,
        )

    winner = _exactly_one_won(_race(admin_save, api_save))
    saved = Milestone.objects.get(pk=milestone.pk)
    assert str(saved.when.precision) == ["quarter", "month"][winner]
    assert saved.baseline is not None  # the first plan is kept whoever won


@pytest.mark.parametrize("trial", range(TRIALS))
def test_the_admin_and_the_api_move_a_meeting(trial: int) -> None:
    meeting = MeetingFactory()
    url = reverse("admin:committees_meeting_change", args=[meeting.pk])
    admin_save = _admin_save(url, location="Room from the admin")
    api = _api()
    etag = api.get(f"/api/v1/meetings/{meeting.pk}/")["ETag"]

    def api_save() -> Any:
        return api.patch(
            f"/api/v1/meetings/{meeting.pk}/",
            {"location": "Room from the API"},
            format="json",
            HTTP_IF_MATCH=etag,
        )

    winner = _exactly_one_won(_race(admin_save, api_save))
    assert (
        Meeting.objects.get(pk=meeting.pk).location
        == [
            "Room from the admin",
            "Room from the API",
        ][winner]
    )


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_admin_saves_of_a_consultation(trial: int) -> None:
    consultation = ConsultationFactory(closes_at=dt.datetime(2031, 3, 26, 17, tzinfo=dt.UTC))
    QuestionFactory(consultation=consultation)
    url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    a = _admin_save(url, title="Title from A")
    b = _admin_save(url, title="Title from B")
    winner = _exactly_one_won(_race(a, b))
    assert (
        Consultation.objects.get(pk=consultation.pk).title
        == ["Title from A", "Title from B"][winner]
    )


@pytest.mark.parametrize("trial", range(TRIALS))
def test_the_admin_and_the_api_save_a_consultation(trial: int) -> None:
    consultation = ConsultationFactory(closes_at=dt.datetime(2031, 3, 26, 17, tzinfo=dt.UTC))
    QuestionFactory(consultation=consultation)
    url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    admin_save = _admin_save(url, title="Title from the admin")
    api = _api()
    api_url = f"/api/v1/consultations/{consultation.pk}/"
    etag = api.get(api_url)["ETag"]

    def api_save() -> Any:
        return api.patch(
            api_url, {"title": "Title from the API"}, format="json", HTTP_IF_MATCH=etag
        )

    winner = _exactly_one_won(_race(admin_save, api_save))
    assert (
        Consultation.objects.get(pk=consultation.pk).title
        == ["Title from the admin", "Title from the API"][winner]
    )
