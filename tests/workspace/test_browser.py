"""The admin home in Debian's Chromium: the staff dashboard and a member's home, at a
laptop's 1366×768 and a phone's 390×844, with no sideways scrolling. Screenshots land in
test-artifacts/ (look at them)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.utils import timezone

from secmods.committees.services import add_to_agenda
from secmods.rules.dates import ApproxDate
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    MeetingFactory,
    MembershipFactory,
    MilestoneFactory,
    ModificationFactory,
    PersonFactory,
    UserFactory,
)
from tests.register.test_browser import (  # noqa: F401 (fixture)
    ARTIFACTS,
    PASSWORD,
    browser,
)

# No serialized_rollback here (unlike tests/register): these run after other transactional
# tests whose flush re-made the content types with new ids, so restoring the serialized
# ones collides. The roles and Party Categories that data migrations made are put back by
# the `seeded` fixture below instead.
# reset_sequences: the seed names Party Categories by id, as the migration numbered them.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]


@pytest.fixture
def seeded(transactional_db):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from secmods.core.roles import SECAS_STAFF
    from secmods.modifications.models import Modification

    # A connection another test's teardown ended (tests/reminders/test_worker.py ends the
    # connections its Celery worker left) would fail the first query: start afresh.
    connection.close()
    if not Group.objects.filter(name=SECAS_STAFF).exists():
        roles = importlib.import_module(
            "secmods.parties.migrations.0002_roles_and_party_categories"
        )
        state = MigrationLoader(connection).project_state(
            ("parties", "0002_roles_and_party_categories")
        )
        roles.forwards(state.apps, None)
    call_command("load_seed", verbosity=0)
    return Modification.objects.get(number=160, suffix="")


SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


def a_busy_week(seed, analyst_person, member_person):  # type: ignore[no-untyped-def]
    seed.lead_analyst = analyst_person
    seed.save()
    now = timezone.now()
    today = timezone.localdate()
    stages = ["refinement", "refinement", "report_phase", "change_board", "draft_proposal"]
    committee = member_person.memberships.get().committee
    for i, stage in enumerate(stages):
        modification = ModificationFactory(
            lead_analyst=analyst_person,
            stage=stage,
            raised_on=today - dt.timedelta(days=40 + 60 * i),
            title=f"Clarify the obligations on the DCC for topic {i}",
        )
        MilestoneFactory(
            modification=modification,
            when=ApproxDate.day(today + dt.timedelta(days=10 + 14 * i)),
            label="Working Group meeting",
        )
        MilestoneFactory(
            modification=modification,
            when=ApproxDate.month((today - dt.timedelta(days=70)).year, 9),
            label="DCC Impact Assessment returned",
        )
        meeting = MeetingFactory(
            committee=committee, starts_at=now + dt.timedelta(days=5 + 6 * i, hours=2)
        )
        add_to_agenda(meeting, modification=modification, purpose="initial_comment")
        CommentFactory(
            modification=modification,
            author=member_person.user,
            text="Our members support the intent but ask for a longer implementation window.",
        )
    ConsultationFactory(
        modification=seed,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=4),
        title="Modification Report Consultation",
    )


def sign_in(chromium, live_server, username, size):  # type: ignore[no-untyped-def]
    width, height = SIZES[size]
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return context, page


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' +
                   Math.round(e.getBoundingClientRect().right))"""


def no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"page is {widths[0]} px wide in a {widths[1]} px window: {page.evaluate(WIDEST)}"
    )


@pytest.fixture
def people(seeded):  # type: ignore[no-untyped-def]
    analyst = UserFactory(secas_staff=True, username="ada", first_name="Ada", last_name="Lovel")
    analyst_person = analyst.person  # made with the login (staff)
    member = UserFactory(committee_member=True, username="meg")
    member_person = PersonFactory(name="Meg Member", user=member)
    MembershipFactory(person=member_person)
    a_busy_week(seeded, analyst_person, member_person)
    return analyst, member


@pytest.mark.parametrize("size", list(SIZES))
def test_the_staff_dashboard_fits_the_screen(browser, live_server, people, size):  # noqa: F811
    context, page = sign_in(browser, live_server, "ada", size)
    try:
        assert page.locator("h1").first.inner_text().startswith("Your work today")
        for section in ("#pipeline", "#next-90-days", "#my-modifications", "#meetings", "#overdue"):
            assert page.locator(section).is_visible(), section
        assert page.locator("#my-modifications tbody tr").count() == 6
        assert page.locator(".ws-tl-dot").count() >= 5
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-staff-{size}.png"), full_page=True)
        no_sideways_scroll(page)
        # Each line leads to where the work is done.
        page.locator("#my-modifications tbody a").first.click()
        page.wait_for_url("**/change/")
        assert "Change modification" in page.title()
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_members_home_fits_the_screen(browser, live_server, people, size):  # noqa: F811
    context, page = sign_in(browser, live_server, "meg", size)
    try:
        assert page.locator("#next-agendas").is_visible()
        assert page.locator("#my-comments li").count() == 5
        assert page.locator("#pipeline").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-member-{size}.png"), full_page=True)
        no_sideways_scroll(page)
    finally:
        context.close()
