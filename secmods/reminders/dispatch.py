"""Sending the outbox: claim what is due, send it, mark it sent — exactly once.

A reminder moves planned -> claimed -> sent (or skipped / failed). Every step is a
conditional UPDATE (`WHERE status = ... AND claim_token = ...`) that exactly one caller can
win, so a second dispatcher, a retried task, a redelivered message or a restarted worker
finds nothing left to do. On PostgreSQL the dispatcher also reads due rows with
SELECT ... FOR UPDATE SKIP LOCKED, so concurrent dispatchers share the work instead of
queueing behind each other; SQLite serialises writers (IMMEDIATE transactions) and the
conditional update alone is enough.

A claim is committed before its message is queued (transaction.on_commit). A claim left
unfinished for REMINDER_CLAIM_TIMEOUT seconds (the worker died) is taken again, with its
digest and Message-ID unchanged. CELERY_TASK_TIME_LIMIT is below that timeout, so a claim is
only taken over once the worker holding it can no longer be sending.
"""

from __future__ import annotations

import logging
import random
import smtplib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone

from secmods.core.roles import SECAS_STAFF

from . import registry
from .emails import build_digest, load_events, message_id_for
from .models import DispatcherHeartbeat, Reminder, ReminderStatus

logger = logging.getLogger(__name__)

#: Reminders for one recipient in one email, at most.
DIGEST_MAX = 50


class RetryLater(Exception):  # a signal to the task (retry later), not an error
    def __init__(self, claim_token: str, countdown: int, error: str) -> None:
        super().__init__(error)
        self.claim_token = claim_token
        self.countdown = countdown


@dataclass
class DispatchResult:
    claimed: int = 0
    reclaimed: int = 0
    skipped: int = 0
    digests: list[tuple[str, str]] = field(default_factory=list)


def _token() -> str:
    return uuid.uuid4().hex


def _due_rows(now: datetime, batch: int) -> list[dict[str, Any]]:
    qs = Reminder.objects.filter(status=ReminderStatus.PLANNED, due_at__lte=now).order_by(
        "due_at", "pk"
    )
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    rows = qs.values("pk", "event_kind", "event_ref", "recipient_email")[:batch]
    return [dict(row) for row in rows]


def _skip_reason(event: registry.Event | None, now: datetime) -> str | None:
    if event is None:
        return "its event no longer exists"
    if event.cancelled:
        return "its event was cancelled or is no longer planned"
    if event.ends_at is not None and event.ends_at <= now:
        local = timezone.localtime(event.ends_at)
        return f"its event had passed ({local:%d %b %Y %H:%M} London) when it fell due"
    return None


def _recipient_skips(
    rows: list[dict[str, Any]], events: dict[tuple[str, str], registry.Event | None]
) -> dict[int, str]:
    """Rows whose recipient the event's kind no longer wants reminded (a respondent who
    has answered since the reminder was planned): {row id: reason}. One call per event."""
    by_event: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_event[(row["event_kind"], row["event_ref"])].append(row)
    skips: dict[int, str] = {}
    for key, event_rows in by_event.items():
        kind, event = registry.event_kind(key[0]), events.get(key)
        if kind is None or event is None:
            continue
        reasons = kind.skip_recipients(event, {r["recipient_email"].lower() for r in event_rows})
        if reasons:
            for row in event_rows:
                reason = reasons.get(row["recipient_email"].lower())
                if reason:
                    skips[row["pk"]] = reason
    return skips


def _claim_batch(
    now: datetime, batch: int, enqueue: Callable[[str, str], None], result: DispatchResult
) -> int:
    """Claim up to `batch` due reminders in one transaction; returns how many rows it read."""
    with transaction.atomic():
        rows = _due_rows(now, batch)
        if not rows:
            return 0
        events: dict[tuple[str, str], registry.Event | None] = {}
        skipped: dict[str, list[int]] = defaultdict(list)
        by_recipient: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            key = (row["event_kind"], row["event_ref"])
            if key not in events:
                kind = registry.event_kind(key[0])
                events[key] = kind.load(key[1]) if kind is not None else None
        recipient_skips = _recipient_skips(rows, events)
        for row in rows:
            key = (row["event_kind"], row["event_ref"])
            reason = _skip_reason(events[key], now) or recipient_skips.get(row["pk"])
            if reason:
                skipped[reason].append(row["pk"])
            else:
                by_recipient[row["recipient_email"].lower()].append(row["pk"])
        for reason, ids in skipped.items():
            result.skipped += Reminder.objects.filter(
                pk__in=ids, status=ReminderStatus.PLANNED
            ).update(status=ReminderStatus.SKIPPED, note=reason[:300], updated_at=now)
        digests = [
            (ids[start : start + DIGEST_MAX], _token(), _token())
            for ids in by_recipient.values()
            for start in range(0, len(ids), DIGEST_MAX)
        ]
        if digests:
            _claim(digests, now, enqueue, result)
        return len(rows)


