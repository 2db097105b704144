"""Cache headers for answers that may depend on who asks.

A calendar, feed or CSV built for a signed-in committee member can hold what the public must
not see (meetings and consultations of unpublished modifications). Marked `public`, a shared
cache (a proxy, a CDN) keeps it and hands it to the next anonymous reader.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


def cache_for_reader(request: HttpRequest, response: HttpResponse, *, max_age: int) -> None:
    """`public` only for an anonymous reader; `private` for a signed-in one. Always
    `Vary: Cookie`, so that a cache never answers a signed-in request with the public copy
    (or the other way round)."""
    signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
    scope = "private" if signed_in else "public"
    response["Cache-Control"] = f"{scope}, max-age={max_age}"
    patch_vary_headers(response, ["Cookie"])
