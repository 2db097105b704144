"""Security headers for the public pages: a Content Security Policy without inline script."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Sets REGISTER_CSP on every answer outside REGISTER_CSP_EXEMPT_PREFIXES.

    The admin and the API's documentation pages ship inline scripts of their own, so they
    are left alone; the register's pages use no script and no inline style at all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(tuple(settings.REGISTER_CSP_EXEMPT_PREFIXES)):
            return response
        response.headers.setdefault("Content-Security-Policy", settings.REGISTER_CSP)
        response.headers.setdefault("Permissions-Policy", settings.REGISTER_PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
