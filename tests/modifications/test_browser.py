"""The modification's workspace page in Debian's Chromium: no sideways scrolling at a
laptop's 1,366 px or a phone's 390 px, as an analyst and as a committee member.
Screenshots land in test-artifacts/ (look at them)."""

from __future__ import annotations

import pytest

from tests.factories import CommentFactory, MembershipFactory, PersonFactory, UserFactory
from tests.register.test_browser import ARTIFACTS, browser  # noqa: F401 (fixture)
from tests.workspace.test_browser import (  # noqa: F401 (fixture)
    SIZES,
    no_sideways_scroll,
    seeded,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]


@pytest.fixture
def people(seeded):  # type: ignore[no-untyped-def]  # noqa: F811
    UserFactory(secas_staff=True, username="ada", first_name="Ada", last_name="Lovel")
    member = UserFactory(committee_member=True, username="meg")
    committee = seeded.milestones.exclude(meeting=None).first().meeting.committee
    MembershipFactory(person=PersonFactory(name="Meg Member", user=member), committee=committee)
    CommentFactory(modification=seeded, author=member, text="A long comment " * 20)
    return seeded


@pytest.mark.parametrize("who", ["ada", "meg"])
@pytest.mark.parametrize("size", list(SIZES))
def test_the_modification_page_fits_the_screen(browser, live_server, people, size, who):  # noqa: F811
    context, page = sign_in(browser, live_server, who, size)
    try:
        page.goto(f"/admin/modifications/modification/{people.pk}/change/")
        assert page.locator(".workspace-header").is_visible()
        assert page.locator("#milestones-group").is_visible()
        # The collapsed sections open, and still fit.
        for summary in page.locator("details > summary").all():
            summary.click()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"modification-{who}-{size}.png"), full_page=True)
        no_sideways_scroll(page)
    finally:
        context.close()