def _case(digests: list[tuple[list[int], str, str]], value: Callable[[str, str], str]) -> Case:
    return Case(
        *(When(pk__in=ids, then=Value(value(key, token))) for ids, key, token in digests),
        output_field=CharField(),
    )


def _claim(
    digests: list[tuple[list[int], str, str]],
    now: datetime,
    enqueue: Callable[[str, str], None],
    result: DispatchResult,
) -> None:
    """Claim every digest of a batch in one conditional UPDATE (one CASE per column)."""
    all_ids = [pk for ids, _, _ in digests for pk in ids]
    result.claimed += Reminder.objects.filter(pk__in=all_ids, status=ReminderStatus.PLANNED).update(
        status=ReminderStatus.CLAIMED,
        claimed_at=now,
        digest_key=_case(digests, lambda key, token: key),
        claim_token=_case(digests, lambda key, token: token),
        message_id=_case(digests, lambda key, token: message_id_for(key)),
        updated_at=now,
    )
    # Only the rows this UPDATE won carry our tokens: queue exactly those digests.
    tokens = [token for _, _, token in digests]
    won = (
        Reminder.objects.filter(pk__in=all_ids, claim_token__in=tokens)
        .order_by()
        .values_list("digest_key", "claim_token")
        .distinct()
    )
    for digest_key, token in won:
        result.digests.append((digest_key, token))
        transaction.on_commit(lambda k=digest_key, t=token: enqueue(k, t))  # type: ignore[misc]


def _reclaim_stale(
    now: datetime, enqueue: Callable[[str, str], None], result: DispatchResult
) -> None:
    cutoff = now - timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT)
    keys = set(
        Reminder.objects.filter(status=ReminderStatus.CLAIMED, claimed_at__lt=cutoff)
        .order_by()
        .values_list("digest_key", flat=True)
        .distinct()
    )
    for digest_key in keys:
        token = _token()
        with transaction.atomic():
            taken = Reminder.objects.filter(
                digest_key=digest_key, status=ReminderStatus.CLAIMED, claimed_at__lt=cutoff
            ).update(claim_token=token, claimed_at=now, updated_at=now)
            if taken:
                result.reclaimed += taken
                result.digests.append((digest_key, token))
                transaction.on_commit(lambda k=digest_key, t=token: enqueue(k, t))  # type: ignore[misc]


def dispatch_due(
    enqueue: Callable[[str, str], None],
    *,
    now: datetime | None = None,
    batch: int = 500,
    max_seconds: float = 50.0,
) -> DispatchResult:
    """Claim every due reminder (and every stale claim) and hand each digest to `enqueue`."""
    started = time.monotonic()
    now = now or timezone.now()
    result = DispatchResult()
    _reclaim_stale(now, enqueue, result)
    while time.monotonic() - started < max_seconds:
        if _claim_batch(now, batch, enqueue, result) < batch:
            break
    DispatcherHeartbeat.objects.update_or_create(
        pk=1,
        defaults={
            "last_run_at": timezone.now(),
            "claimed": result.claimed,
            "reclaimed": result.reclaimed,
            "skipped": result.skipped,
            "duration_ms": int((time.monotonic() - started) * 1000),
        },
    )
    return result


