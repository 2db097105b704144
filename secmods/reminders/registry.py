"""The two registries that reminder rules name: event kinds and recipient kinds.

Another app adds a kind without touching this package, from its AppConfig.ready():

    from secmods.reminders import registry

    registry.register_event_kind(registry.EventKind(
        key="consultation_closing",
        label="Consultation closing",
        load=lambda ref: ...,          # ref (str) -> Event | None
        upcoming=lambda today: ...,    # today (date) -> iterable of Event
        matches=lambda rule, event: True,
    ))
    registry.register_recipient_kind(registry.RecipientKind(
        key="respondents_not_answered",
        label="Respondents who have not yet answered",
        resolve=lambda rule, event: [...],   # -> list of Recipient
    ))

and calls `secmods.reminders.services.replan_event(kind_key, ref)` in the same transaction
whenever one of its events is created, moved or cancelled, from the service that writes it
(a post_save receiver remains only for rows loaddata writes, with raw=True).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import ReminderRule


@dataclass(frozen=True)
class Event:
    """Something a reminder is about, as the planner and the email templates see it.

    `day` is None while the event is not known to the day (a milestone planned for "May
    2021"): no day-counted reminder is planned until it is. After `ends_at` the event has
    passed: a reminder not yet sent is skipped. `context` goes to the email templates
    (the modification, meeting, milestone...). `committee_id` is whose members the
    "committee members" recipient kind means.
    """

    kind: str
    ref: str
    label: str
    day: date | None
    ends_at: datetime | None
    cancelled: bool = False
    modification_id: int | None = None
    committee_id: int | None = None
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""


@dataclass(frozen=True)
class EventKind:
    key: str
    label: str
    load: Callable[[str], Event | None]
    upcoming: Callable[[date], Iterable[Event]]
    matches: Callable[[ReminderRule, Event], bool] = lambda rule, event: True
    # Optional, per recipient (added for the consultation reminders, whose emails carry each
    # respondent's personal link and must not reach someone who has answered since):
    # extra template context for one address...
    recipient_context: Callable[[Event, str], dict[str, Any]] = lambda event, email: {}
    # ...and, asked again when a reminder is claimed and when it is sent, the addresses
    # (lower case) that should no longer get this event's reminder: {email: reason}.
    skip_recipients: Callable[[Event, Collection[str]], dict[str, str]] = lambda event, emails: {}
    # The refs of this kind's events that belong to a modification: when its stage changes
    # (withdrawn, closed...) or it is deleted, `replan_modification_events` re-plans them.
    of_modification: Callable[[int], Iterable[str | int]] = lambda modification_id: ()


@dataclass(frozen=True)
class RecipientKind:
    key: str
    label: str
    resolve: Callable[[ReminderRule, Event], list[Recipient]]


_event_kinds: dict[str, EventKind] = {}
_recipient_kinds: dict[str, RecipientKind] = {}


def register_event_kind(kind: EventKind) -> EventKind:
    _event_kinds[kind.key] = kind
    return kind


def register_recipient_kind(kind: RecipientKind) -> RecipientKind:
    _recipient_kinds[kind.key] = kind
    return kind


def event_kind(key: str) -> EventKind | None:
    return _event_kinds.get(key)


def recipient_kind(key: str) -> RecipientKind | None:
    return _recipient_kinds.get(key)


def event_kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in _event_kinds.values()]


def recipient_kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in _recipient_kinds.values()]


def event_kinds() -> dict[str, EventKind]:
    return dict(_event_kinds)
