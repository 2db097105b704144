"""Overdue: one rule (secmods/rules/overdue.py) for the admin, register, API and
dashboard; and the warning to confirm a date typed before the modification was raised."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from secmods.modifications import selectors
from secmods.rules.dates import ApproxDate
from secmods.rules.overdue import date_warnings, is_overdue
from tests.admin_forms import admin_form_data, as_post
from tests.factories import MilestoneFactory, ModificationFactory

TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    ("when", "overdue"),
    [
        (ApproxDate.day(dt.date(2026, 12, 2)), True),
        (ApproxDate.day(TODAY), False),  # due today is not late yet
        (ApproxDate.week(dt.date(2026, 11, 30)), False),  # the week is not over
        (ApproxDate.week(dt.date(2026, 11, 23)), True),
        (ApproxDate.month(2026, 12), False),  # December has not passed
        (ApproxDate.month(2026, 11), True),
        (ApproxDate.quarter(2026, 4), False),
        (ApproxDate.quarter(2026, 3), True),
        (ApproxDate.tbc(), False),
    ],
)
def test_a_planned_date_is_overdue_once_its_whole_period_has_passed(when, overdue):
    assert is_overdue("planned", when.end, TODAY) is overdue
    assert is_overdue("done", when.end, TODAY) is False
    assert is_overdue("cancelled", when.end, TODAY) is False


def test_date_warnings_ask_about_dates_before_raising_or_long_past():
    may_2021 = ApproxDate.month(2021, 5)
    warnings = date_warnings(
        status="planned",
        date_from=may_2021.start,
        date_to=may_2021.end,
        raised_on=dt.date(2026, 12, 1),
        today=TODAY,
    )
    assert len(warnings) == 2
    assert "before the modification was raised (1 Dec 2026)" in warnings[0]
    assert "more than a year ago" in warnings[1]
    soon = ApproxDate.day(dt.date(2027, 1, 12))
    assert not date_warnings(
        status="planned", date_from=soon.start, date_to=soon.end, raised_on=TODAY, today=TODAY
    )
    last_week = ApproxDate.day(dt.date(2026, 11, 26))
    assert date_warnings(
        status="planned",
        date_from=last_week.start,
        date_to=last_week.end,
        raised_on=None,
        today=TODAY,
    ) == ["This date has passed: the milestone will show as overdue."]
    # Recording last week's meeting as done is no surprise.
    assert not date_warnings(
        status="done",
        date_from=last_week.start,
        date_to=last_week.end,
        raised_on=None,
        today=TODAY,
    )


@time_machine.travel(dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC))
def test_next_key_date_skips_passed_dates_and_counts_them(db):
    modification = ModificationFactory(raised_on=dt.date(2026, 1, 5))
    MilestoneFactory(modification=modification, when=ApproxDate.month(2026, 10), label="late 1")
    MilestoneFactory(modification=modification, when=ApproxDate.day(dt.date(2026, 12, 2)))
    MilestoneFactory(
        modification=modification, when=ApproxDate.month(2026, 11), status="done", label="done"
    )
    MilestoneFactory(modification=modification, when=ApproxDate.month(2026, 12), label="next")
    row = selectors.with_next_key_date(type(modification).objects.filter(pk=modification.pk))[0]
    assert (row.next_key_label, row.overdue_count) == ("next", 2)
    assert selectors.overdue_count(list(modification.milestones.all())) == 2


def _add_milestone_data(client, modification, when, **extra):
    url = reverse("admin:modifications_milestone_add")
    page = client.get(url)
    data = as_post(admin_form_data(page.content.decode()))
    data.update(
        {
            "modification": str(modification.pk),
            "kind": "csc",
            "label": "Presented to CSC",
            "status": "planned",
            "when": when,
            "order": "0",
            **extra,
        }
    )
    return url, data


@time_machine.travel(dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC))
def test_a_date_before_the_modification_was_raised_asks_to_confirm(db, secas_client):
    modification = ModificationFactory(raised_on=dt.date(2026, 12, 1))
    url, data = _add_milestone_data(secas_client, modification, "May 2021")
    asked = secas_client.post(url, data)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "before the modification was raised (1 Dec 2026)" in page
    assert 'name="confirm_date"' in page and "Save anyway" in page
    assert not modification.milestones.exists()
    data["confirm_date"] = "1"
    saved = secas_client.post(url, data)
    assert saved.status_code == 302
    assert str(modification.milestones.get().when) == "May 2021"


@time_machine.travel(dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC))
def test_a_future_date_is_saved_without_a_question(db, secas_client):
    modification = ModificationFactory(raised_on=dt.date(2026, 12, 1))
    url, data = _add_milestone_data(secas_client, modification, "Q1 2027")
    response = secas_client.post(url, data)
    assert response.status_code == 302
    assert 'name="confirm_date"' not in secas_client.get(url).content.decode()


@time_machine.travel(dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC))
def test_overdue_shows_in_the_admin_list_and_inline_and_the_api(db, secas_client, client):
    modification = ModificationFactory(published_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    late = MilestoneFactory(modification=modification, when=ApproxDate.month(2026, 10))
    MilestoneFactory(modification=modification, when=ApproxDate.month(2027, 1))
    listing = secas_client.get(reverse("admin:modifications_milestone_changelist"))
    assert listing.content.decode().count(">Overdue</strong>") == 1
    change = secas_client.get(
        reverse("admin:modifications_modification_change", args=[modification.pk])
    )
    assert change.content.decode().count(">Overdue</strong>") == 1
    body = client.get(f"/api/v1/modifications/{modification.reference}/").json()
    assert body["overdue_count"] == 1
    assert [m["overdue"] for m in body["timetable"]] == [True, False]
    assert body["timetable"][0]["id"] == late.pk
    listed = client.get("/api/v1/modifications/").json()["results"][0]
    assert listed["overdue_count"] == 1