def backoff_seconds(attempt: int) -> int:
    """30 s, 60 s, 120 s, 240 s... capped at 5 minutes, with jitter so retries spread out."""
    base = min(30 * 2 ** max(attempt - 1, 0), 300)
    return base + random.randint(0, base // 5)


def send_digest(digest_key: str, claim_token: str, *, now: datetime | None = None) -> str:
    """Send one claimed digest. Returns what happened: sent / nothing to do / failed.

    Raises RetryLater (with the new claim token) after an SMTP error that is worth retrying.
    """
    now = now or timezone.now()
    attempt_token = _token()
    # Take the claim for this attempt. Only the holder of the current token wins; a
    # duplicate or stale message (its token was replaced) stops here.
    taken = Reminder.objects.filter(
        digest_key=digest_key, status=ReminderStatus.CLAIMED, claim_token=claim_token
    ).update(claim_token=attempt_token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now)
    if not taken:
        return "nothing to do"
    mine = Q(digest_key=digest_key, status=ReminderStatus.CLAIMED, claim_token=attempt_token)
    reminders = list(
        Reminder.objects.filter(mine).select_related("rule", "modification").order_by("pk")
    )
    attempt = reminders[0].attempts
    events = load_events(reminders)
    dropped = _recipient_skips(
        [
            {
                "pk": r.pk,
                "event_kind": r.event_kind,
                "event_ref": r.event_ref,
                "recipient_email": r.recipient_email,
            }
            for r in reminders
        ],
        events,
    )
    if dropped:
        # Answered (or the like) while the reminder waited: those rows are skipped; the rest
        # of the digest still goes out.
        for reason in set(dropped.values()):
            ids = [pk for pk, why in dropped.items() if why == reason]
            Reminder.objects.filter(mine, pk__in=ids).update(
                status=ReminderStatus.SKIPPED, note=reason[:300], updated_at=now
            )
        reminders = [r for r in reminders if r.pk not in dropped]
        if not reminders:
            return "skipped"
    reasons = {_skip_reason(events[(r.event_kind, r.event_ref)], now) for r in reminders}
    if None not in reasons:
        # Every event of the digest passed or was cancelled while it waited for a retry:
        # nothing left worth sending. (If one still stands, the digest goes out whole, as
        # claimed.)
        Reminder.objects.filter(mine).update(
            status=ReminderStatus.SKIPPED,
            note="; ".join(sorted(str(reason) for reason in reasons))[:300],
            updated_at=now,
        )
        return "skipped"
    try:
        message = build_digest(reminders, digest_key, events)
    except Exception as exc:
        # A template that fails at render time will fail again: no retry.
        logger.exception("reminder digest %s could not be rendered", digest_key)
        return _fail(mine, reminders, f"could not render the email: {exc}", now)
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        error = f"attempt {attempt}: {type(exc).__name__}: {exc}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused) or attempt >= max_attempts():
            return _fail(mine, reminders, error, now)
        Reminder.objects.filter(mine).update(error=error[:2000])
        raise RetryLater(attempt_token, backoff_seconds(attempt), error) from exc
    # THE ONE DOUBLE-SEND WINDOW: the mail server has accepted the message, and the UPDATE
    # below has not committed yet. If the worker dies (or the database is unreachable)
    # exactly here, the rows stay claimed, are re-claimed after REMINDER_CLAIM_TIMEOUT and
    # sent again — with the same Message-ID (fixed at claim time), so a receiving mail
    # system can drop the repeat. Every other crash point loses nothing and sends nothing
    # twice.
    Reminder.objects.filter(mine).update(
        status=ReminderStatus.SENT, sent_at=timezone.now(), error="", updated_at=timezone.now()
    )
    return "sent"


def max_attempts() -> int:
    return int(getattr(settings, "REMINDER_MAX_ATTEMPTS", 5))


def _fail(mine: Q, reminders: list[Reminder], error: str, now: datetime) -> str:
    failed = Reminder.objects.filter(mine).update(
        status=ReminderStatus.FAILED, error=error[:2000], updated_at=now
    )
    if failed:
        notify_staff_of_failure(reminders, error)
    return "failed"


def staff_addresses() -> list[str]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return sorted(
        set(
            users.filter(Q(groups__name=SECAS_STAFF) | Q(is_superuser=True)).values_list(
                "email", flat=True
            )
        )
    )


def notify_staff_of_failure(reminders: list[Reminder], error: str) -> None:
    """Tell SECAS staff that reminders failed for good: nobody should find out too late."""
    recipients = staff_addresses()
    if not recipients:
        logger.error("reminders %s failed and no staff address is known", reminders)
        return
    lines = "\n".join(
        f"- {r.rule} to {r.recipient_email} about {r.event_label} (due "
        f"{timezone.localtime(r.due_at):%d %b %Y %H:%M})"
        for r in reminders
    )
    try:
        send_mail(
            subject=f"secmods: {len(reminders)} reminder(s) could not be sent",
            message=f"These reminders failed for good:\n{lines}\n\nError: {error}\n\n"
            f"See {settings.SITE_URL}/admin/reminders/reminder/?status__exact=failed\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    except (smtplib.SMTPException, OSError):
        logger.exception("could not tell staff that reminders failed")
