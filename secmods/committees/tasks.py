"""Celery tasks: a new committee member's set-password email, sent by a worker."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    name="secmods.committees.tasks.send_account_invitation",
    ignore_result=True,
    acks_late=True,
    max_retries=5,
)
def send_account_invitation(self, user_id: int, committee_id: int | None) -> str:  # type: ignore[no-untyped-def]
    try:
        return services.deliver_account_invitation(user_id, committee_id)
    except OSError as exc:
        raise self.retry(countdown=60 * 2**self.request.retries, exc=exc) from exc
