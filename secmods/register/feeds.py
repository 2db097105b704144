"""Atom feeds: new modifications and stage changes, for the register and per modification.

Written directly from values, to the byte as Django's syndication framework (Atom1Feed)
wrote them: the framework asked a dozen methods per entry of every entry's model instances
and wrote the XML through a SAX generator, five times the time of the twin's whole request
(docs/proof.md). Text goes through `_text` and attributes through `quoteattr`, as its
SimplerXMLGenerator escaped them; a summary is HTML (type="html"), so its plain text is
escaped as HTML first, and then again as XML: a reader shows "<b>" as typed, not bold.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import html
from django.utils.encoding import iri_to_uri
from django.utils.http import http_date
from django.utils.translation import get_language

from secmods.core.caching import cache_for_reader

from . import selectors
from .selectors import FeedEntry

CONTENT_TYPE = "application/atom+xml; charset=utf-8"
TITLE = "SEC modifications: new modifications and stage changes"
SUBTITLE = "Modifications published on the secmods register, and their moves between stages."
# RFC 4287 §4.1.1: a feed whose entries name no author must name one itself; each entry
# names it too, as some readers do not carry the feed's author to its entries.
AUTHOR_NAME = "SECAS (the SEC Administrator and Secretariat)"
# XML 1.0 has no way to write these (Django's feed writer refused them with a 500): left out.
_NOT_XML = re.compile(r"[\x00-\x08\x0B-\x0C\x0E-\x1F]")


def _text(value: str) -> str:
    """Character data, escaped as xml.sax's XMLGenerator escapes it (&, <, >)."""
    return escape(_NOT_XML.sub("", value))


def _tag(key: str) -> str:
    # tag: URIs (RFC 4151) never change when the site moves or a reference is re-spelled.
    host = urlsplit(settings.SITE_URL).hostname or "secmods.localhost"
    return f"tag:{host},2021:{key}"


def _atom(
    request: HttpRequest,
    *,
    title: str,
    subtitle: str,
    link: str,
    feed_url: str,
    entries: Iterable[FeedEntry],
) -> HttpResponse:
    entries = list(entries)
    # Links as the syndication framework's add_domain made them: the request's host.
    site = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    link = iri_to_uri(f"{site}{link}")
    author = (
        f"<author><name>{_text(AUTHOR_NAME)}</name>"
        f"<uri>{_text(iri_to_uri(f'{settings.SITE_URL}/'))}</uri></author>"
    )
    # The newest entry's moment, else now: the feed's <updated> and Last-Modified.
    latest = max((entry.when for entry in entries), default=None) or dt.datetime.now(tz=dt.UTC)
    language = get_language()
    lang = f" xml:lang={quoteattr(language)}" if language is not None else ""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<feed{lang} xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{_text(title)}</title>",
        f'<link href={quoteattr(link)} rel="alternate"/>',
        f'<link href={quoteattr(iri_to_uri(f"{site}{feed_url}"))} rel="self"/>',
        f"<id>{_text(link)}</id><updated>{latest.isoformat()}</updated>{author}",
        f"<subtitle>{_text(subtitle)}</subtitle>",
    ]
    # One reverse() for the feed, not one per entry: a reference needs no quoting in a path.
    prefix = reverse("register:modification", args=["MP1"]).removesuffix("MP1/")
    for entry in entries:
        url = f"{site}{prefix}{entry.reference}/"
        if entry.stage_change is None:
            entry_title = f"New modification: {entry.reference} {entry.title}"
        else:
            url += f"#stage-change-{entry.stage_change}"
            entry_title = (
                f"{entry.reference} {entry.title}: moved from {entry.from_stage} to "
                f"{entry.to_stage}"
            )
        when = entry.when.isoformat()
        out.append(
            f"<entry><title>{_text(entry_title)}</title>"
            f'<link href={quoteattr(iri_to_uri(url))} rel="alternate"/>'
            f"<published>{when}</published><updated>{when}</updated>{author}"
            f"<id>{_text(_tag(entry.key))}</id>"
            f'<summary type="html">{_text(html.escape(entry.summary))}</summary></entry>'
        )
    out.append("</feed>")
    response = HttpResponse("".join(out).encode(), content_type=CONTENT_TYPE)
    # Lets ConditionalGetMiddleware answer a poll with 304 Not Modified.
    response.headers["Last-Modified"] = http_date(latest.timestamp())
    # A member's feed lists unpublished modifications: never public in a shared cache.
    cache_for_reader(request, response, max_age=300)
    return response


def modifications_feed(request: HttpRequest) -> HttpResponse:
    """The register's feed: its latest publications and stage changes (two queries)."""
    return _atom(
        request,
        title=TITLE,
        subtitle=SUBTITLE,
        link=reverse("register:modifications"),
        feed_url=reverse("register:feed"),
        entries=selectors.feed_entries(request.user),
    )


def modification_feed(request: HttpRequest, reference: str) -> HttpResponse:
    """One modification's publication and stage changes (two queries)."""
    modification = selectors.feed_modification(request.user, reference)
    if modification is None:
        raise Http404("No published modification has that reference.")
    return _atom(
        request,
        title=f"{modification.reference} {modification.title}: stage changes",
        subtitle=f"Publication and stage changes of {modification.reference} on the secmods "
        "register.",
        link=reverse("register:modification", args=[modification.reference]),
        feed_url=reverse("register:modification-feed", args=[modification.reference]),
        entries=selectors.feed_entries(request.user, modification=modification),
    )
