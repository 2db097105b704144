"""Login lockout beyond the admin form: API tokens count failures like passwords do.

django-axes watches Django's `user_login_failed` signal. The admin login sends it; DRF's
TokenAuthentication does not, so a client could guess tokens for ever. Here a bad token is
reported as a failed login of the pseudo-username "api-token" from the client's address,
so after AXES_FAILURE_LIMIT bad tokens that address is locked out of token logins (and only
of those: staff elsewhere, or the same office's passwords, are untouched).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

TOKEN_USERNAME = "api-token"  # noqa: S105 - a label for the lockout counter, not a secret


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the hop our own proxy added to X-Forwarded-For."""
    proxies = settings.SECMODS_PROXY_COUNT
    if proxies:
        forwarded = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [h for h in forwarded if h]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class TokenLockedOut(exceptions.APIException):
    status_code = 429
    default_detail = "Too many failed logins from this address; try again later."
    default_code = "locked_out"


class LockingTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        django_request = request._request
        credentials = {"username": TOKEN_USERNAME}
        header = self.authenticate_header(request)
        offers_token = request.META.get("HTTP_AUTHORIZATION", "").split(" ")[0] == header
        if offers_token and AxesProxyHandler.is_locked(django_request, credentials):
            raise TokenLockedOut()
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            user_login_failed.send(
                sender=type(self), credentials=credentials, request=django_request
            )
            raise
