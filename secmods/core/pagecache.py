"""The public page cache: anonymous copies of the register's pages, stamped with a register version.

Every service that changes what the public register shows calls `public_content_changed()`;
once its transaction commits, the register version (one key in the Django cache, which every
web worker shares: Redis in production and under `make run`) takes a new value that was never
used before, so every stored page is out of reach at once (a page is served only under the
version it was built under). Nothing is deleted or scanned: old pages are overwritten or expire.

A page also changes with the clock alone: a modification's publication time comes, a
consultation opens or closes, a meeting starts (it moves from "upcoming" to "past"), a day
ends (the timeline's "Today", overdue milestones). Apps register a "clock source"
(`register_clock_source`, in their AppConfig.ready) that names the last such moment before now
and the next one after it; the key holds the last, and no copy outlives the next.

Only anonymous GET/HEAD requests without a session cookie read or fill the cache, so a
signed-in reader (who may see unpublished modifications and member-only meetings) never gets
the public copy and never leaves their own copy for the public. If the cache cannot be read,
the page is built as if there were no cache: never a stale page, never a 500.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

logger = logging.getLogger(__name__)

VERSION_KEY = "secmods:public-register-version"
PAGE_KEY_PREFIX = "secmods:public-page"

#: (now) -> (the last moment at or before now, the next moment after now) at which some
#: public page changes by the clock alone; None for "none known".
ClockSource = Callable[[dt.datetime], tuple[dt.datetime | None, dt.datetime | None]]
_clock_sources: list[ClockSource] = []


def register_clock_source(source: ClockSource) -> None:
    if source not in _clock_sources:
        _clock_sources.append(source)


def cached_public_page(view: Any) -> Any:
    """Marks a view (function or Feed instance) in a URLconf as a public page the cache may
    keep for anonymous readers. Everything else is left alone by the middleware."""
    view.public_page_cache = True
    return view


# --- The version -----------------------------------------------------------------------
def _new_version() -> str:
    # The time of the change, for Last-Modified, and a random part: a value is never reused,
    # even after the cache lost the key (evicted, flushed) while old pages survived.
    return f"{time.time_ns()}.{secrets.token_hex(4)}"


def version_key() -> str:
    # One per database: the bench's registers of several sizes (and a test database beside
    # the development one) may share a Redis and a host name, never their pages.
    db = settings.DATABASES["default"]
    return f"{VERSION_KEY}:{db.get('HOST', '')}:{db.get('PORT', '')}:{db['NAME']}"


def _bump() -> None:
    try:
        cache.set(version_key(), _new_version(), timeout=None)
    except Exception:
        # The change is committed but the cache is unreachable: its pages expire within
        # PUBLIC_PAGE_CACHE_SECONDS at most. Nothing to undo, and the writer must not fail.
        logger.exception("public page cache: could not move the register version on")


class _PendingBump:
    """One transaction's bump; `done` once it ran (a test's captured callbacks stay listed
    after they ran, and must not stand in for a later transaction's)."""

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            _bump()


def public_content_changed() -> None:
    """Call in every service that changes what the public register shows. The version moves
    on after the transaction commits (not before: a reader in between would store the old
    content under the new version); a rolled-back transaction moves nothing."""
    connection = transaction.get_connection()
    # One bump per transaction however many services it runs. (One registered in a
    # savepoint that rolls back is dropped with it, and the next call registers again; a
    # savepoint still open holds this change too, so the two cannot part.)
    for _, callback, _ in connection.run_on_commit:
        if isinstance(callback, _PendingBump) and not callback.done:
            return
    transaction.on_commit(_PendingBump(), robust=True)


def _read_version() -> str:
    key = version_key()
    version = cache.get(key)
    if version is None:
        # First use, or the key was lost: a fresh value (add: only one worker's wins).
        cache.add(key, _new_version(), timeout=None)
        version = cache.get(key)
        if version is None:
            raise RuntimeError("the cache keeps no register version")
    return str(version)


def _bumped_at(version: str) -> float:
    head = version.split(".", 1)[0]
    return int(head) / 1e9 if head.isdigit() else 0.0


@dataclass(frozen=True)
class ClockWindow:
    last: float  # the last clock moment at or before now (0: none), seconds since the epoch
    next: float | None  # the next one after now


