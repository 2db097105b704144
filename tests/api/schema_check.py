"""Every answer the API tests receive is checked against the OpenAPI schema (openapi-core).

`check_response` is called by an autouse fixture (tests/api/conftest.py) for each response
Django's test client (and DRF's APIClient, built on it) gets for a path under /api/v1/:
status code, headers, content type and body must be ones the schema describes for that
operation, else the test fails. An unknown URL (404) or a method an endpoint does not have
(405) has no operation to be checked against, nor have OPTIONS (DRF's metadata), HEAD and
a 5xx; their bodies must still be JSON.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

CHECKED_PREFIX = "/api/v1/"
# An ISO 8601 time in UTC's "Z": docs/api.md promises London offsets (+00:00 / +01:00).
ZULU_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$")


@cache
def openapi() -> OpenAPI:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return OpenAPI.from_dict(json.loads(json.dumps(schema, cls=DjangoJSONEncoder)))


def _zulu_times(value: Any, where: str = "$") -> list[str]:
    if isinstance(value, str):
        return [f"{where}: {value}"] if ZULU_TIME.match(value) else []
    if isinstance(value, dict):
        return [hit for key, item in value.items() for hit in _zulu_times(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [hit for n, item in enumerate(value) for hit in _zulu_times(item, f"{where}[{n}]")]
    return []


def check_response(request: Any, response: Any) -> None:
    """Raise AssertionError when `response` (to the WSGIRequest `request`) is not what the
    schema describes."""
    path = request.path
    if not path.startswith(CHECKED_PREFIX) or getattr(response, "streaming", False):
        return
    body = response.content
    content_type = response.get("Content-Type", "")
    label = f"{request.method} {request.get_full_path()} → {response.status_code}"
    if body:
        assert content_type.startswith("application/json"), f"{label}: not JSON ({content_type})"
        problems = _zulu_times(json.loads(body))
        assert not problems, f"{label}: times in UTC's Z, not London's offset: {problems}"
    if request.method in ("OPTIONS", "HEAD") or response.status_code >= 500:
        # DRF's metadata and GET without a body: OpenAPI describes neither; a 5xx is a bug
        # (no schema lists it) that the test itself reports.
        return
    mock_request = MockRequest(
        host_url="http://testserver",
        method=request.method,
        path=path,
        args=request.GET,
        headers=dict(request.headers),
        data=b"",
        content_type=request.META.get("CONTENT_TYPE", ""),
    )
    mock_response = MockResponse(
        data=body,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=content_type.split(";")[0] if body else "",
    )
    try:
        openapi().validate_response(mock_request, mock_response)
    except PathNotFound:
        assert response.status_code == 404, f"{label}: a path the schema does not have"
    except OperationNotFound:
        assert response.status_code == 405, f"{label}: a method the schema does not have"
    except Exception as exc:
        raise AssertionError(
            f"{label}: the schema does not describe this answer: {_reasons(exc)}"
        ) from None


def _reasons(exc: BaseException) -> str:
    """The JSON Schema errors behind openapi-core's exception, each with where it is."""
    found: list[str] = []
    while exc is not None:
        for error in getattr(exc, "schema_errors", None) or ():
            where = "$" + "".join(f"[{p!r}]" for p in error.absolute_path)
            found.append(f"{where}: {error.message[:300]}")
        if not found and not exc.__cause__:
            found.append(f"{type(exc).__name__}: {str(exc)[:300]}")
        exc = exc.__cause__  # type: ignore[assignment]
    return "; ".join(found)
