"""Planning reminders: rows in the outbox follow their events, in the caller's transaction.

`replan_event` is the one entry point: the services that write an event call it, in their
own transaction, whenever a milestone, a meeting, an agenda, a membership, a consultation or
a modification's stage changes (a signal remains only for rows that loaddata writes, which
no service sees). It reads the event as it is now and makes the live rows match:
unchanged reminders stay, moved ones are withdrawn and planned anew, reminders of a
cancelled, deleted or passed event are withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone

from secmods.core.writes import save_fields
from secmods.rules.working_days import add_working_days, london_clock_time

from . import registry
from .models import (
    LIVE_STATUSES,
    OffsetUnit,
    Reminder,
    ReminderRule,
    ReminderStatus,
    Unsubscription,
)
from .registry import Event, Recipient

UNSUBSCRIBE_SALT = "secmods.reminders.unsubscribe"


@dataclass
class PlanResult:
    planned: int = 0
    withdrawn: int = 0
    kept: int = 0

    def __iadd__(self, other: PlanResult) -> PlanResult:
        self.planned += other.planned
        self.withdrawn += other.withdrawn
        self.kept += other.kept
        return self


def send_day(rule: ReminderRule, event_day: date) -> date:
    if rule.offset_unit == OffsetUnit.WORKING_DAYS:
        # n Working Days before; 0 is the event's own day even if it is not a Working Day.
        return add_working_days(event_day, -rule.offset) if rule.offset else event_day
    if rule.offset_unit == OffsetUnit.CALENDAR_DAYS:
        return event_day - timedelta(days=rule.offset)
    return event_day


def due_at_for(rule: ReminderRule, event_day: date) -> datetime:
    """When the reminder goes out, in UTC: the rule's London clock time on its send day."""
    return london_clock_time(send_day(rule, event_day), rule.send_time)


def _recipients(rule: ReminderRule, event: Event) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for key in rule.recipient_kinds or []:
        kind = registry.recipient_kind(key)
        if kind is None:
            continue
        for recipient in kind.resolve(rule, event):
            email = recipient.email.strip().lower()
            if email and email not in seen:
                seen[email] = Recipient(email, recipient.name)
    return list(seen.values())


def _desired(
    event: Event, now: datetime
) -> dict[tuple[int, str], tuple[ReminderRule, Recipient, datetime]]:
    """The reminders this event should have now: (rule id, email) -> (rule, recipient, due)."""
    kind = registry.event_kind(event.kind)
    if kind is None or event.cancelled or event.day is None:
        return {}
    if event.ends_at is not None and event.ends_at <= now:
        return {}
    rules = [
        rule
        for rule in ReminderRule.objects.filter(is_active=True, event_kind=event.kind)
        if kind.matches(rule, event)
    ]
    if not rules:
        return {}
    unsubscribed = set(
        Unsubscription.objects.filter(rule__in=rules).values_list("rule_id", "email")
    )
    desired = {}
    for rule in rules:
        due = due_at_for(rule, event.day)
        # A reminder that would go out after the event started (on the day at 09:00 for a
        # meeting at 08:30) is not planned. One whose time has passed but whose event has not
        # (a meeting added or moved at short notice) is planned and goes out at once.
        if event.ends_at is not None and due >= event.ends_at:
            continue
        for recipient in _recipients(rule, event):
            if (rule.pk, recipient.email) not in unsubscribed:
                desired[(rule.pk, recipient.email)] = (rule, recipient, due)
    return desired


def _withdraw_reason(event: Event | None, now: datetime) -> str:
    if event is None:
        return "its event was deleted"
    if event.cancelled:
        return "its event was cancelled or is no longer planned"
    if event.day is None:
        return "its event is no longer known to the day"
    if event.ends_at is not None and event.ends_at <= now:
        return "its event has passed"
    return "its event moved, or the rule or recipients changed"


