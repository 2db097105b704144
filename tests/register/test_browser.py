"""The register in a real browser: Playwright driving Debian's Chromium against the live server.

Never downloads a browser: it launches /usr/bin/chromium (`.ci/run` installs the Debian
package when `.ci/needs-chromium` exists). Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from icalendar import Calendar

from secmods.consultations.models import Comment, Consultation
from secmods.documents.models import Document, Visibility
from secmods.modifications.models import Modification, Stage
from tests.conftest import IN_CI
from tests.factories import MembershipFactory, ModificationFactory, PersonFactory, UserFactory

from .helpers import PDF_BYTES, SECRET, consultation_with_responses, document

# No serialized_rollback: these run after other transactional tests (in the same xdist
# group) whose flush re-made the content types with new ids, so restoring serialized ones
# collides (duplicate key). The roles and Party Categories that data migrations made, which
# a flush empties, are put back by the `seeded` fixture instead; reset_sequences because
# the seed names Party Categories by id, as the migration numbered them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, reset_sequences=True),
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def browser(seeded, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Chromium for one test, started after the database is set up and stopped before it
    is flushed: while Playwright's event loop runs, Django hands out a separate (async
    context) connection, which would miss the serialized data to restore."""
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django's ORM (used by the
    # tests' own setup in the same thread) would otherwise refuse to run beside it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def seeded(transactional_db) -> Modification:  # type: ignore[no-untyped-def]
    restore_migrated_rows()
    call_command("load_seed", verbosity=0)
    return Modification.objects.get(number=160, suffix="")


def restore_migrated_rows() -> None:
    """The roles and Party Categories a data migration made, which a flush emptied."""
    import importlib

    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from secmods.core.roles import SECAS_STAFF

    # A connection another test's teardown ended would fail the first query: start afresh.
    connection.close()
    if not Group.objects.filter(name=SECAS_STAFF).exists():
        roles = importlib.import_module(
            "secmods.parties.migrations.0002_roles_and_party_categories"
        )
        state = MigrationLoader(connection).project_state(
            ("parties", "0002_roles_and_party_categories")
        )
        roles.forwards(state.apps, None)


