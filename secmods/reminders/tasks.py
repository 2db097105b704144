"""Celery tasks: thin wrappers around dispatch.py. Beat wakes `dispatch_due` every minute;
the database, not the broker, says what is due."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import dispatch


def enqueue_digest(digest_key: str, claim_token: str) -> None:
    send_digest.delay(digest_key, claim_token)


@shared_task(name="secmods.reminders.tasks.dispatch_due", ignore_result=True)
def dispatch_due() -> dict[str, int]:
    result = dispatch.dispatch_due(enqueue_digest)
    return {"claimed": result.claimed, "reclaimed": result.reclaimed, "skipped": result.skipped}


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
