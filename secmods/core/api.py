"""What every API viewset shares: pagination, error answers, ETags and the schema's errors.

Apps' `api.py` modules stay thin: they call services and selectors, and this module turns
the services' ValidationErrors into HTTP answers the same way everywhere:
a stale version is 412, a refused lifecycle move 409, any other rule 400 with field messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import ISO_8601, exceptions, serializers, status
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from secmods.core.exceptions import MoveRefused
from secmods.rules.dates import ApproxDate, Precision

MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # DRF writes OpenAPI 3.0's `nullable`, which 3.1 (JSON Schema) ignores.
        body = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            body["properties"][link] = {
                "type": ["string", "null"],
                "format": "uri",
                "example": f"http://api.example.org/accounts/?page={4 if link == 'next' else 2}",
            }
        body["required"] = ["count", "next", "previous", "results"]
        return body


class CountedRows:
    """A list's rows for DRF's paginator (Django's Paginator takes any sliceable object
    with a `count()`): pages are sliced from `rows`, the total is counted on `counted`,
    the same rows' queryset before the values, joins and subqueries a page needs, so that
    PostgreSQL counts an index rather than the joined rows."""

    def __init__(self, rows: QuerySet[Any, Any], counted: QuerySet[Any]) -> None:
        self.rows = rows
        self.counted = counted

    def count(self) -> int:
        return self.counted.order_by().count()

    def __getitem__(self, index: slice) -> QuerySet[Any, Any]:
        return self.rows[index]


# --- Errors --------------------------------------------------------------------------
class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "Someone else changed this since you read it; fetch it again."
    default_code = "stale"

    def __init__(self, detail: str | None = None, current_version: int | None = None) -> None:
        super().__init__(detail)
        self.current_version = current_version


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The lifecycle refuses this move."
    default_code = "move_refused"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The lifecycle refuses this move: " + " ".join(reasons))
        self.reasons = reasons


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this API takes."
    default_code = "too_large"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class StaleErrorSerializer(ErrorSerializer):
    current_version = serializers.IntegerField(allow_null=True)


class MoveRefusedErrorSerializer(ErrorSerializer):
    reasons = serializers.ListField(child=serializers.CharField())


def _is_stale(exc: DjangoValidationError) -> bool:
    return getattr(exc, "code", None) == "stale"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the services' Django ValidationErrors (400 / 409 / 412)."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = PayloadTooLarge(
            f"The request body is larger than this API takes ({limit / 1024 / 1024:g} MB)."
            if limit
            else None
        )
    elif isinstance(exc, MoveRefused):
        exc = Conflict(list(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        if _is_stale(exc):
            current = (getattr(exc, "params", None) or {}).get("current_version")
            exc = PreconditionFailed(exc.messages[0], current_version=current)
        elif hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(_field_messages(exc))
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Conflict):
        response.data = {"detail": str(exc.detail), "reasons": exc.reasons}
    elif isinstance(exc, PreconditionFailed):
        response.data = {"detail": str(exc.detail), "current_version": exc.current_version}
    return response


def _field_messages(exc: DjangoValidationError) -> dict[str, list[str]]:
    # Model-level errors (NON_FIELD_ERRORS "__all__") read as DRF's non_field_errors.
    return {
        ("non_field_errors" if field == "__all__" else field): messages
        for field, messages in exc.message_dict.items()
    }


API_ERROR_DETAILS = {
    400: "Bad request.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    500: "Server error: SECAS has been told. Try again later.",
}


def api_error_or(
    status_code: int, site_handler: str | Callable[..., HttpResponse]
) -> Callable[..., HttpResponse]:
    """A handler for errors Django answers itself (no route, a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, an uncaught exception): JSON under /api/ (clients parse
    it), the site's own handler (HTML) elsewhere."""

    def handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if request.path.startswith("/api/"):
            if isinstance(exception, RequestDataTooBig):
                return JsonResponse({"detail": str(PayloadTooLarge().detail)}, status=413)
            return JsonResponse({"detail": API_ERROR_DETAILS[status_code]}, status=status_code)
        site = import_string(site_handler) if isinstance(site_handler, str) else site_handler
        if status_code == 500:
            return site(request)
        return site(request, exception or Http404())

    return handler