@transaction.atomic
def replan_event(kind_key: str, ref: str | int, *, now: datetime | None = None) -> PlanResult:
    """Make the live reminders of one event match the event and the active rules."""
    now = now or timezone.now()
    ref = str(ref)
    kind = registry.event_kind(kind_key)
    if kind is None:
        raise ValueError(f"no reminder event kind '{kind_key}' is registered")
    event = kind.load(ref)
    desired = _desired(event, now) if event is not None else {}
    result = PlanResult()
    live = Reminder.objects.select_for_update().filter(
        event_kind=kind_key, event_ref=ref, status__in=LIVE_STATUSES
    )
    withdraw: list[int] = []
    for row in live:
        key = (row.rule_id, row.recipient_email)
        wanted = desired.get(key)
        if row.status == ReminderStatus.CLAIMED:
            # Being sent right now: it goes out as claimed; nothing new is planned beside it.
            desired.pop(key, None)
            result.kept += 1
        elif wanted is not None and wanted[2] == row.due_at:
            desired.pop(key)
            result.kept += 1
        else:
            withdraw.append(row.pk)
    if withdraw:
        result.withdrawn = Reminder.objects.filter(
            pk__in=withdraw, status=ReminderStatus.PLANNED
        ).update(status=ReminderStatus.WITHDRAWN, note=_withdraw_reason(event, now), updated_at=now)
    if desired and event is not None and event.day is not None:
        # The same reminder already sent (a meeting moved away and back) is not sent again.
        already_sent = set(
            Reminder.objects.filter(
                event_kind=kind_key, event_ref=ref, status=ReminderStatus.SENT
            ).values_list("rule_id", "recipient_email", "due_at")
        )
        new = [
            Reminder(
                rule=rule,
                event_kind=kind_key,
                event_ref=ref,
                event_label=event.label[:300],
                event_day=event.day,
                modification_id=event.modification_id,
                recipient_email=recipient.email,
                recipient_name=recipient.name[:200],
                due_at=due,
            )
            for (rule_id, email), (rule, recipient, due) in desired.items()
            if (rule_id, email, due) not in already_sent
        ]
        Reminder.objects.bulk_create(new)
        result.planned = len(new)
    return result


def replan_events(kind_key: str, refs: Any) -> None:
    """`replan_event` for each ref (ids read before a delete, or a queryset's values)."""
    for ref in list(refs):
        replan_event(kind_key, ref)


def modification_event_refs(modification_id: int) -> dict[str, list[str | int]]:
    """Per event kind, the refs of the events of one modification (read them before
    deleting it: they cascade)."""
    return {
        key: list(kind.of_modification(modification_id))
        for key, kind in registry.event_kinds().items()
    }


def replan_modification_events(
    modification_id: int, refs: dict[str, list[str | int]] | None = None
) -> None:
    """A modification's stage changed, or it was deleted (pass the refs read before):
    every event of it, whatever app's kind, is planned again (withdrawn when it closed)."""
    for key, kind_refs in (refs or modification_event_refs(modification_id)).items():
        replan_events(key, kind_refs)


@transaction.atomic
def replan_rule(rule: ReminderRule, *, now: datetime | None = None) -> PlanResult:
    """After a rule is added or edited: every upcoming event of its kind, and every event
    it has live reminders for (its kind or filters may have changed)."""
    now = now or timezone.now()
    refs: set[tuple[str, str]] = set(
        Reminder.objects.filter(rule=rule, status=ReminderStatus.PLANNED).values_list(
            "event_kind", "event_ref"
        )
    )
    kind = registry.event_kind(rule.event_kind)
    if kind is not None and rule.is_active:
        today = timezone.localdate(now)
        refs |= {(event.kind, event.ref) for event in kind.upcoming(today)}
    result = PlanResult()
    for kind_key, ref in sorted(refs):
        result += replan_event(kind_key, ref, now=now)
    ReminderRule.objects.filter(pk=rule.pk).update(planned_at=now)
    rule.planned_at = now
    return result


def plan_unplanned_rules(*, now: datetime | None = None) -> int:
    """Plan every rule never planned (shipped by a data migration, loaded from a fixture)
    exactly as saving it in the admin would. Runs after `migrate`. Returns how many."""
    rules = list(ReminderRule.objects.filter(planned_at__isnull=True))
    for rule in rules:
        replan_rule(rule, now=now)
    return len(rules)


