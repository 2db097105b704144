"""Every list and detail endpoint answers in a fixed number of queries, 1 row or 50.

The pinned numbers include authentication (token + groups for the staff caller).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secmods.rules.dates import ApproxDate
from tests.factories import (
    AgendaItemFactory,
    CommentFactory,
    GlossaryTermFactory,
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
    ReportSectionFactory,
    SecSectionFactory,
)

# endpoint -> the most queries it may make (anonymous caller / staff caller)
# Staff pay 1 query for the token and 1 for their groups where a role is checked.
PINNED = {
    # The count and the page; elsewhere one more for the page's SEC Section codes.
    "/api/v1/modifications/?page_size=50": (2, 4) if connection.vendor == "postgresql" else (3, 5),
    # PostgreSQL folds the detail's to-many rows into its one query (json_agg subqueries).
    "/api/v1/modifications/MP1/": (1, 3) if connection.vendor == "postgresql" else (8, 10),
    "/api/v1/modifications/MP1/milestones/": (2, 4),
    "/api/v1/modifications/MP1/milestones/{milestone}/": (2, 4),
    "/api/v1/modifications/MP1/comments/?page_size=50": (None, 5),
    "/api/v1/modifications/MP1/comments/{comment}/": (None, 4),
    "/api/v1/meetings/?page_size=50": (2, 3),
    "/api/v1/meetings/{meeting}/": (2, 4),
    "/api/v1/committees/": (2, 3),
    "/api/v1/committees/csc/": (1, 2),
    "/api/v1/glossary/?page_size=50": (2, 3),
    "/api/v1/glossary/ACR1/": (1, 2),
}


def build(rows: int) -> dict[str, int]:
    """`rows` modifications, and as many milestones, sections, meetings, agenda items,
    comments and glossary terms hanging off the first one."""
    now = timezone.now() - dt.timedelta(days=1)
    section = SecSectionFactory()
    first = None
    for number in range(1, rows + 1):
        modification = ModificationFactory(number=number, published_at=now, stage="refinement")
        modification.sec_sections.add(section)
        MilestoneFactory(modification=modification, when=ApproxDate.quarter(2030, 1))
        first = first or modification
    meeting = MeetingFactory()
    for i in range(rows):
        MilestoneFactory(modification=first, when=ApproxDate.month(2030, 1 + i % 12))
        ReportSectionFactory(modification=first, order=i + 1, body="The DCC and SEC.")
        CommentFactory(modification=first)
        GlossaryTermFactory(acronym=f"ACR{i + 1}")
        other_meeting = MeetingFactory()
        AgendaItemFactory(meeting=other_meeting, modification=first)
        if i < 50:
            second = ModificationFactory(number=1000 + i, published_at=now)
            AgendaItemFactory(meeting=meeting, modification=second)
    return {
        "milestone": first.milestones.first().pk,
        "comment": first.comments.first().pk,
        "meeting": meeting.pk,
    }


@pytest.mark.parametrize("rows", [1, 50])
def test_query_count_does_not_grow_with_rows(
    rows, anon_api, staff_api, django_assert_max_num_queries
):  # type: ignore[no-untyped-def]
    ids = build(rows)
    for endpoint, limits in PINNED.items():
        for client, limit in zip((anon_api, staff_api), limits, strict=True):
            if limit is None:
                assert client.get(endpoint.format(**ids)).status_code == 401
                continue
            # A token request also asks django-axes whether its address is locked out.
            extra = 1 if client is staff_api else 0
            with django_assert_max_num_queries(limit + extra):
                response = client.get(endpoint.format(**ids))
            assert response.status_code == 200, (endpoint, response.content)


def test_a_list_page_is_one_query_for_its_rows(db, anon_api):  # type: ignore[no-untyped-def]
    build(50)
    with CaptureQueriesContext(connection) as queries:
        body = anon_api.get("/api/v1/modifications/?page_size=50&ordering=number").json()
    assert len(body["results"]) == 50
    dated = [row for row in body["results"] if row["number"] < 1000]
    assert dated and all(row["next_key_date"]["when"]["display"] == "Q1 2030" for row in dated)
    expected = 2 if connection.vendor == "postgresql" else 3
    assert len(queries) == expected, [q["sql"][:80] for q in queries.captured_queries]
