"""Celery tasks: thin wrappers around dispatch.py. Beat wakes `dispatch_due` every minute;
the database, not the broker, says what is due."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import dispatch


def enqueue_digest(digest_key: str, claim_token: str) -> None:
    send_digest.delay(digest_key, claim_token)


def enqueue_digests(pairs: list[tuple[str, str]]) -> None:
    send_digests.delay([list(pair) for pair in pairs])


@shared_task(name="secmods.reminders.tasks.dispatch_due", ignore_result=True)
def dispatch_due() -> dict[str, int]:
    result = dispatch.dispatch_due(enqueue_many=enqueue_digests)
    return {"claimed": result.claimed, "reclaimed": result.reclaimed, "skipped": result.skipped}


@shared_task(
    name="secmods.reminders.tasks.send_digests",
    ignore_result=True,
    acks_late=True,
)
def send_digests(pairs: list[list[str]]) -> dict[str, str]:
    """Send up to dispatch.SEND_BATCH claimed digests over one SMTP connection. A digest
    whose send failed is retried on its own (send_digest, with backoff); digests left when
    the task's time ran out go back to the queue as a new batch."""
    result = dispatch.send_digests([(key, token) for key, token in pairs])
    for digest_key, claim_token, countdown, _error in result.retries:
        send_digest.apply_async((digest_key, claim_token), countdown=countdown)
    if result.left:
        enqueue_digests(result.left)
    return result.outcomes


@shared_task(
    bind=True,
    name="secmods.reminders.tasks.send_digest",
    ignore_result=True,
    acks_late=True,
    max_retries=None,  # the attempts column on the rows counts tries (REMINDER_MAX_ATTEMPTS)
)
def send_digest(self: Any, digest_key: str, claim_token: str) -> str:
    """Send the reminders claimed together under `digest_key` as one email."""
    try:
        return dispatch.send_digest(digest_key, claim_token)
    except dispatch.RetryLater as retry:
        raise self.retry(
            args=[digest_key, retry.claim_token], countdown=retry.countdown, exc=retry
        ) from retry
