"""System checks: the timeouts that exactly-once sending depends on must nest."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def reminder_timeouts(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    claim = settings.REMINDER_CLAIM_TIMEOUT
    hard = getattr(settings, "CELERY_TASK_TIME_LIMIT", None)
    if hard is None or hard >= claim:
        errors.append(
            Error(
                f"CELERY_TASK_TIME_LIMIT ({hard}) must be set below REMINDER_CLAIM_TIMEOUT "
                f"({claim}): otherwise a claim can be taken over while its worker is still "
                "sending, and the reminder goes out twice.",
                id="reminders.E001",
            )
        )
    email_timeout = getattr(settings, "EMAIL_TIMEOUT", None)
    if hard is not None and (email_timeout is None or email_timeout >= hard):
        errors.append(
            Error(
                f"EMAIL_TIMEOUT ({email_timeout}) must be set below CELERY_TASK_TIME_LIMIT "
                f"({hard}), so that a hung SMTP server fails the try instead of the task.",
                id="reminders.E002",
            )
        )
    return errors