# --- Unsubscribing ----------------------------------------------------------------------
def unsubscribe_token(email: str, rule_id: int) -> str:
    return signing.dumps({"e": email.lower(), "r": rule_id}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[str, ReminderRule]:
    """The (email, rule) a link was made for; raises signing.BadSignature or
    ReminderRule.DoesNotExist when the link is forged, damaged or its rule is gone."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise signing.BadSignature("malformed unsubscribe token")
    return str(data["e"]), ReminderRule.objects.get(pk=data["r"])


@transaction.atomic
def unsubscribe(email: str, rule: ReminderRule) -> int:
    """Stop one rule's reminders to one address; returns how many planned ones were withdrawn."""
    email = email.lower()
    Unsubscription.objects.get_or_create(email=email, rule=rule)
    return Reminder.objects.filter(
        rule=rule, recipient_email=email, status=ReminderStatus.PLANNED
    ).update(status=ReminderStatus.WITHDRAWN, note="the recipient unsubscribed")


@transaction.atomic
def save_rule(rule: ReminderRule | None = None, **fields: Any) -> tuple[ReminderRule, PlanResult]:
    """Add or change a reminder rule and plan its events at once (as after migrate)."""
    rule = rule or ReminderRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    return rule, replan_rule(rule)


@transaction.atomic
def delete_rule(rule: ReminderRule) -> None:
    """Delete a rule that never planned a reminder (PROTECT keeps the sent record; a
    rule no longer wanted is made inactive instead)."""
    rule.delete()


@transaction.atomic
def save_unsubscription(
    unsubscription: Unsubscription | None = None, **fields: Any
) -> Unsubscription:
    """Record (or change) that an address wants none of a rule's reminders, as its
    unsubscribe link does: its planned ones are withdrawn. A changed row gives the address
    or rule it named before its reminders back."""
    unsubscription = unsubscription or Unsubscription()
    before = (unsubscription.email, unsubscription.rule_id) if unsubscription.pk else None
    if "email" in fields:
        fields["email"] = str(fields["email"]).strip().lower()
    unsubscription = save_fields(unsubscription, fields)
    Reminder.objects.filter(
        rule_id=unsubscription.rule_id,
        recipient_email=unsubscription.email,
        status=ReminderStatus.PLANNED,
    ).update(status=ReminderStatus.WITHDRAWN, note="the recipient unsubscribed")
    if before is not None and before != (unsubscription.email, unsubscription.rule_id):
        replan_rule(ReminderRule.objects.get(pk=before[1]))
    return unsubscription


@transaction.atomic
def delete_unsubscription(unsubscription: Unsubscription) -> None:
    """The address gets the rule's reminders again, from the next ones planned."""
    rule = unsubscription.rule
    unsubscription.delete()
    replan_rule(rule)


@transaction.atomic
def retry_failed_reminders(reminder_ids: Any, *, by: str) -> int:
    """Send failed reminders again, unless one for the same event and address has been
    planned since (that newer one goes out). Returns how many will be sent."""
    count = 0
    for reminder in Reminder.objects.select_for_update().filter(
        pk__in=list(reminder_ids), status=ReminderStatus.FAILED
    ):
        live = Reminder.objects.filter(
            rule_id=reminder.rule_id,
            event_kind=reminder.event_kind,
            event_ref=reminder.event_ref,
            recipient_email=reminder.recipient_email,
            status__in=LIVE_STATUSES,
        )
        if live.exists():
            continue
        reminder.status = ReminderStatus.PLANNED
        reminder.attempts = 0
        reminder.claim_token = ""
        reminder.digest_key = ""
        reminder.note = f"sent again by {by}"[:300]
        reminder.due_at = timezone.now()
        reminder.save(
            update_fields=["status", "attempts", "claim_token", "digest_key", "note", "due_at"]
        )
        count += 1
    return count


@transaction.atomic
def withdraw_reminders(reminder_ids: Any, *, by: str) -> int:
    """Withdraw planned reminders (or acknowledge failed ones). Returns how many."""
    return Reminder.objects.filter(
        pk__in=list(reminder_ids), status__in=[ReminderStatus.PLANNED, ReminderStatus.FAILED]
    ).update(status=ReminderStatus.WITHDRAWN, note=f"withdrawn by {by}"[:300])
