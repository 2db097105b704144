"""Celery tasks: the invitation emails, sent by a worker (never in the web request)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    name="secmods.consultations.tasks.send_invitation",
    ignore_result=True,
    acks_late=True,
    max_retries=5,
)
def send_invitation(self, invitation_id: int, key: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return services.deliver_invitation(invitation_id, key)
    except OSError as exc:  # the mail server refused or timed out: try again later
        raise self.retry(countdown=60 * 2**self.request.retries, exc=exc) from exc


@shared_task(name="secmods.consultations.tasks.queue_unsent_invitations", ignore_result=True)
def queue_unsent_invitations() -> int:
    return services.queue_unsent_invitations()
