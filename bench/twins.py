"""Check that each plain twin of a public page shows the same rows as the real page.

`make bench` compares a page with its twin (bench/plain_views.py) only if both show the same
thing; this module says whether they do. It compares what a reader sees, not the markup:

- HTML pages: the text of every block (heading, paragraph, list item, table cell, term,
  option, caption, the timeline picture's title and description) inside <main>, in order,
  with the id of the <section> it is in. A missing milestone, meeting, response or row is a
  missing block; a wrong count or date is a different text.
- ICS: the events by UID (same set, same number), and for each its SUMMARY, DTSTART, DTEND,
  DTSTAMP, SEQUENCE, STATUS, LOCATION, URL and DESCRIPTION (the agenda), unfolded and
  unescaped.

`compare(kind, real, twin)` works on texts (the tests fetch them with Django's test client);
`check_twins(base_url, reference)` fetches the three pairs from a running server.
"""

from __future__ import annotations

import difflib
import re
import urllib.request
from html.parser import HTMLParser

# Elements whose text is one unit a reader sees.
BLOCKS = frozenset(
    {"h1", "h2", "h3", "h4", "p", "li", "dt", "dd", "th", "td", "caption", "option", "title",
     "desc"}
)  # fmt: skip
VOID = frozenset({"br", "img", "input", "link", "meta", "hr", "col", "source", "wbr"})
EVENT_FIELDS = (
    "SUMMARY", "DTSTART", "DTEND", "DTSTAMP", "SEQUENCE", "STATUS", "LOCATION", "URL",
    "DESCRIPTION",
)  # fmt: skip


class _Blocks(HTMLParser):
    """(section, element, text) for each non-empty block inside <main>, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str, str]] = []
        self.in_main = False
        self.sections: list[str] = []
        self.open: list[tuple[str, list[str]]] = []  # block elements being read
        self.stack: list[str] = []  # every open element, to close sections and blocks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        if not self.in_main or tag in VOID:
            return
        self.stack.append(tag)
        if tag == "section":
            self.sections.append(dict(attrs).get("aria-labelledby") or "")
        if tag in BLOCKS:
            self.open.append((tag, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <line/>, <circle/>...: no text

    def handle_endtag(self, tag: str) -> None:
        if not self.in_main or tag in VOID:
            return
        if tag == "main":
            self.in_main = False
            return
        # Close up to the matching element (HTML allows some end tags to be left out).
        while self.stack:
            closed = self.stack.pop()
            if closed == "section" and self.sections:
                self.sections.pop()
            if closed in BLOCKS and self.open:
                name, parts = self.open.pop()
                text = " ".join("".join(parts).split())
                if text:
                    self.blocks.append((self.sections[-1] if self.sections else "", name, text))
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_main and self.open:
            self.open[-1][1].append(data)


def page_blocks(html: str) -> list[tuple[str, str, str]]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def ics_events(text: str) -> dict[str, dict[str, str]]:
    """UID -> the event's fields (name with its parameters, e.g. DTSTART;TZID=...)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    events: dict[str, dict[str, str]] = {}
    event: dict[str, str] | None = None
    duplicates = 0
    for line in unfolded.splitlines():
        if line == "BEGIN:VEVENT":
            event = {}
        elif line == "END:VEVENT" and event is not None:
            uid = event.get("UID", "")
            if uid in events:
                duplicates += 1
                uid = f"{uid} (again, {duplicates})"
            events[uid] = event
            event = None
        elif event is not None and ":" in line:
            head, value = line.split(":", 1)
            name, *params = head.split(";")
            key = ";".join([name.upper(), *sorted(params)])
            event[name.upper()] = key + ":" + _unescape(value)
    return events


def _diff(real: list[str], twin: list[str], limit: int = 12) -> list[str]:
    lines = [
        line
        for line in difflib.unified_diff(real, twin, "real", "twin", n=0, lineterm="")
        if not line.startswith("@@")
    ]
    return lines[:limit] + (
        [f"... ({len(lines) - limit} more lines)"] if len(lines) > limit else []
    )


