"""Atom feeds: new modifications and stage changes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from secmods.modifications import services
from secmods.modifications.models import Path, Stage
from tests.factories import ModificationFactory

from .helpers import many_modifications

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    assert root.tag == f"{ATOM}feed"
    return [
        {
            "title": entry.findtext(f"{ATOM}title") or "",
            "id": entry.findtext(f"{ATOM}id") or "",
            "link": entry.find(f"{ATOM}link").get("href"),  # type: ignore[union-attr]
            "summary": entry.findtext(f"{ATOM}summary") or "",
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def convert(modification):  # type: ignore[no-untyped-def]
    modification.path = Path.PATH_3
    modification.problem_statement_agreed = True
    modification.save()
    return services.move_stage(
        modification, to=Stage.REFINEMENT, decided_by="CSC", reason="Problem agreed."
    )


def test_the_feed_has_new_modifications_and_stage_changes(client, seed):
    change = convert(seed)
    ModificationFactory(title="Secret plan", published_at=None)
    found = entries(client.get("/feeds/modifications.atom"))
    assert [entry["title"] for entry in found] == [
        "MP160 Certificate Signing Request forecasting: moved from Draft Proposal to Refinement",
        "New modification: MP160 Certificate Signing Request forecasting",
    ]
    assert found[0]["id"] == f"tag:127.0.0.1,2021:stage-change-{change.pk}"
    assert found[0]["link"].endswith(f"/modifications/MP160/#stage-change-{change.pk}")
    assert "Decided by: CSC." in found[0]["summary"]
    assert found[1]["id"] == f"tag:127.0.0.1,2021:published-{seed.pk}"


def test_the_per_modification_feed(client, seed):
    convert(seed)
    other = ModificationFactory(title="Other one", published_at=seed.published_at)
    found = entries(client.get("/modifications/160/feed.atom"))
    assert len(found) == 2 and all("MP160" in entry["title"] for entry in found)
    assert entries(client.get(f"/modifications/{other.reference}/feed.atom"))[0]["title"] == (
        f"New modification: {other.reference} Other one"
    )
    assert client.get("/modifications/MP999/feed.atom").status_code == 404


@pytest.mark.parametrize("rows", [1, 60])
def test_feed_query_count_does_not_grow(client, db, rows, django_assert_max_num_queries):
    modifications = many_modifications(rows)
    for modification in modifications:
        convert(modification)
    # One statement for the register's feed, two for a modification's (it, its changes).
    with django_assert_max_num_queries(1):
        found = entries(client.get("/feeds/modifications.atom"))
    assert len(found) == min(50, 2 * rows)
    with django_assert_max_num_queries(2):
        entries(client.get(f"/modifications/{modifications[0].reference}/feed.atom"))


def test_user_text_in_a_summary_is_escaped_as_html_and_the_feed_has_an_author(client, seed):
    # <summary type="html"> holds HTML: after the XML is read, user text must still be
    # escaped HTML, or "<b>" in a reason becomes bold in a reader.
    seed.path = Path.PATH_3
    seed.problem_statement_agreed = True
    seed.save()
    services.move_stage(seed, to=Stage.REFINEMENT, decided_by="CSC", reason="A <b>bold</b> move")
    response = client.get("/feeds/modifications.atom")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    summary = root.find(f"{ATOM}entry/{ATOM}summary")
    assert summary is not None and summary.get("type") == "html"
    assert "A &lt;b&gt;bold&lt;/b&gt; move" in (summary.text or "")
    assert root.findtext(f"{ATOM}author/{ATOM}name", "").startswith("SECAS")
    assert root.findtext(f"{ATOM}entry/{ATOM}author/{ATOM}name", "").startswith("SECAS")


def test_staff_follow_an_unpublished_modification_whose_stage_changes_are_in_its_feed(
    secas_client, seed
):
    hidden = ModificationFactory(title="Secret plan", published_at=None)
    change = convert(hidden)
    found = entries(secas_client.get(f"/modifications/{hidden.reference}/feed.atom"))
    # Not published, so no "New modification" entry; its stage change is there.
    assert [entry["id"] for entry in found] == [f"tag:127.0.0.1,2021:stage-change-{change.pk}"]
    register = entries(secas_client.get("/feeds/modifications.atom"))
    assert f"tag:127.0.0.1,2021:stage-change-{change.pk}" in [e["id"] for e in register]
    assert f"tag:127.0.0.1,2021:published-{hidden.pk}" not in [e["id"] for e in register]


def test_characters_xml_cannot_hold_are_left_out_not_a_server_error(client, seed):
    seed.title = "Bell\x07 and form\x0cfeed"
    seed.save()
    response = client.get("/feeds/modifications.atom")
    assert b"Bell and formfeed" in response.content
    assert entries(response)  # well-formed
    assert entries(client.get("/modifications/MP160/feed.atom"))


def test_an_empty_feed_is_updated_now_and_says_so_in_last_modified(client, db, time_machine):
    time_machine.move_to("2021-05-15T12:00:00+00:00", tick=False)
    response = client.get("/feeds/modifications.atom")
    assert entries(response) == []
    assert b"<updated>2021-05-15T12:00:00+00:00</updated>" in response.content
    assert response["Last-Modified"] == "Sat, 15 May 2021 12:00:00 GMT"
