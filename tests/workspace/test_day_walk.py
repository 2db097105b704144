"""Each role's day, clicked and typed through Debian's Chromium (issue 14): a SECAS analyst
from the dashboard to a modification, a milestone with a bad date and its fix, a stage move,
the meeting and its pack; a committee member from their home to a comment of their own and
someone else's they may not edit. At a laptop's 1366×768 and a phone's 390×844, a full-page
screenshot of every page visited lands in test-artifacts/day-walk/ (look at them), and no
page may scroll sideways.

Only the first page of each role is reached by address (the login); everything after is a
link or a button, as the user would take it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from docx import Document

from secmods.committees.services import add_to_agenda
from tests.factories import (
    CommentFactory,
    MeetingFactory,
    ModificationFactory,
    PersonFactory,
    UserFactory,
)
from tests.register.test_browser import (  # noqa: F401 (fixture)
    ARTIFACTS,
    browser,
)

from .test_browser import SIZES, WIDEST, people, seeded, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]

SHOTS = ARTIFACTS / "day-walk"

#: Pages let through wider than the window, each with the reason: none. (The modification's
#: change page was 1538 px wide at 1366 px until its tables scrolled in their own boxes.)
KNOWN_OVERFLOW: dict[str, str] = {}


@dataclass
class Walk:
    """The pages one role visited at one size: a screenshot of each, and those too wide."""

    page: object
    role: str
    size: str
    visited: list[str] = field(default_factory=list)
    too_wide: dict[str, list[str]] = field(default_factory=dict)
    console_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on(  # type: ignore[attr-defined]
            "console", lambda m: m.type == "error" and self.console_errors.append(m.text)
        )

    def look(self, kind: str, step: str) -> None:
        """The page has loaded: photograph it and measure it. `kind` names the page (one
        entry per template, for the overflow check), `step` where in the day it was seen."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        n = len(self.visited) + 1
        path = SHOTS / f"{self.role}-{self.size}-{n:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        self.visited.append(f"{kind} ({step})")
        scroll, inner = self.page.evaluate(  # type: ignore[attr-defined]
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll > inner:
            widest = self.page.evaluate(WIDEST)  # type: ignore[attr-defined]
            self.too_wide.setdefault(kind, []).append(f"{step}: {scroll} > {inner} {widest}")

    def assert_fits(self) -> None:
        print(f"\n{self.role} at {self.size}: screenshots in {SHOTS}; visited {self.visited}")
        for kind, why in KNOWN_OVERFLOW.items():
            if kind in self.too_wide:
                print(f"still too wide ({why}): {kind}: {self.too_wide[kind]}")
        unexpected = {k: v for k, v in self.too_wide.items() if k not in KNOWN_OVERFLOW}
        assert unexpected == {}, f"pages wider than the window: {unexpected}"
        assert self.console_errors == []


@dataclass
class Day:
    """What the walk looks for, made before Chromium starts."""

    reference: str
    meeting_title: str
    other_comment_pk: int


@pytest.fixture
def day(people) -> Day:  # type: ignore[no-untyped-def]  # noqa: F811
    analyst, member = people
    committee = member.person.memberships.get().committee
    walked = ModificationFactory(
        lead_analyst=analyst.person,
        stage="report_phase",
        raised_on=timezone.localdate() - dt.timedelta(days=400),
        title="Align Certificate Signing Request forecasts with the SMKI Code of Connection",
    )
    meeting = MeetingFactory(
        committee=committee,
        starts_at=timezone.now() + dt.timedelta(days=2),
        title="Change Sub-Committee: December review",
        location="Online",
    )
    add_to_agenda(meeting, modification=walked, purpose="initial_comment")
    other = UserFactory(committee_member=True, username="nia")
    PersonFactory(name="Nia Other", user=other)
    comment = CommentFactory(
        modification=walked,
        author=other,
        text="We would need twelve months to change our forecasting systems.",
    )
    return Day(walked.reference, meeting.title, comment.pk)


def click_and_wait(page, locator, url: str | re.Pattern[str]) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation(url=url):
        locator.click()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_secas_analysts_day(day, live_server, browser, size, tmp_path):  # noqa: F811
    context, page = sign_in(browser, live_server, "ada", size)
    walk = Walk(page, "staff", size)
    try:
        walk.look("dashboard", "dashboard")

        # A modification of mine, from the dashboard's list.
        mine = page.locator("#my-modifications").get_by_role("link", name=day.reference)
        click_and_wait(page, mine, re.compile(r"/change/$"))
        assert day.reference in page.title()
        walk.look("modification change page", "modification")

        # A milestone with a date that does not exist: refused, with the reason by the field.
        rows = int(page.input_value("#id_milestones-TOTAL_FORMS"))
        page.locator("#milestones-group .add-row a").click()
        row = f"#id_milestones-{rows}"
        page.select_option(f"{row}-kind", label="Panel")
        page.fill(f"{row}-label", "Panel decides whether to send it back")
        page.fill(f"{row}-when", "31 Feb 2027")
        click_and_wait(page, page.locator("input[name=_continue]"), re.compile(r"/change/$"))
        assert page.locator(".errornote").is_visible()
        error = page.locator("#milestones-group .errorlist").first
        assert "not a real date" in error.inner_text()
        walk.look("modification change page", "milestone-bad-date")

        # Fixed: saved, and listed with the date as typed.
        page.fill(f"{row}-when", "26 Feb 2027")
        click_and_wait(page, page.locator("input[name=_continue]"), re.compile(r"/change/$"))
        assert page.locator(".messagelist .success").is_visible()
        assert page.locator(".errornote").count() == 0
        whens = page.locator("#milestones-group input[name$='-when']")
        assert "26 Feb 2027" in [whens.nth(i).input_value() for i in range(whens.count())]
        walk.look("modification change page", "milestone-saved")

        # Move the stage: the Panel sends it back to Refinement.
        click_and_wait(page, page.get_by_role("link", name="Move stage"), re.compile(r"/move/$"))
        walk.look("move stage page", "move-stage")
        page.select_option("#id_to", label="Refinement")
        page.select_option("#id_decided_by", label="SEC Panel")
        page.fill("#id_reason", "The Panel asked for the legal text to be worked on further.")
        click_and_wait(page, page.get_by_role("button", name="Move"), re.compile(r"/change/$"))
        assert "moved from Report Phase to Refinement" in page.locator(".messagelist").inner_text()
        walk.look("modification change page", "stage-moved")

        # The meeting it is presented at, from the dashboard's meetings.
        click_and_wait(page, page.locator(".breadcrumbs a").first, re.compile(r"/admin/$"))
        meeting = page.locator("#meetings").get_by_role("link", name=day.meeting_title)
        click_and_wait(page, meeting, re.compile(r"/change/$"))
        walk.look("meeting change page", "meeting")
        agenda = page.get_by_role("link", name="Agenda and outcomes")
        click_and_wait(page, agenda, re.compile(r"/agenda/$"))
        assert day.reference in page.locator("#content table").inner_text()
        walk.look("agenda page", "agenda")
        back = page.locator(".breadcrumbs").get_by_role("link", name=re.compile("CSC|Sub"))
        click_and_wait(page, back.last, re.compile(r"/change/$"))

        # The pack: a real Word document about this meeting.
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download meeting pack (Word)").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".docx")
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        text = "\n".join(p.text for p in Document(str(path)).paragraphs)
        assert day.meeting_title in text
        assert day.reference in "\n".join(
            cell.text for table in Document(str(path)).tables for cell in table._cells
        )
    finally:
        context.close()
    walk.assert_fits()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_committee_members_day(day, live_server, browser, size):  # noqa: F811
    context, page = sign_in(browser, live_server, "meg", size)
    walk = Walk(page, "member", size)
    try:
        walk.look("member home", "home")

        # A comment on the modification on the next agenda, prefilled from the home page.
        agenda = page.locator("#next-agendas tr", has_text=day.reference)
        write = agenda.get_by_role("link", name="Write a comment")
        click_and_wait(page, write, re.compile(r"/add/"))
        walk.look("comment add page", "write-comment")
        page.fill("#id_text", "Our members would like the forecasts published monthly.")
        click_and_wait(page, page.locator("input[name=_save]"), re.compile(r"/comment/$"))
        assert page.locator(".messagelist .success").is_visible()
        mine = page.locator("#result_list tr", has_text="Meg Member").filter(has_text=day.reference)
        assert mine.count() == 1
        walk.look("comment changelist", "comment-saved")

        # Someone else's comment: shown, but not for editing.
        other = page.locator("#result_list tr", has_text="Nia Other").first
        click_and_wait(
            page, other.locator("th a"), re.compile(rf"/{day.other_comment_pk}/change/$")
        )
        assert page.locator("h1").inner_text().startswith("View comment")
        assert page.locator("#id_text").count() == 0
        assert page.locator("input[name=_save], input[name=_continue]").count() == 0
        assert "twelve months" in page.locator("#content").inner_text()
        walk.look("comment view page", "someone-elses-comment")
    finally:
        context.close()
    walk.assert_fits()