def compare(kind: str, real: str, twin: str) -> list[str]:
    """What the twin shows differently from the real page; empty when they agree.
    `kind`: "html", "ics" or "atom"."""
    if kind == "ics":
        real_events, twin_events = ics_events(real), ics_events(twin)
        problems = []
        if len(real_events) != len(twin_events):
            problems.append(
                f"{len(real_events)} events in the real feed, {len(twin_events)} in the twin"
            )
        for uid in sorted(real_events.keys() - twin_events.keys()):
            problems.append(f"missing from the twin: {uid}")
        for uid in sorted(twin_events.keys() - real_events.keys()):
            problems.append(f"only in the twin: {uid}")
        for uid in sorted(real_events.keys() & twin_events.keys()):
            for field in EVENT_FIELDS:
                a, b = real_events[uid].get(field), twin_events[uid].get(field)
                if a != b:
                    problems.append(f"{uid} {field}: real {a!r}, twin {b!r}")
        return problems
    if kind == "atom":
        # The twin writes the feed itself: the same bytes, entry by entry.
        if real == twin:
            return []
        split = re.compile(r"(?=<entry>)")
        return _diff(split.split(real), split.split(twin)) or ["the feeds differ"]
    if kind == "html":
        real_blocks = [" | ".join(block) for block in page_blocks(real)]
        twin_blocks = [" | ".join(block) for block in page_blocks(twin)]
        if not real_blocks:
            return ["the real page shows nothing inside <main>"]
        return _diff(real_blocks, twin_blocks) if real_blocks != twin_blocks else []
    raise ValueError(f"unknown kind {kind!r}")


def pairs(reference: str, meeting: int = 1) -> list[tuple[str, str, str, str]]:
    """(name, kind, real path, twin path) for each public page that has a twin."""
    return [
        ("register page", "html", "/", "/bench/plain/register/"),
        (
            f"modification page {reference}",
            "html",
            f"/modifications/{reference}/",
            f"/bench/plain/modifications/{reference}/page/",
        ),
        ("meeting list", "html", "/meetings/", "/bench/plain/meetings/"),
        ("meeting list, page 2", "html", "/meetings/?page=2", "/bench/plain/meetings/?page=2"),
        (
            f"meeting {meeting}",
            "html",
            f"/meetings/{meeting}/",
            f"/bench/plain/meetings/{meeting}/",
        ),
        ("ICS feed", "ics", "/calendar/meetings.ics", "/bench/plain/calendar/meetings.ics"),
        (
            "committee ICS feed",
            "ics",
            "/calendar/committees/csc.ics",
            "/bench/plain/calendar/committees/csc.ics",
        ),
        (
            f"modification ICS feed {reference}",
            "ics",
            f"/modifications/{reference}/calendar.ics",
            f"/bench/plain/modifications/{reference}/calendar.ics",
        ),
        ("Atom feed", "atom", "/feeds/modifications.atom", "/bench/plain/feeds/modifications.atom"),
        (
            f"modification Atom feed {reference}",
            "atom",
            f"/modifications/{reference}/feed.atom",
            f"/bench/plain/modifications/{reference}/feed.atom",
        ),
    ]


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (our own server)
        return response.read().decode()


def sample_meeting(database: str, number: int) -> int:
    """The first meeting (by start) where modification `number` is presented: a meeting
    with an agenda, the one whose page and twin are measured."""
    import psycopg

    from bench.api import PG

    with psycopg.connect(f"{PG}/{database}") as conn:
        row = conn.execute(
            """SELECT mt.id FROM committees_agendaitem ai
                 JOIN committees_meeting mt ON mt.id = ai.meeting_id
                 JOIN modifications_modification m ON m.id = ai.modification_id
                WHERE m.number = %s AND m.suffix = '' ORDER BY mt.starts_at, mt.id LIMIT 1""",
            [number],
        ).fetchone()
    return row[0] if row else 1


def _first_meeting(base_url: str, reference: str) -> int:
    # The same meeting as sample_meeting, read from the modification's page.
    found = re.search(r'href="/meetings/(\d+)/"', _fetch(f"{base_url}/modifications/{reference}/"))
    return int(found[1]) if found else 1


def check_twins(base_url: str, reference: str, meeting: int | None = None) -> list[str]:
    """Fetch each real page and its twin; the differences, each prefixed by the page's
    name. Empty when every twin shows the same rows."""
    if meeting is None:
        meeting = _first_meeting(base_url, reference)
    problems = []
    for name, kind, real, twin in pairs(reference, meeting):
        for problem in compare(kind, _fetch(base_url + real), _fetch(base_url + twin)):
            problems.append(f"{name}: {problem}")
    return problems


if __name__ == "__main__":
    import sys

    found = check_twins(sys.argv[1], sys.argv[2])
    print("\n".join(found) or "every twin shows the same rows as its real page")
    sys.exit(1 if found else 0)