# --- Optimistic concurrency ----------------------------------------------------------
def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    """The version an If-Match header names; None when there is none (or it is `*`).

    Weak tags (W/"3", as a gzip layer may produce) name the same version.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    if not tag.isdecimal() or len(tag) > 12:
        raise PreconditionFailed(f"If-Match {header!r} names no version of this resource.")
    return int(tag)


# --- Fast output ---------------------------------------------------------------------
# The hot read serializers build their dicts directly (DRF's field-by-field machinery costs
# more than the database for a 20-milestone timetable); these helpers keep the output
# byte-identical to the DRF fields they stand in for.
def iso_datetime(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """London time, ISO 8601, with its offset in winter too ("+00:00", never DRF's "Z"):
    docs/api.md promises London offsets, and a client that shows the offset shows GMT.

    `zone`: the current time zone when the caller already has it (for a page of rows:
    looking it up costs more than the conversion)."""
    if value is None:
        return None
    if zone is None:
        return timezone.localtime(value).isoformat()
    return value.astimezone(zone).isoformat()


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def approx_date(value: ApproxDate) -> dict[str, Any]:
    return {
        "date": value.start.isoformat() if value.start else None,
        "precision": str(value.precision),
        "display": value.display(),
    }


class LondonDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, rendered as `iso_datetime` does (the London offset, never Z)."""

    def to_representation(self, value: Any) -> Any:
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        if isinstance(value, datetime) and str(output_format).lower() == ISO_8601:
            return iso_datetime(self.enforce_timezone(value))
        return super().to_representation(value)


# --- Times clients send ----------------------------------------------------------------
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


def sensible_datetime(value: datetime | None) -> datetime | None:
    """Refuse times outside 1900–2999: London's pre-1847 local mean time (-00:01:15) is no
    valid ISO 8601 offset, and far years overflow on conversion; neither is a SEC date."""
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise serializers.ValidationError(
            f"Give a time between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
        )
    return value


# --- Dates with a precision ----------------------------------------------------------
APPROX_DATE_SCHEMA = {
    "type": "object",
    "description": "A date known to a precision. `date` is the first day of the period "
    "(null for TBC); `display` is how SEC documents write it (read only).",
    "properties": {
        "date": {"type": ["string", "null"], "format": "date"},
        "precision": {"type": "string", "enum": list(Precision.values)},
        "display": {"type": "string", "readOnly": True, "example": "May 2021"},
    },
    "required": ["date", "precision"],
}


@extend_schema_field(APPROX_DATE_SCHEMA)
class ApproxDateField(serializers.Field):
    """{"date": "2021-05-01", "precision": "month", "display": "May 2021"} both ways.

    On input the date may be any day of the period: {"date": "2021-05-17", "precision":
    "month"} means May 2021, a week starts on the day given ("w/c").
    """

    default_error_messages = {
        "invalid": 'Expected an object such as {{"date": "2021-05-01", "precision": "month"}}.',
        "precision": "Precision must be one of: {choices}.",
        "needs_date": "A {precision} needs a date.",
        "tbc_date": "TBC has no date: send null.",
    }

    def to_representation(self, value: ApproxDate) -> dict[str, Any]:
        return approx_date(value)

    def to_internal_value(self, data: Any) -> ApproxDate:
        if not isinstance(data, Mapping):
            self.fail("invalid")
        precision = data.get("precision")
        if precision not in Precision.values:
            self.fail("precision", choices=", ".join(Precision.values))
        raw = data.get("date")
        if precision == Precision.TBC:
            if raw not in (None, ""):
                self.fail("tbc_date")
            return ApproxDate.tbc()
        if raw in (None, ""):
            self.fail("needs_date", precision=precision)
        day: date = serializers.DateField().run_validation(raw)
        if precision == Precision.DAY:
            return ApproxDate.day(day)
        if precision == Precision.WEEK:
            return ApproxDate.week(day)
        if precision == Precision.MONTH:
            return ApproxDate.month(day.year, day.month)
        return ApproxDate.quarter(day.year, (day.month - 1) // 3 + 1)


# --- Writes: what a serializer does not take is refused, by name -----------------------
def _choice_list(field: serializers.Field) -> None:
    """Make a choice field's "not a valid choice" message list the valid values."""
    if isinstance(field, serializers.ListField | serializers.DictField):
        _choice_list(field.child)
    if isinstance(field, serializers.ChoiceField):
        valid = ", ".join(str(key) for key in field.choices).replace("{", "{{").replace("}", "}}")
        field.error_messages["invalid_choice"] = (
            f'"{{input}}" is not a valid choice. Choose one of: {valid}.'
        )


class StrictSerializerMixin:
    """What every secmods API serializer shares.

    A write naming a field the serializer does not take is a 400 that names it ("Unknown
    field" or "This field is read-only", with the fields that are taken), never silently
    ignored; a choice error lists the valid values, and a choice given in another case
    ("csc" for "CSC") is read as that choice when only one matches.
    """

    # Fields of the answer that a write cannot set (a write serializer of its own does
    # not have them): refused as read-only rather than unknown.
    read_only_names: ClassVar[Sequence[str]] = ()
    # What to send instead, for a field clients send by mistake.
    field_hints: ClassVar[Mapping[str, str]] = {
        "version": 'Send the version you read as the If-Match header ("3") instead.'
    }

    def get_fields(self) -> dict[str, serializers.Field]:
        fields: dict[str, serializers.Field] = super().get_fields()  # type: ignore[misc]
        for field in fields.values():
            _choice_list(field)
        return fields

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            self._refuse_unknown(data)
            data = self._fold_choice_case(data)
        return super().to_internal_value(data)  # type: ignore[misc]

    def _refuse_unknown(self, data: Mapping[str, Any]) -> None:
        fields: Mapping[str, serializers.Field] = self.fields  # type: ignore[attr-defined]
        writable = [name for name, field in fields.items() if not field.read_only]
        errors: dict[str, list[str]] = {}
        for name in data:
            if name in writable:
                continue
            known = name in fields or name in self.read_only_names
            message = "This field is read-only." if known else "Unknown field."
            hint = self.field_hints.get(name)
            taken = f" This write takes: {', '.join(writable)}." if writable else ""
            errors[str(name)] = [f"{message} {hint}" if hint else f"{message}{taken}"]
        if errors:
            raise serializers.ValidationError(errors)

    def _fold_choice_case(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        fields: Mapping[str, serializers.Field] = self.fields  # type: ignore[attr-defined]
        folded: dict[str, Any] | None = None
        for name, field in fields.items():
            value = data.get(name)
            if not isinstance(field, serializers.ChoiceField) or not isinstance(value, str):
                continue
            if value in field.choices:
                continue
            matches = [key for key in field.choices if str(key).casefold() == value.casefold()]
            if len(matches) == 1:
                folded = folded if folded is not None else dict(data)
                folded[name] = matches[0]
        return folded if folded is not None else data


class ApiSerializer(StrictSerializerMixin, serializers.Serializer):
    """The base of every plain API serializer (see StrictSerializerMixin)."""


class ApiModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """The base of every model API serializer: strict writes, London times."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: LondonDateTimeField,
    }


def refuse_extra_request_properties(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: request bodies say `additionalProperties: false`,
    as the serializers refuse unknown fields (StrictSerializerMixin)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component.setdefault("additionalProperties", False)
    return result


# --- Schema: the errors and headers every operation can answer with ------------------
class SecmodsAutoSchema(AutoSchema):
    """Documents the error answers and ETag/If-Match headers of every operation, so that the
    schema matches what the API does (schemathesis checks status codes and headers)."""

    def _versioned(self) -> bool:
        return bool(getattr(self.view, "versioned", False))

    def _writes_existing(self) -> bool:
        return (
            self._versioned()
            and self.method in ("PUT", "PATCH", "DELETE", "POST")
            and getattr(self.view, "action", None) != "create"
        )

    def _etag_action(self) -> bool:
        return self._versioned() and getattr(self.view, "action", None) in {
            "retrieve",
            "create",
            "update",
            "partial_update",
            "transitions",
        }

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._etag_action():
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=["200", "201"],
                    description="The version, for If-Match on the next write.",
                )
            )
        if self._writes_existing():
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="The ETag you read; a stale one gets 412.",
                )
            )
        return parameters

    def _error_codes(self) -> dict[str, Any]:
        action = getattr(self.view, "action", None)
        codes: dict[str, Any] = {"400": OpenApiTypes.OBJECT, "404": ErrorSerializer}
        if self.method not in ("GET", "HEAD") or getattr(self.view, "read_needs_role", False):
            codes["401"] = ErrorSerializer
            codes["403"] = ErrorSerializer
        if self.method in ("POST", "PUT", "PATCH"):
            codes["413"] = ErrorSerializer
        if action == "transitions" or action in getattr(self.view, "moves_stage", ()):
            codes["409"] = MoveRefusedErrorSerializer
        if self._writes_existing():
            codes["412"] = StaleErrorSerializer
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        for code, body in self._error_codes().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(body, code, direction=direction)
        return responses


_SURROGATES = re.compile("[\ud800-\udfff]")


def _unstorable_text(data: Any, field: str = "non_field_errors") -> tuple[str, str] | None:
    """The first string in a request body that PostgreSQL cannot take (NUL) or that is no
    valid Unicode (a lone surrogate): serializers check text fields themselves, but lookups
    by slug or code would send such a value to the database and fail with a 500."""
    if isinstance(data, str):
        if "\x00" in data:
            return field, "NUL characters are not allowed."
        if _SURROGATES.search(data):
            return field, "Text must be valid Unicode (no lone surrogates)."
        return None
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = key if isinstance(key, str) and field == "non_field_errors" else field
            problem = _unstorable_text(key, name) or _unstorable_text(value, name)
            if problem is not None:
                return problem
    elif isinstance(data, list | tuple):
        for value in data:
            problem = _unstorable_text(value, field)
            if problem is not None:
                return problem
    return None


class ApiViewMixin:
    # The house rules of every secmods API view (a comment, not a docstring: the schema
    # would show a docstring as every endpoint's description).

    schema: Any = SecmodsAutoSchema()
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]
    pagination_class: type[BasePagination] | None = Pagination
    # True where reads need a role (comments): the schema then lists 401/403 for reads.
    read_needs_role = False
    versioned = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A method the endpoint does not have is 405 for everyone (DRF would first answer
        # 401/403 to callers who could not use it anyway, which no schema describes).
        method = (request.method or "").lower()
        names = getattr(self, "http_method_names", ())
        if method != "options" and (method not in names or not hasattr(self, method)):
            raise exceptions.MethodNotAllowed(request.method or "")
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # PostgreSQL cannot hold NUL in text, and refuses it even in a WHERE clause (a 500).
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise exceptions.ValidationError({name: ["NUL characters are not allowed."]})
        for value in kwargs.values():
            if isinstance(value, str) and "\x00" in value:
                raise exceptions.NotFound()
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            problem = _unstorable_text(request.data)
            if problem is not None:
                field, message = problem
                raise exceptions.ValidationError({field: [message]})

    def versioned_response(self, data: Any, version: int, status_code: int = 200) -> Response:
        response = Response(data, status=status_code)
        response["ETag"] = etag_for(version)
        return response


# --- /api/v1/ itself: what is here ---------------------------------------------------
class EndpointSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text='A URL template, e.g. "/api/v1/modifications/{reference}/".'
    )
    methods = serializers.ListField(child=serializers.CharField())


class ApiRootSerializer(serializers.Serializer):
    schema = serializers.URLField(help_text="The OpenAPI schema (YAML; ?format=json for JSON).")
    docs = serializers.URLField(help_text="The schema in Swagger UI.")
    endpoints = EndpointSerializer(many=True)


@lru_cache(maxsize=1)
def api_endpoints(prefix: str = "/api/v1/") -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every path under `prefix` with its methods, as the schema lists them (same walk of
    the URL patterns as drf-spectacular's)."""
    from drf_spectacular.generators import EndpointEnumerator

    methods: dict[str, list[str]] = {}
    for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints():
        if path.startswith(prefix) and method not in methods.setdefault(path, []):
            methods[path].append(method)
    return tuple((path, tuple(found)) for path, found in methods.items())


class ApiRootView(ApiViewMixin, APIView):
    # Anyone may ask what the API offers (a comment: a docstring would be the description).
    permission_classes = [AllowAny]
    pagination_class = None

    @extend_schema(summary="The API's endpoints, its schema and docs", responses=ApiRootSerializer)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "schema": reverse("schema", request=request),
                "docs": reverse("api-docs", request=request),
                "endpoints": [
                    {"path": path, "methods": list(methods)} for path, methods in api_endpoints()
                ],
            }
        )
