"""The recipient kinds this app brings: the proposer, the lead analyst, named addresses.
Registered in RemindersConfig.ready(). The event kinds belong to the apps whose events they
are: milestones (modifications/reminders.py), meetings and papers due
(committees/reminders.py), consultations closing (consultations/reminders.py)."""

from __future__ import annotations

from .registry import (
    Event,
    Recipient,
    RecipientKind,
    register_recipient_kind,
)


# --- Recipients -------------------------------------------------------------------------
def _modifications(event: Event) -> list:  # type: ignore[type-arg]
    if "modification" in event.context:
        return [event.context["modification"]]
    agenda_items = event.context.get("agenda_items")
    return [item.modification for item in agenda_items()] if agenda_items else []


def proposer(rule, event: Event) -> list[Recipient]:  # type: ignore[no-untyped-def]
    people = [m.proposer for m in _modifications(event) if m.proposer is not None]
    return [Recipient(p.email, p.name) for p in people if p.email]


def lead_analyst(rule, event: Event) -> list[Recipient]:  # type: ignore[no-untyped-def]
    people = [m.lead_analyst for m in _modifications(event) if m.lead_analyst is not None]
    return [Recipient(p.email, p.name) for p in people if p.email]


def named_addresses(rule, event: Event) -> list[Recipient]:  # type: ignore[no-untyped-def]
    return [Recipient(address) for address in rule.address_list]


def register_builtin_kinds() -> None:
    register_recipient_kind(RecipientKind("proposer", "The proposer", proposer))
    register_recipient_kind(RecipientKind("lead_analyst", "The lead analyst", lead_analyst))
    register_recipient_kind(RecipientKind("named", "The named addresses", named_addresses))
