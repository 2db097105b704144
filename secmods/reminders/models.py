"""Reminder rules (staff edit them), the outbox of reminders, unsubscriptions, heartbeat."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q

from secmods.core.validators import no_nul_bytes


class OffsetUnit(models.TextChoices):
    WORKING_DAYS = "working_days", "SEC Working Days before"
    CALENDAR_DAYS = "calendar_days", "calendar days before"
    ON_THE_DAY = "on_the_day", "on the day"


class ReminderRule(models.Model):
    """What to remind whom of, when: an event kind, an offset, a London clock time, emails.

    `event_kind` and `recipient_kinds` name entries of the registries in
    `secmods.reminders.registry`; they are plain strings so that another app can register
    a kind without a migration here.
    """

    name = models.CharField(max_length=200, validators=[no_nul_bytes])
    is_active = models.BooleanField(default=True)
    event_kind = models.CharField(max_length=50)
    milestone_kind = models.CharField(
        max_length=30,
        blank=True,
        help_text="For milestone events: only milestones of this kind (empty: any kind).",
    )
    committee = models.ForeignKey(
        "committees.Committee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminder_rules",
        help_text="For meeting events: only this committee's meetings (empty: every "
        "committee). Also whose members 'committee members' means for a milestone "
        "that is not tied to a meeting.",
    )
    offset_unit = models.CharField(
        max_length=20, choices=OffsetUnit.choices, default=OffsetUnit.WORKING_DAYS
    )
    offset = models.PositiveSmallIntegerField(
        default=5, help_text="How many days before the event (ignored for 'on the day')."
    )
    send_time = models.TimeField(default=time(9, 0), help_text="London clock time.")
    recipient_kinds = models.JSONField(default=list, blank=True)
    addresses = models.TextField(
        blank=True, help_text="Named addresses, one per line (for 'named addresses')."
    )
    subject_template = models.CharField(max_length=300, validators=[no_nul_bytes])
    text_template = models.TextField(validators=[no_nul_bytes])
    html_template = models.TextField(
        blank=True, validators=[no_nul_bytes], help_text="Optional HTML part."
    )
    # When replan_rule last planned the rule's events; empty for a rule that arrived without
    # the service (a data migration, loaddata): the post_migrate hook plans those.
    planned_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(offset__lte=366), name="reminder_rule_offset"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address_list(self) -> list[str]:
        return [line.strip() for line in self.addresses.splitlines() if line.strip()]


class ReminderStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    CLAIMED = "claimed", "Claimed (being sent)"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"


LIVE_STATUSES = (ReminderStatus.PLANNED, ReminderStatus.CLAIMED)


class Reminder(models.Model):
    """One rule x event x recipient: a row of the outbox, not a task waiting with an ETA."""

    rule = models.ForeignKey(ReminderRule, on_delete=models.PROTECT, related_name="reminders")
    event_kind = models.CharField(max_length=50)
    event_ref = models.CharField(max_length=100, help_text="The event's id within its kind.")
    event_label = models.CharField(max_length=300)
    event_day = models.DateField()
    modification = models.ForeignKey(
        "modifications.Modification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminders",
    )
    recipient_email = models.EmailField()
    recipient_name = models.CharField(max_length=200, blank=True)
    due_at = models.DateTimeField(help_text="Stored in UTC; computed from a London clock time.")
    status = models.CharField(
        max_length=20, choices=ReminderStatus.choices, default=ReminderStatus.PLANNED
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Changes on every claim and every start of a send attempt: a message carrying an older
    # token finds nothing to do (see tasks.py).
    claim_token = models.CharField(max_length=32, blank=True)
    digest_key = models.CharField(max_length=32, blank=True, db_index=True)
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="Why skipped or withdrawn.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            # At most one live row per rule x event x recipient: re-planning withdraws
            # the old one before it plans the new one.
            models.UniqueConstraint(
                fields=["rule", "event_kind", "event_ref", "recipient_email"],
                condition=Q(status__in=["planned", "claimed"]),
                name="reminder_one_live_per_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["event_kind", "event_ref"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} → {self.recipient_email} ({self.event_label})"


class Unsubscription(models.Model):
    """A recipient who asked to stop receiving the reminders of one rule."""

    email = models.EmailField()
    rule = models.ForeignKey(ReminderRule, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "rule"], name="unsubscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.rule}"


class DispatcherHeartbeat(models.Model):
    """One row: when `dispatch_due` last ran and what it did (for /health/ and the admin)."""

    last_run_at = models.DateTimeField()
    claimed = models.PositiveIntegerField(default=0)
    reclaimed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "dispatcher heartbeat"

    def __str__(self) -> str:
        return f"dispatcher last ran at {self.last_run_at:%Y-%m-%d %H:%M:%S %Z}"


def site_domain() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.SITE_URL).hostname or "secmods.localhost"