# version -> window: the moments depend only on the data (the version) and the time, so a
# process may keep them until the next moment passes. Pages are built on a miss only, so
# this is asked once per version per process (a few aggregate queries).
_clock_memo: dict[str, ClockWindow] = {}


def clock_window(version: str, now: float) -> ClockWindow:
    memo = _clock_memo.get(version)
    if memo is not None and memo.last <= now and (memo.next is None or now < memo.next):
        return memo
    moment = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    last = 0.0
    upcoming: float | None = None
    for source in _clock_sources:
        before, after = source(moment)
        if before is not None:
            last = max(last, before.timestamp())
        if after is not None:
            upcoming = after.timestamp() if upcoming is None else min(upcoming, after.timestamp())
    window = ClockWindow(last=last, next=upcoming)
    _clock_memo.clear()  # one version is current; the old ones are of no use
    _clock_memo[version] = window
    return window


def day_boundaries(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Midnights in London around now: the timeline's "Today" and overdue milestones."""
    # Wall-clock arithmetic on a zoneinfo time: the next midnight even across a change of
    # the clocks.
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def field_moments(queryset: Any, *fields: str) -> ClockSource:
    """A clock source from datetime fields: the latest value at or before now and the
    earliest after it, over `queryset` (one query)."""

    def source(now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
        from django.db.models import Max, Min, Q

        aggregates: dict[str, Any] = {}
        for name in fields:
            aggregates[f"{name}_last"] = Max(name, filter=Q(**{f"{name}__lte": now}))
            aggregates[f"{name}_next"] = Min(name, filter=Q(**{f"{name}__gt": now}))
        found = queryset.all().aggregate(**aggregates)
        lasts = [found[f"{name}_last"] for name in fields if found[f"{name}_last"]]
        nexts = [found[f"{name}_next"] for name in fields if found[f"{name}_next"]]
        return (max(lasts) if lasts else None, min(nexts) if nexts else None)

    return source


register_clock_source(day_boundaries)


# --- The middleware --------------------------------------------------------------------
def _bypass(request: HttpRequest) -> bool:
    """True for requests the cache must not serve nor learn from."""
    if request.method not in ("GET", "HEAD"):
        return True
    # A session may be a signed-in one: its reader can see more than the public. Checking
    # the cookie (not request.user) keeps a cached answer free of any database query.
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    return "HTTP_AUTHORIZATION" in request.META


def _page_key(request: HttpRequest) -> str:
    # The host and scheme: feeds and calendars write absolute links from the request.
    # Nothing else is read from the request by the register's pages (no Accept-Language:
    # no LocaleMiddleware; no HTMX; no cookie once sessions are out of the way). No clock
    # moment either: a copy never outlives the next one (see `_store`). No version: the
    # entry names the version it was built under (see `_read`), so that the version and the
    # page are read in one round trip.
    what = "|".join(
        [
            "https" if request.is_secure() else "http",
            request.get_host(),
            request.get_full_path(),
        ]
    )
    return f"{PAGE_KEY_PREFIX}:{hashlib.sha256(what.encode()).hexdigest()}"


def _read(key: str) -> tuple[str, Any]:
    """The register version and the entry stored under `key`, in one cache round trip (the
    version then the page, one after the other, made a cached page cost two: as much as
    the plain twin's two database round trips). The entry is None when the version is new."""
    versions = version_key()
    found = cache.get_many([versions, key])
    version = found.get(versions)
    if version is None:
        return _read_version(), None  # no page was stored under a version just made
    return str(version), found.get(key)


def _cacheable(response: HttpResponseBase) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "")
    if "private" in control or "no-store" in control:
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= {"cookie"}


def _last_modified(changed_at: float, now: float) -> int | None:
    """Whole seconds (HTTP dates have no fractions): while the second of the last change is
    not over, a further change could fall in it and If-Modified-Since would miss it."""
    second = int(changed_at)
    return second if now >= second + 1 else None


@functools.lru_cache(maxsize=1024)
def _marked_public(root_urlconf: Any, urlconf: Any, path: str) -> bool:
    """Whether `path` is a page marked with `cached_public_page`. Kept per URLconf and path:
    resolving the path again for every request was a tenth of a cached page's cost. Bounded,
    so that addresses made up by the thousand cost what they did, not memory."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return bool(getattr(match.func, "public_page_cache", False))


class PublicPageCacheMiddleware:
    """Serves anonymous readers of the pages marked with `cached_public_page` from the cache,
    with ETag and Last-Modified, and answers their conditional requests with 304.

    It sits before the session and authentication middleware: a cached answer costs two
    cache reads and no database query. The headers that the middleware below it set
    (Content-Security-Policy, X-Frame-Options...) are stored with the page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self._public_page(request):
            return self.get_response(request)
        if _bypass(request):
            response = self.get_response(request)
            # The signed-in reader's copy may hold member-only content: no shared cache may
            # keep it, and no cache may answer it for another.
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["Cookie"])
            return response
        if not settings.PUBLIC_PAGE_CACHE:
            return self.get_response(request)
        try:
            key = _page_key(request)
        except Exception:  # DisallowedHost: Django answers it with its 400 below
            return self.get_response(request)
        try:
            version, entry = _read(key)
        except Exception:
            logger.warning("public page cache: the cache cannot be read; serving uncached")
            return self.get_response(request)
        found = self._cached(entry, version)
        if found is not None:
            response, changed_at = found
        else:
            try:
                # Before the page is built: a moment passing while it is would otherwise
                # be missed.
                window = clock_window(version, time.time())
            except Exception:
                logger.warning("public page cache: no clock window; serving uncached")
                return self.get_response(request)
            response = self.get_response(request)
            if not _cacheable(response):
                return response
            changed_at = max(_bumped_at(version), window.last)
            self._prepare(response, version, key, window)
            self._store(key, version, response, changed_at, window)
        return self._conditional(request, response, changed_at)

    @staticmethod
    def _public_page(request: HttpRequest) -> bool:
        return _marked_public(settings.ROOT_URLCONF, get_urlconf(), request.path_info)

    @staticmethod
    def _prepare(response: HttpResponseBase, version: str, key: str, window: ClockWindow) -> None:
        if not response.has_header("ETag"):
            # The version, the request and the clock moment: the same three, the same bytes.
            tag = hashlib.sha256(f"{version}|{key}|{window.last:.0f}".encode()).hexdigest()[:32]
            response["ETag"] = f'"{tag}"'
        if not response.has_header("Cache-Control"):
            # Browsers and proxies may keep the page but must ask again each time: the
            # answer is a 304 while nothing changed, and the new page once it has.
            patch_cache_control(response, public=True, no_cache=True)
        patch_vary_headers(response, ["Cookie"])

    @staticmethod
    def _cached(entry: Any, version: str) -> tuple[HttpResponse, float] | None:
        if entry is None:
            return None
        built_under, status, headers, content, changed_at, valid_from = entry
        if built_under != version:
            return None  # public content changed since: the copy is out of reach
        if time.time() < valid_from:
            return None  # kept at a later time than now (a clock set back): not this window
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response, changed_at

    @staticmethod
    def _store(
        key: str, version: str, response: HttpResponseBase, changed_at: float, window: ClockWindow
    ) -> None:
        timeout = float(settings.PUBLIC_PAGE_CACHE_SECONDS)
        if window.next is not None:
            # Gone when the next clock moment comes (a consultation closes, a day ends).
            timeout = min(timeout, window.next - time.time())
        if timeout < 1:
            return
        headers = list(response.items())
        content = response.content  # type: ignore[attr-defined]
        entry = (version, response.status_code, headers, content, changed_at, window.last)
        try:
            cache.set(key, entry, timeout=int(timeout))
        except Exception:
            logger.warning("public page cache: could not store a page")

    @staticmethod
    def _conditional(
        request: HttpRequest, response: HttpResponseBase, changed_at: float
    ) -> HttpResponseBase:
        last_modified = _last_modified(changed_at, time.time())
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        elif response.has_header("Last-Modified"):
            del response["Last-Modified"]  # a feed's own: its latest entry, not the page
        answer = get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=last_modified,
            response=response,  # type: ignore[arg-type]
        )
        return answer if answer is not None else response
