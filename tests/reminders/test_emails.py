"""The reminder's bytes on the wire (emails.wire_message) say what Django's SMTP path says."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from typing import Any

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address

from secmods.reminders.emails import Renderings, render_reminder, wire_message

HEADERS = {
    "Message-ID": "<reminder.abc1@secmods.example>",
    "Auto-Submitted": "auto-generated",
    "List-Unsubscribe": "<https://secmods.example/reminders/unsubscribe/" + "x" * 120 + "/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def _message(html: str | None = None, **fields) -> EmailMultiAlternatives:  # type: ignore[no-untyped-def]
    values = {
        "subject": "Papers for CSC 3 Jun 2025 are due in 2 Working Days",
        "body": "Dear Alice,\n\nthe papers are due.\n.\nA line starting with a dot.\n",
        "from_email": "secmods <secas@secmods.example>",
        "to": ["Alice Smith <alice@example.org>"],
        "headers": dict(HEADERS),
    }
    values.update(fields)
    message = EmailMultiAlternatives(**values)
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


def _parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def _same(ours: email.message.EmailMessage, django: email.message.EmailMessage) -> None:
    names = [n for n in django if n not in ("Date", "Content-Type")]
    assert [n for n in ours if n not in ("Date", "Content-Type")] == names
    for name in names:
        # Django folds long headers at 78 (unfolded, a leading space is left); ours are one
        # line each, inside SMTP's 998.
        assert str(ours[name]).strip() == str(django[name]).strip(), name
    assert ours.get_content_type() == django.get_content_type()
    ours_parts = list(ours.walk())
    django_parts = list(django.walk())
    assert len(ours_parts) == len(django_parts)
    for mine, theirs in zip(ours_parts, django_parts, strict=True):
        assert mine.get_content_type() == theirs.get_content_type()
        assert mine.get("Content-Transfer-Encoding") == theirs.get("Content-Transfer-Encoding")
        if not mine.is_multipart():
            assert mine.get_content() == theirs.get_content()


@pytest.mark.parametrize(
    "html", [None, "<p>Dear Alice,</p><p>the papers are due.</p>", "<p>Caf\u00e9 at 10:00</p>"]
)
def test_a_plain_reminder_goes_out_as_django_would_write_it(html: str | None) -> None:
    message = _message(html)
    wire = wire_message(message)
    assert wire is not None
    sender, recipients, data = wire
    assert sender == sanitize_address(message.from_email, "utf-8")
    assert recipients == [sanitize_address(message.to[0], "utf-8")]
    assert b"\n" not in data.replace(b"\r\n", b"")  # SMTP line endings throughout
    _same(_parsed(data), _parsed(message.message().as_bytes(linesep="\r\n")))


def test_a_body_in_utf8_is_sent_8bit_like_django() -> None:
    message = _message(body="Caf\u00e9 \u2013 the papers are due.\n")
    wire = wire_message(message)
    assert wire is not None
    _same(_parsed(wire[2]), _parsed(message.message().as_bytes(linesep="\r\n")))


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Caf\u00e9 papers"},  # encoded header
        {"to": ["Zo\u00eb <zoe@example.org>"]},
        {"to": ['"J. Smith" <j@example.org>']},
        {"to": ["a@example.org", "b@example.org"]},
        {"to": ["zoe@b\u00fccher.example"]},
        {"cc": ["c@example.org"]},
        {"body": "x" * 1200},  # quoted-printable in Django
        {"headers": {**HEADERS, "X-Long": "y" * 1000}},
        {"headers": {**HEADERS, "X-Injected": "a\r\nBcc: evil@example.org"}},
        {"headers": {"Auto-Submitted": "auto-generated"}},  # no Message-ID of ours
    ],
)
def test_anything_else_is_left_to_django(fields) -> None:  # type: ignore[no-untyped-def]
    assert wire_message(_message(**fields)) is None


# --- One rendering per rule and event, when the templates read nothing of the recipient ---
def _planned(text_template: str, names: list[str]) -> tuple[list[Any], Any]:
    from secmods.committees.reminders import load_meeting
    from secmods.reminders.models import Reminder
    from tests.factories import (
        CommitteeFactory,
        MeetingFactory,
        MembershipFactory,
        PersonFactory,
        ReminderRuleFactory,
    )

    committee = CommitteeFactory()
    for n, name in enumerate(names):
        MembershipFactory(
            committee=committee, person=PersonFactory(name=name, email=f"p{n}@example.org")
        )
    ReminderRuleFactory(committee=committee, text_template=text_template)
    with time_machine.travel(dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        meeting = MeetingFactory(
            committee=committee, starts_at=dt.datetime(2025, 6, 3, 9, 0, tzinfo=dt.UTC)
        )
    rows = list(Reminder.objects.select_related("rule", "modification").order_by("pk"))
    assert len(rows) == len(names)
    return rows, load_meeting(str(meeting.pk))


@pytest.mark.django_db
def test_reminders_whose_templates_read_the_same_values_share_one_rendering() -> None:
    rows, event = _planned(
        "Dear {{ recipient_name|default:'colleague' }}, papers for {{ event_label }}.",
        ["", "", "Zoe Quinn", ""],
    )
    alone = [render_reminder(row, event) for row in rows]
    renderings: Renderings = {}
    shared = [render_reminder(row, event, renderings) for row in rows]
    assert shared == alone
    assert len(renderings) == 2  # the nameless three, and Zoe
    texts = {row.recipient_name: text for row, (_, text, _) in zip(rows, alone, strict=True)}
    assert texts[""].startswith("Dear colleague, papers for CSC 3 Jun 2025.")
    assert texts["Zoe Quinn"].startswith("Dear Zoe Quinn, papers for CSC 3 Jun 2025.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text_template",
    [
        "Reminder {{ reminder.pk }}",  # the reminder itself
        "Stop: {{ unsubscribe_url }}",  # signed per recipient
        "Sent at {% now 'U.u' %}",  # changes between renderings
    ],
)
def test_a_rendering_is_not_shared_when_it_may_differ_per_reminder(text_template: str) -> None:
    rows, event = _planned(text_template, ["", ""])
    renderings: Renderings = {}
    for row in rows:
        render_reminder(row, event, renderings)
    assert renderings == {}
