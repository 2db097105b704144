"""The API as independent tools see it (marked `conformance`).

- openapi-spec-validator accepts the schema drf-spectacular writes;
- answers with null people, release and next key date are ones the schema describes (every
  answer in tests/api is checked by openapi-core: tests/api/schema_check.py);
- times carry London's offset, +00:00 in winter and +01:00 in summer, never "Z";
- errors under /api/ are JSON, also those Django answers itself (a body over 2.5 MB, an
  unknown URL, an uncaught exception).
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from tests.api.conftest import token_client
from tests.factories import MeetingFactory, MilestoneFactory, ModificationFactory

pytestmark = pytest.mark.conformance
LONDON = ZoneInfo("Europe/London")
PAST = dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_the_schema_passes_openapi_spec_validator(tmp_path):  # type: ignore[no-untyped-def]
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    spec, _ = read_from_filename(str(target))
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises OpenAPIValidationError with the first problem


def test_null_proposer_lead_analyst_release_and_next_key_date_fit_the_schema(anon_api):  # type: ignore[no-untyped-def]
    bare = ModificationFactory(proposer=None, published_at=PAST)
    rows = anon_api.get("/api/v1/modifications/").json()["results"]
    row = next(r for r in rows if r["reference"] == bare.reference)
    assert row["proposer"] is None and row["next_key_date"] is None
    detail = anon_api.get(f"/api/v1/modifications/{bare.reference}/").json()
    assert (detail["lead_analyst"], detail["target_release"]) == (None, None)


@pytest.mark.parametrize(
    "local, offset",
    [(dt.datetime(2026, 12, 15, 10, 0), "+00:00"), (dt.datetime(2027, 6, 29, 10, 0), "+01:00")],
)
def test_times_carry_the_london_offset_in_winter_and_summer(anon_api, local, offset):  # type: ignore[no-untyped-def]
    meeting = MeetingFactory(starts_at=local.replace(tzinfo=LONDON))
    published = local.replace(year=2021)  # the same season, in the past (published)
    modification = ModificationFactory(published_at=published.replace(tzinfo=LONDON))
    MilestoneFactory(modification=modification, meeting=meeting)
    expected = local.isoformat() + offset
    assert anon_api.get(f"/api/v1/meetings/{meeting.pk}/").json()["starts_at"] == expected
    agenda = anon_api.get(f"/api/v1/meetings/{meeting.pk}/agenda/").json()
    assert agenda["starts_at"] == expected
    detail = anon_api.get(f"/api/v1/modifications/{modification.reference}/").json()
    assert detail["published_at"] == published.isoformat() + offset


def test_a_json_body_over_the_limit_is_a_json_413(secas_user, settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    api = token_client(secas_user)
    body = json.dumps({"acronym": "BIG", "full_term": "x" * 3_000_000})
    response = api.post("/api/v1/glossary/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "(2.5 MB)" in response.json()["detail"]


def test_unknown_urls_and_methods_are_json(anon_api, settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    missing = anon_api.get("/api/v1/no-such-thing/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
    assert anon_api.get("/api/nothing-here").json() == {"detail": "Not found."}
    wrong = anon_api.delete("/api/v1/committees/")
    assert wrong.status_code == 405 and "detail" in wrong.json()


def test_an_uncaught_exception_under_api_is_a_json_500(anon_api, settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.DEBUG = False

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    monkeypatch.setattr("secmods.committees.api.CommitteeViewSet.list", broken)
    anon_api.raise_request_exception = False
    response = anon_api.get("/api/v1/committees/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_errors_outside_the_api_stay_html(client, settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
