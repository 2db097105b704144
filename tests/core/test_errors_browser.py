"""The 403, 404 and 500 pages in Debian's Chromium at a laptop's and a phone's width: the
admin's look under /admin/, the register's elsewhere, a way back, no sideways scrolling.
Screenshots land in test-artifacts/errors-*.png."""

from __future__ import annotations

import pytest

from tests.core.test_errors import handler403, handler404, handler500  # noqa: F401
from tests.core.test_errors import urlpatterns as urlpatterns  # the site plus failing pages
from tests.factories import UserFactory
from tests.register.test_browser import ARTIFACTS, PASSWORD
from tests.register.test_browser import browser as browser
from tests.register.test_browser import seeded as seeded

pytestmark = [
    pytest.mark.browser,
    # As tests/register/test_browser.py: its `seeded` puts back what a flush empties.
    pytest.mark.django_db(transaction=True, reset_sequences=True),
    pytest.mark.urls("tests.core.test_errors_browser"),
]

WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
PAGES = [
    # (name, address, status, heading, what marks the look)
    ("admin-403", "/admin/auth/user/", 403, "You cannot do this", "#user-tools"),
    ("admin-404", "/admin/modifications/nothing-here/", 404, "Page not found", "#user-tools"),
    ("admin-500", "/admin/test-boom/", 500, "Something went wrong", "#site-name"),
    ("public-403", "/test-refuse/", 403, "You cannot do this", ".site-header"),
    ("public-404", "/no-such-page/", 404, "Not found", ".site-header"),
    ("public-500", "/test-boom/", 500, "Something went wrong", ".site-header"),
]


@pytest.fixture
def member(seeded):  # type: ignore[no-untyped-def]
    # Made before Chromium starts: with Playwright's event loop running, the ORM in this
    # thread would get a separate connection that outlives the test (PostgreSQL then refuses
    # to drop the test database).
    return UserFactory(committee_member=True, username="member", first_name="Mo")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_error_pages_look_like_their_part_of_the_site_and_lead_back(
    seeded, member, live_server, browser, width
):  # type: ignore[no-untyped-def]
    w, h = WIDTHS[width]
    context = browser.new_context(base_url=live_server.url, viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/admin/login/")
    page.fill("#id_username", "member")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for name, address, status, heading, look in PAGES:
            # Arrive from a page of the site, as a reader following a link does.
            came_from = live_server.url + ("/admin/" if name.startswith("admin") else "/")
            response = page.goto(address, referer=came_from)
            assert response is not None and response.status == status, name
            assert page.locator("h1", has_text=heading).count() == 1, name
            assert page.locator(look).count() >= 1, name
            links = page.locator("main a, #content a").all_inner_texts()
            assert any("register" in t or "Browse" in t or "admin" in t for t in links), name
            width_ok = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert width_ok, f"{name} scrolls sideways at {w} px"
            page.screenshot(path=str(ARTIFACTS / f"errors-{name}-{width}.png"), full_page=True)
    finally:
        context.close()
