"""Celery tasks: account mail (password reset), sent by a worker, never in the request."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from .accounts import deliver_account_mail


@shared_task(
    bind=True,
    name="secmods.core.tasks.send_account_mail",
    ignore_result=True,
    acks_late=True,
    max_retries=5,
)
def send_account_mail(  # type: ignore[no-untyped-def]
    self, subject: str, body: str, from_email: str | None, to_email: str, html: str = ""
) -> Any:
    try:
        return deliver_account_mail(subject, body, from_email, to_email, html)
    except OSError as exc:
        raise self.retry(countdown=60 * 2**self.request.retries, exc=exc) from exc
