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

import contextlib
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
from django.core.mail import get_connection, send_mail
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from secmods.core.roles import SECAS_STAFF

from . import registry
from .emails import Renderings, build_digest, load_events, message_id_affixes, wire_message
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


#: Hands a committed batch of (digest key, claim token) over to be sent.
Enqueue = Callable[[list[tuple[str, str]]], None]


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


def _claim_batch(now: datetime, batch: int, enqueue: Enqueue, result: DispatchResult) -> int:
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
            ids[start : start + DIGEST_MAX]
            for ids in by_recipient.values()
            for start in range(0, len(ids), DIGEST_MAX)
        ]
        if digests:
            _claim(digests, now, enqueue, result)
        return len(rows)


def _claim(
    digests: list[list[int]], now: datetime, enqueue: Enqueue, result: DispatchResult
) -> None:
    """Claim every digest of a batch in one conditional UPDATE.

    The batch shares one claim token; each digest gets its own key (and so Message-ID):
    a random prefix for the batch plus its first row's id, computed by the database for the
    usual one-row digests, so the statement stays small whatever the batch's size.
    """
    token = _token()
    prefix = _token()[:16]
    single_key = Concat(Value(prefix), Cast("pk", output_field=CharField()))
    multi = [ids for ids in digests if len(ids) > 1]

    def key() -> Any:
        if not multi:
            return single_key
        return Case(
            *(When(pk__in=ids, then=Value(f"{prefix}m{ids[0]}")) for ids in multi),
            default=single_key,
            output_field=CharField(),
        )

    before, after = message_id_affixes()
    all_ids = [pk for ids in digests for pk in ids]
    result.claimed += Reminder.objects.filter(pk__in=all_ids, status=ReminderStatus.PLANNED).update(
        status=ReminderStatus.CLAIMED,
        claimed_at=now,
        digest_key=key(),
        claim_token=Value(token),
        message_id=Concat(Value(before), key(), Value(after), output_field=CharField()),
        updated_at=now,
    )
    # Only the rows this UPDATE won carry our token: queue exactly those digests.
    won = (
        Reminder.objects.filter(pk__in=all_ids, claim_token=token)
        .order_by()
        .values_list("digest_key", flat=True)
        .distinct()
    )
    pairs = [(digest_key, token) for digest_key in won]
    result.digests.extend(pairs)
    transaction.on_commit(lambda: enqueue(pairs))


def _reclaim_stale(now: datetime, enqueue: Enqueue, result: DispatchResult) -> None:
    """Take every stale claim back under a new token in one UPDATE, each digest keeping its
    key and Message-ID; a message still carrying the old token then finds nothing to do."""
    cutoff = now - timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT)
    token = _token()
    # One statement, committed on its own: the rows are ours (the new token) from here on.
    taken = Reminder.objects.filter(status=ReminderStatus.CLAIMED, claimed_at__lt=cutoff).update(
        claim_token=token, claimed_at=now, updated_at=now
    )
    if not taken:
        return
    keys = (
        Reminder.objects.filter(status=ReminderStatus.CLAIMED, claim_token=token)
        .order_by()
        .values_list("digest_key", flat=True)
        .distinct()
    )
    pairs = [(digest_key, token) for digest_key in keys]
    result.reclaimed += taken
    result.digests.extend(pairs)
    transaction.on_commit(lambda: enqueue(pairs))


def dispatch_due(
    enqueue: Callable[[str, str], None] | None = None,
    *,
    enqueue_many: Callable[[list[tuple[str, str]]], None] | None = None,
    now: datetime | None = None,
    batch: int = 500,
    max_seconds: float = 50.0,
) -> DispatchResult:
    """Claim every due reminder (and every stale claim) and hand the digests over, after
    each claim commits: `enqueue_many` gets them SEND_BATCH at a time (one send task for
    many messages), else `enqueue` gets each (digest key, claim token)."""
    started = time.monotonic()
    now = now or timezone.now()
    result = DispatchResult()

    def handover(pairs: list[tuple[str, str]]) -> None:
        if enqueue_many is not None:
            for chunk in _chunks(pairs, SEND_BATCH):
                enqueue_many(chunk)
        elif enqueue is not None:
            for digest_key, claim_token in pairs:
                enqueue(digest_key, claim_token)

    _reclaim_stale(now, handover, result)
    while time.monotonic() - started < max_seconds:
        if _claim_batch(now, batch, handover, result) < batch:
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


