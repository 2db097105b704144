"""The OpenAPI schema: valid, and obeyed by the API under schema-driven fuzzing.

schemathesis generates requests from /api/schema/ (valid and invalid data) for every
operation, as an anonymous caller and with a SECAS staff token, and checks that no answer
is a 5xx and that every status code, content type, header and body is the documented one.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import token_client

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_the_schema_validates_without_warnings(tmp_path):  # type: ignore[no-untyped-def]
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_the_docs_ui_is_served_without_a_cdn(client):  # type: ignore[no-untyped-def]
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


@pytest.fixture
def api_schema(db, _keep_test_connection):  # type: ignore[no-untyped-def]
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        max_examples=20,
    )
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def staff_token(seed, secas_user) -> str:  # type: ignore[no-untyped-def]
    client = token_client(secas_user)
    return client._credentials["HTTP_AUTHORIZATION"]


@pytest.mark.schemathesis
@pytest.mark.timeout(600)
@schema.parametrize()
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
def test_api_as_anonymous(case, seed):  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=CHECKS)


@pytest.mark.schemathesis
@pytest.mark.timeout(600)
@schema.parametrize()
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
def test_api_as_secas_staff(case, staff_token):  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": staff_token}, checks=CHECKS)
