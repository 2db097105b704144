"""The Atom feeds as feed readers see them: well-formed for feedparser (bozo == 0), the
elements RFC 4287 requires, and user text exactly as typed."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from secmods.modifications import services
from secmods.modifications.models import Path, Stage
from tests.factories import ModificationFactory, OrganisationFactory, PersonFactory

from .conftest import python_tool, record

pytestmark = [pytest.mark.conformance, pytest.mark.django_db]
ATOM = "{http://www.w3.org/2005/Atom}"
TITLE = 'Use <HTML> & "quotes" in <b>reports</b>'
REASON = "Agreed <b>unanimously</b> & at once; see <a href='x'>this</a>."
PUBLISHED = dt.datetime(2021, 4, 19, tzinfo=dt.UTC)
# RFC 3339 date-time, as RFC 4287 §3.3 requires.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def feeds(client):  # type: ignore[no-untyped-def]
    proposer = PersonFactory(organisation=OrganisationFactory(name="Smith & <Sons>"))
    modification = ModificationFactory(title=TITLE, published_at=PUBLISHED, proposer=proposer)
    modification.path = Path.PATH_3
    modification.problem_statement_agreed = True
    modification.save()
    services.move_stage(modification, to=Stage.REFINEMENT, decided_by="CSC <Panel>", reason=REASON)
    urls = ["/feeds/modifications.atom", f"/modifications/{modification.reference}/feed.atom"]
    return modification, {url: client.get(url) for url in urls}


def test_feedparser_reads_the_feeds_without_complaint(feeds):
    _, responses = feeds
    for url, response in responses.items():
        assert response.status_code == 200
        parsed = python_tool("feedparser").parse(response.content)
        verdict = "bozo 0" if not parsed.bozo else f"bozo 1: {parsed.bozo_exception}"
        record("feedparser", f"{url}: {len(parsed.entries)} entries, {verdict}")
        assert parsed.bozo == 0, parsed.bozo_exception
        assert parsed.version == "atom10"
        assert parsed.feed.author_detail.name
        assert all(entry.author for entry in parsed.entries)


def test_user_text_comes_out_exactly_as_typed(feeds):
    modification, responses = feeds
    parsed = python_tool("feedparser").parse(responses["/feeds/modifications.atom"].content)
    moved, new = parsed.entries
    assert new.title == f"New modification: {modification.reference} {TITLE}"
    assert moved.title.startswith(f"{modification.reference} {TITLE}: moved from")
    # A summary of type html is HTML: what a reader shows is its text, tags and all as typed.
    assert new.summary_detail.type == "text/html"
    shown = _text_of(moved.summary)
    assert REASON in shown, shown
    assert "Decided by: CSC <Panel>." in shown
    assert "<b>" not in moved.summary  # no markup of ours, none of the user's
    assert "Raised by Smith & <Sons>" in _text_of(new.summary)
    assert TITLE in _text_of(new.summary)


def _text_of(html: str) -> str:
    """What a reader displays of an HTML fragment: its text, entities decoded."""
    import html as html_module

    assert not re.search(r"<[a-zA-Z/]", html), f"markup in {html!r}"
    return html_module.unescape(html)


def test_the_elements_rfc_4287_requires(feeds):
    _, responses = feeds
    for url, response in responses.items():
        root = ET.fromstring(response.content)  # noqa: S314 - our own output
        assert root.tag == f"{ATOM}feed"
        # §4.1.1: one id, title, updated; an author (here, or in every entry); a self link.
        for name in ("id", "title", "updated"):
            assert len(root.findall(f"{ATOM}{name}")) == 1, (url, name)
        feed_author = root.findall(f"{ATOM}author")
        assert all(author.findtext(f"{ATOM}name") for author in feed_author)
        links = {
            link.get("rel", "alternate"): link.get("href") for link in root.findall(f"{ATOM}link")
        }
        assert links.get("self", "").endswith(url), links
        assert links.get("alternate"), links
        assert RFC3339.match(root.findtext(f"{ATOM}updated") or ""), url
        entries = root.findall(f"{ATOM}entry")
        assert entries
        for entry in entries:
            # §4.1.2: one id (an IRI), title, updated; an author unless the feed has one;
            # a link rel=alternate or a content; a summary (no content here).
            for name in ("id", "title", "updated"):
                assert len(entry.findall(f"{ATOM}{name}")) == 1, (url, name)
            assert re.match(r"^[a-z][a-z0-9+.-]*:", entry.findtext(f"{ATOM}id") or "")
            assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
            assert feed_author or entry.findall(f"{ATOM}author")
            alternates = [
                link
                for link in entry.findall(f"{ATOM}link")
                if link.get("rel", "alternate") == "alternate"
            ]
            assert len(alternates) == 1 and alternates[0].get("href", "").startswith("http")
            summary = entry.find(f"{ATOM}summary")
            assert summary is not None and summary.get("type") in (None, "text", "html")
            published = entry.findtext(f"{ATOM}published")
            assert published is None or RFC3339.match(published)
        record("RFC 4287 required elements", f"{url}: {len(entries)} entries, ok")