#: Digests per send task: one SMTP connection and one read of the rows for all of them.
#: 100 rather than 50: a task's fixed cost (claim swap, rows, event, connection) was an
#: eighth of the sender's CPU per message at 50 (measured: 1.96 -> 1.73 ms per message).
SEND_BATCH = 100


def _chunks(pairs: list[tuple[str, str]], size: int) -> list[list[tuple[str, str]]]:
    return [pairs[start : start + size] for start in range(0, len(pairs), size)]


@dataclass
class SendResult:
    """What send_digests did with each digest it was handed."""

    outcomes: dict[str, str] = field(default_factory=dict)  # digest key -> sent / skipped /...
    #: (digest key, claim token, countdown): an SMTP error worth trying again later.
    retries: list[tuple[str, str, int, str]] = field(default_factory=list)
    #: Digests not tried because the task's time ran out: queue them again as they are.
    left: list[tuple[str, str]] = field(default_factory=list)


def send_digest(digest_key: str, claim_token: str, *, now: datetime | None = None) -> str:
    """Send one claimed digest. Returns what happened: sent / nothing to do / failed.

    Raises RetryLater (with the new claim token) after an SMTP error that is worth retrying.
    """
    result = send_digests([(digest_key, claim_token)], now=now)
    if result.retries:
        _, token, countdown, error = result.retries[0]
        raise RetryLater(token, countdown, error)
    return result.outcomes[digest_key]


