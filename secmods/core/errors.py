"""The site's 403, 404 and 500 pages (DEBUG=False): JSON under /api/, the admin's look with a
way back under /admin/, the register's look elsewhere.

Django's own pages are a bare "403 Forbidden" heading: a committee member who follows a link
they may not use is left with no header, no menu and no way back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

ADMIN_BASE = "admin/base_site.html"
PUBLIC_BASE = "register/base.html"


def _in_admin(request: HttpRequest) -> bool:
    return request.path.startswith("/admin/")


def _back_url(request: HttpRequest) -> str:
    """The page the reader came from, when it is on this site and not this same page."""
    referer = request.headers.get("Referer", "")
    if not referer or referer == request.build_absolute_uri():
        return ""
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if safe else ""


def _admin_context(request: HttpRequest) -> dict[str, Any]:
    from django.contrib import admin

    # The header, the user's links and the app menu, as on every admin page.
    return {**admin.site.each_context(request), "base_template": ADMIN_BASE}


def _page(request: HttpRequest, template: str, status: int, title: str) -> HttpResponse:
    context: dict[str, Any] = {"title": title, "back_url": _back_url(request)}
    if _in_admin(request):
        context.update(_admin_context(request))
        context["title"] = title  # each_context has none, but be sure ours wins
    else:
        context["base_template"] = PUBLIC_BASE
    body = loader.render_to_string(template, context, request)
    return HttpResponse(body, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."}, status=403
        )
    return _page(request, "403.html", 403, "You cannot do this")


def not_found_or(public_handler: str) -> Callable[..., HttpResponse]:
    """A 404 handler: the admin's look under /admin/, `public_handler` (the register's page
    with a search box) elsewhere. /api/ is answered before this (config/urls.py)."""

    def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if _in_admin(request):
            return _page(request, "404.html", 404, "Page not found")
        handler: Callable[..., HttpResponse] = import_string(public_handler)
        return handler(request, exception)

    return page_not_found


def server_error(request: HttpRequest) -> HttpResponse:
    """Something failed: say so plainly with a way back, in the look of the part of the site
    the reader was in. No request context (no database, no user: they may be what broke); if
    even that fails, the plain 500.html, which needs no context at all, is the answer."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error. It has been logged."}, status=500)
    try:
        if _in_admin(request):
            from django.contrib import admin

            context: dict[str, Any] = {
                "base_template": ADMIN_BASE,
                "title": "Something went wrong",
                "site_header": admin.site.site_header,
                "site_title": admin.site.site_title,
                "site_url": admin.site.site_url,
            }
        else:
            # The register's look (its stylesheet: the register's CSP refuses inline styles).
            context = {"base_template": PUBLIC_BASE}
        return HttpResponse(loader.render_to_string("500.html", context), status=500)
    except Exception:
        logger.exception("the styled 500 page failed; sending the plain one")
    return HttpResponse(loader.get_template("500.html").render(), status=500)