@pytest.fixture
def page(seeded, live_server, browser):  # type: ignore[no-untyped-def]
    """A fresh page that records console errors (a CSP violation shows up there)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    yield page
    context.close()


def shot(page, name: str, **kwargs) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    return path


def test_search_mp_160_lands_on_the_modification(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "SEC modifications"
    shot(page, "register", full_page=True)
    page.get_by_label("Search by reference (e.g. MP160) or words").fill("mp 160")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/modifications/DP160/$"))
    assert "Certificate Signing Request forecasting" in page.locator("h1").inner_text()
    assert page.console_errors == []


def test_filter_by_stage(page):
    ModificationFactory(
        title="Refinement example",
        stage=Stage.REFINEMENT,
        published_at=dt.datetime(2021, 5, 1, tzinfo=dt.UTC),
    )
    page.goto("/")
    rows = page.locator("table.register tbody tr")
    assert rows.count() == 2
    page.get_by_label("Stage").select_option(label="Refinement")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"stage=refinement"))
    assert rows.count() == 1
    assert "Refinement example" in rows.first.inner_text()
    assert page.get_by_label("Stage").input_value() == "refinement"
    page.get_by_label("Stage").select_option(label="Draft Proposal")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"stage=draft_proposal"))
    assert rows.count() == 1 and "DP160" in rows.first.inner_text()
    # A bad value in the address is ignored with a message, never an error page.
    page.goto("/?stage=nonsense")
    assert "There is no stage" in page.get_by_role("status").inner_text()
    assert rows.count() == 2


def test_the_timeline_shows_the_four_milestones_with_may_as_a_month(page):
    page.goto("/modifications/MP160/")
    timeline = page.locator("svg.timeline")
    timeline.scroll_into_view_if_needed()
    milestones = timeline.locator("g.milestone")
    assert milestones.count() == 4
    texts = [milestones.nth(index).locator("text.label").text_content() for index in range(4)]
    assert texts[2].startswith("May 2021")
    may = timeline.locator('g.milestone[data-precision="month"]')
    assert may.count() == 1
    bar = may.locator("rect.span").bounding_box()
    dot = timeline.locator('g.milestone[data-precision="day"] circle.dot').first.bounding_box()
    assert bar is not None and dot is not None
    # A month is drawn as a bar about 31 days long; a day as a dot.
    assert bar["width"] > 8 * dot["width"]
    may_start = may.locator("rect.span").bounding_box()["x"]  # type: ignore[index]
    june = timeline.locator("g.milestone").nth(3).locator("circle.dot").bounding_box()
    assert june is not None and june["x"] > may_start + bar["width"] - dot["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    timeline.screenshot(path=str(ARTIFACTS / "mp160-timeline.png"))
    # The acronyms show their full term and link to the glossary.
    smki = page.locator('a.term abbr[title="Smart Metering Key Infrastructure"]').first
    assert smki.inner_text() == "SMKI"
    smki.click()
    page.wait_for_url(re.compile(r"/glossary/#term-SMKI$"))
    assert page.console_errors == []


def with_responses_and_documents(modification: Modification) -> tuple[Consultation, Document]:
    """A closed consultation with four published responses and a confidential one, a
    published document and a confidential one."""
    consultation = consultation_with_responses(modification, 4)
    published = document(modification, "DCC Preliminary Assessment", Visibility.PUBLISHED)
    document(modification, "Confidential legal advice", Visibility.CONFIDENTIAL)
    return consultation, published


def test_mp160_shows_its_published_responses_documents_and_exports(page, seeded):
    consultation, published = with_responses_and_documents(seeded)
    page.goto("/modifications/MP160/")
    shot(page, "mp160", full_page=True)
    consultations = page.locator("section[aria-labelledby='consultations-heading']")
    consultations.screenshot(path=str(ARTIFACTS / "mp160-consultations.png"))
    assert "Small Suppliers: 1 agree, 1 disagree" in consultations.inner_text()
    documents = page.locator("section[aria-labelledby='documents-heading']")
    documents.screenshot(path=str(ARTIFACTS / "mp160-documents.png"))
    assert SECRET not in page.content() and "Confidential legal advice" not in page.content()
    # The published document downloads through the permission-checked view.
    link = documents.get_by_role("link", name="DCC Preliminary Assessment")
    assert link.get_attribute("href") == f"/documents/{published.pk}/"
    with page.expect_download() as download_info:
        link.click()
    assert Path(download_info.value.path()).read_bytes() == PDF_BYTES
    # The Word export downloads; the HTML export opens, styled, without a CSP violation.
    with page.expect_download() as download_info:
        documents.get_by_role("link", name="Word (.docx)").click()
    assert download_info.value.suggested_filename == "DP160-modification-report.docx"
    assert Path(download_info.value.path()).read_bytes()[:2] == b"PK"
    documents.get_by_role("link", name="web page (HTML)").click()
    page.wait_for_url(re.compile(r"/documents/reports/DP160\.html$"))
    assert "Certificate Signing Request forecasting" in page.locator("h1").first.inner_text()
    shot(page, "mp160-report-html")
    page.go_back()
    page.get_by_role("link", name="Read the 4 published responses").click()
    page.wait_for_url(re.compile(rf"/consultations/{consultation.pk}/responses/$"))
    assert SECRET not in page.content()
    shot(page, "mp160-responses")
    assert page.console_errors == []


def test_download_the_ics_and_parse_it(page):
    page.goto("/modifications/MP160/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add its dates to your calendar (ICS)").click()
    download = download_info.value
    assert download.suggested_filename == "dp160.ics"
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    summaries = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert summaries == [
        "DP160 at CSC: CSC meeting 1 June 2021",
        "DP160 at CSC: CSC meeting 27 April 2021",
        "DP160: Draft Proposal raised",
    ]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_a_committee_member_adds_a_comment_in_the_admin(page):
    user = UserFactory(committee_member=True, username="member", password=PASSWORD)
    person = PersonFactory(user=user)
    MembershipFactory(person=person, committee__slug="csc")
    page.goto("/admin/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto("/admin/consultations/comment/add/")
    # The modification field is an autocomplete: type part of the reference, pick it.
    page.locator(".field-modification .select2-selection").click()
    page.locator(".select2-search__field").fill("160")
    page.locator(".select2-results__option", has_text="160").first.click()
    page.get_by_label("Text").fill("The Security Sub-Committee should look at the forecasts.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/consultations/comment/$"))
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    # The author by name, never by login.
    assert person.name in rows.first.inner_text()
    comment = Comment.objects.get()
    assert comment.author == user and comment.modification.number == 160


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?stage=nonsense",
        "/modifications/MP160/",
        "/meetings/",
        "/meetings/1/",
        "/glossary/",
        "/modifications/MP999/",
    ],
)
def test_no_serious_accessibility_violations(seeded, live_server, browser, path):
    with_responses_and_documents(seeded)
    # bypass_csp only so that axe itself can be injected; the pages stay as served.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(path)
        page.add_script_tag(path=str(AXE))
        results = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        )
        assert results["passes"], "axe ran no check"
        serious = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
            + "; ".join(node["target"][0] for node in violation["nodes"][:3])
            for violation in results["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert serious == []
    finally:
        context.close()


# What axe leaves "for review" under color-contrast (text inside the timeline's SVG, which
# has role="img"; a sort mark that is only a symbol), measured here: the text's colour (fill
# for SVG) against the first opaque background behind it, by WCAG 2's formula.
CONTRAST_OF = """(selectors) => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => v / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  return selectors.map((selector) => {
    const el = document.querySelector(selector);
    const style = getComputedStyle(el);
    const fg = rgb(el instanceof SVGElement ? style.fill : style.color);
    let bg = null;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const back = rgb(getComputedStyle(node).backgroundColor);
      if (back.length === 3 || (back.length === 4 && back[3] === 1)) { bg = back.slice(0, 3); break; }
    }
    bg = bg || [255, 255, 255];
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    return {selector, ratio: (hi + 0.05) / (lo + 0.05), needed: large ? 3 : 4.5,
            opaque: fg.length === 3 || fg[3] === 1};
  });
}"""


@pytest.mark.parametrize(
    "path",
    ["/", "/?sort=-reference", "/modifications/MP160/", "/meetings/", "/meetings/1/", "/glossary/"],
)
def test_colour_contrast_passes_with_nothing_left_for_review(seeded, live_server, browser, path):
    with_responses_and_documents(seeded)
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(path)
        page.add_script_tag(path=str(AXE))
        results = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})"
        )
        assert [p["id"] for p in results["passes"]] == ["color-contrast"]
        assert [
            (v["impact"], [n["target"][0] for n in v["nodes"]]) for v in results["violations"]
        ] == []
        review = [n["target"][0] for v in results["incomplete"] for n in v["nodes"]]
        measured = page.evaluate(CONTRAST_OF, review)
        too_low = [m for m in measured if not m["opaque"] or m["ratio"] < m["needed"]]
        assert too_low == [], too_low
    finally:
        context.close()


def test_phone_screenshots(seeded, live_server, browser):
    with_responses_and_documents(seeded)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        page = context.new_page()
        page.goto("/")
        # No sideways scrolling on a phone: the rows become cards.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "register-phone", full_page=True)
        page.goto("/modifications/MP160/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "mp160-phone", full_page=True)
        for path in ("/meetings/", "/meetings/1/", "/glossary/", "/modifications/MP999/"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    finally:
        context.close()


def test_the_timeline_fits_a_phone_without_cutting_its_labels(seeded, live_server, browser):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        page = context.new_page()
        page.goto("/modifications/MP160/")
        # The wide picture gives way to a list whose every line wraps inside its box.
        assert not page.locator("svg.timeline").is_visible()
        rows = page.locator("ol.timeline-list li")
        assert rows.count() == seeded.milestones.count()
        box = page.locator("ol.timeline-list").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        overflowing = page.evaluate(
            "[...document.querySelectorAll('ol.timeline-list li')]"
            ".filter(li => li.scrollWidth > li.clientWidth).length"
        )
        assert overflowing == 0
        page.locator("ol.timeline-list").screenshot(
            path=str(ARTIFACTS / "mp160-timeline-phone.png")
        )
        # A laptop still gets the picture.
        page.set_viewport_size({"width": 1366, "height": 768})
        assert page.locator("svg.timeline").is_visible()
        assert not page.locator("ol.timeline-list").is_visible()
    finally:
        context.close()