def _take(pairs: list[tuple[str, str]], attempt_token: str, now: datetime) -> Q | None:
    """Swap the claim tokens of `pairs` for this attempt's, in one conditional UPDATE. Only
    the holder of a digest's current token wins it: a duplicate or stale message (its token
    was replaced) finds nothing. Returns the filter for the rows this attempt now holds."""
    by_token: dict[str, list[str]] = defaultdict(list)
    for digest_key, claim_token in pairs:
        by_token[claim_token].append(digest_key)
    held = Q()
    for claim_token, keys in by_token.items():
        held |= Q(claim_token=claim_token, digest_key__in=keys)
    taken = (
        Reminder.objects.filter(held, status=ReminderStatus.CLAIMED)
        .order_by()
        .update(
            claim_token=attempt_token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    )
    if not taken:
        return None
    return Q(status=ReminderStatus.CLAIMED, claim_token=attempt_token)


def send_digests(
    pairs: list[tuple[str, str]],
    *,
    now: datetime | None = None,
    max_seconds: float | None = None,
) -> SendResult:
    """Send claimed digests, each as one email, over one SMTP connection.

    The rows of all of them are read at once; each digest is marked sent by its own UPDATE
    right after the mail server accepted it, so a crash repeats at most the one message in
    flight. Past `max_seconds` (below the task time limit, which bounds how long a claim
    may be held) the digests not yet tried are handed back in `left`.
    """
    now = now or timezone.now()
    started = time.monotonic()
    max_seconds = max_seconds if max_seconds is not None else _send_budget()
    result = SendResult()
    attempt_token = _token()
    mine = _take(pairs, attempt_token, now)
    keys = [digest_key for digest_key, _ in pairs]
    if mine is None:
        result.outcomes = dict.fromkeys(keys, "nothing to do")
        return result
    mine &= Q(digest_key__in=keys)
    # The rule and the modification read once each for the task, not joined onto every row:
    # a task's rows nearly always share one rule, and building its instance (templates,
    # timestamps) once per row was a fifth of the task's fixed cost (profiled).
    rows = list(
        Reminder.objects.filter(mine).prefetch_related("rule", "modification").order_by("pk")
    )
    digests: dict[str, list[Reminder]] = defaultdict(list)
    for reminder in rows:
        digests[reminder.digest_key].append(reminder)
    for digest_key in keys:
        if digest_key not in digests:
            result.outcomes[digest_key] = "nothing to do"
    events = load_events(rows)
    dropped = _recipient_skips(
        [
            {
                "pk": r.pk,
                "event_kind": r.event_kind,
                "event_ref": r.event_ref,
                "recipient_email": r.recipient_email,
            }
            for r in rows
        ],
        events,
    )
    if dropped:
        # Answered (or the like) while the reminder waited: those rows are skipped; the rest
        # of each digest still goes out.
        for reason in set(dropped.values()):
            ids = [pk for pk, why in dropped.items() if why == reason]
            Reminder.objects.filter(mine, pk__in=ids).update(
                status=ReminderStatus.SKIPPED, note=reason[:300], updated_at=now
            )
    sender = _Sender()
    renderings: Renderings = {}
    # One cursor for every message's UPDATE: Django's cursor() checks and wraps the
    # connection anew each time (measured: 0.10 -> 0.06 ms of this process's CPU per UPDATE).
    with connection.cursor() as marks:
        try:
            renewed = time.monotonic()
            for digest_key, reminders in digests.items():
                if time.monotonic() - started > max_seconds:
                    # Hand the rest back under a fresh token (the attempt is not counted).
                    result.left.append((digest_key, _release(mine, digest_key)))
                    continue
                if time.monotonic() - renewed > _renew_every():
                    # Keep the claims of the digests still to send fresh, so that the stale-claim
                    # sweep never takes one over while this task may still send it.
                    Reminder.objects.filter(mine).update(claimed_at=timezone.now())
                    renewed = time.monotonic()
                # This digest's rows alone: a short statement, the same for every digest.
                held = Q(
                    digest_key=digest_key, status=ReminderStatus.CLAIMED, claim_token=attempt_token
                )
                reminders = [r for r in reminders if r.pk not in dropped]
                if not reminders:
                    result.outcomes[digest_key] = "skipped"
                    continue
                outcome, error = _send_one(
                    held,
                    digest_key,
                    attempt_token,
                    reminders,
                    events,
                    now,
                    sender,
                    renderings,
                    marks,
                )
                if outcome == "retry":
                    # The rows keep this attempt's token: the retry holds them (by digest key).
                    countdown = backoff_seconds(reminders[0].attempts)
                    result.retries.append((digest_key, attempt_token, countdown, error))

                result.outcomes[digest_key] = outcome
        finally:
            sender.close()
    return result


def _send_budget() -> float:
    # Well inside the soft time limit, so a task never holds claims past its hard limit.
    return float(getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", 90)) * 2 / 3


def _renew_every() -> float:
    return float(settings.REMINDER_CLAIM_TIMEOUT) / 4


def _release(mine: Q, digest_key: str) -> str:
    token = _token()
    Reminder.objects.filter(mine, digest_key=digest_key).update(
        claim_token=token, attempts=F("attempts") - 1
    )
    return token


class _Sender:
    """One connection of the configured email backend, opened on first use and opened again
    after an error (a dropped connection must not fail the digests after it)."""

    def __init__(self) -> None:
        self.connection: Any = None

    def send(self, message: Any) -> None:
        if self.connection is None:
            self.connection = get_connection(fail_silently=False)
            self.connection.open()
        try:
            wire = wire_message(message) if isinstance(self.connection, SMTPBackend) else None
            if wire is not None and self.connection.connection is not None:
                # Django's SMTP backend would sanitize, build and flatten the same message
                # (emails.wire_message says why not); the same connection and errors.
                _sendmail(self.connection.connection, *wire)
            else:
                self.connection.send_messages([message])
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()


def _envelope_address(value: str) -> str:
    # wire_message passes only "Name <a@b>" or "a@b" in plain ASCII: the address is what
    # smtplib's quoteaddr would find in it.
    return value[value.rindex("<") + 1 : -1] if value.endswith(">") else value


def _sendmail(client: smtplib.SMTP, sender: str, recipients: list[str], data: bytes) -> None:
    """smtplib.SMTP.sendmail for a message that wire_message wrote: the same commands,
    replies and exceptions, without quoteaddr's two email.utils.parseaddr calls per
    message (profiled: 9 % of the sender's CPU for addresses already known to be plain)."""
    client.ehlo_or_helo_if_needed()
    size = f" size={len(data)}" if client.does_esmtp and client.has_extn("size") else ""
    client.putcmd("mail", f"from:<{_envelope_address(sender)}>{size}")
    code, reply = client.getreply()
    if code != 250:
        _abandon(client, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        client.putcmd("rcpt", f"to:<{_envelope_address(recipient)}>")
        code, reply = client.getreply()
        if code not in (250, 251):
            refused[recipient] = (code, reply)
        if code == 421:
            client.close()
            raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
    if len(refused) == len(recipients):
        _abandon(client, 0)
        raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
    code, reply = client.data(data)
    if code != 250:
        _abandon(client, code)
        raise smtplib.SMTPDataError(code, reply)


def _abandon(client: smtplib.SMTP, code: int) -> None:
    # As sendmail does: 421 means the server is closing the connection; else reset the
    # transaction, ignoring a server that has gone.
    if code == 421:
        client.close()
    else:
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            client.rset()


def _send_one(
    held: Q,
    digest_key: str,
    attempt_token: str,
    reminders: list[Reminder],
    events: dict[tuple[str, str], registry.Event | None],
    now: datetime,
    sender: _Sender,
    renderings: Renderings,
    marks: Any,
) -> tuple[str, str]:
    """(outcome, error): sent / skipped / failed / retry (with the error to retry after)."""
    attempt = reminders[0].attempts
    reasons = {_skip_reason(events[(r.event_kind, r.event_ref)], now) for r in reminders}
    if None not in reasons:
        # Every event of the digest passed or was cancelled while it waited for a retry:
        # nothing left worth sending. (If one still stands, the digest goes out whole, as
        # claimed.)
        Reminder.objects.filter(held).update(
            status=ReminderStatus.SKIPPED,
            note="; ".join(sorted(str(reason) for reason in reasons))[:300],
            updated_at=now,
        )
        return "skipped", ""
    try:
        message = build_digest(reminders, digest_key, events, renderings)
    except Exception as exc:
        # A template that fails at render time will fail again: no retry.
        logger.exception("reminder digest %s could not be rendered", digest_key)
        return _fail(held, reminders, f"could not render the email: {exc}", now), ""
    try:
        sender.send(message)
    except (smtplib.SMTPException, OSError) as exc:
        error = f"attempt {attempt}: {type(exc).__name__}: {exc}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused) or attempt >= max_attempts():
            return _fail(held, reminders, error, now), error
        Reminder.objects.filter(held).update(error=error[:2000])
        return "retry", error
    # THE ONE DOUBLE-SEND WINDOW: the mail server has accepted the message, and the UPDATE
    # below has not committed yet. If the worker dies (or the database is unreachable)
    # exactly here, the rows stay claimed, are re-claimed after REMINDER_CLAIM_TIMEOUT and
    # sent again — with the same Message-ID (fixed at claim time), so a receiving mail
    # system can drop the repeat. Every other crash point loses nothing and sends nothing
    # twice.
    _mark_sent(marks, digest_key, attempt_token)
    return "sent", ""


def _mark_sent(cursor: Any, digest_key: str, attempt_token: str) -> int:
    # One statement per message sent, the hot path of a large run: written out once rather
    # than built by the ORM each time (the same conditional UPDATE), on the task's cursor.
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
    cursor.execute(
        f"UPDATE {connection.ops.quote_name(Reminder._meta.db_table)} "  # noqa: S608
        "SET status = %s, sent_at = %s, error = '', updated_at = %s "
        "WHERE digest_key = %s AND claim_token = %s AND status = %s",
        [
            ReminderStatus.SENT.value,
            sent_at,
            sent_at,
            digest_key,
            attempt_token,
            ReminderStatus.CLAIMED.value,
        ],
    )
    return int(cursor.rowcount)


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
