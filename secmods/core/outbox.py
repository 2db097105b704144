"""Mail leaves the web request: a service queues a Celery task after its transaction commits.

An SMTP server that hangs then holds up a worker, never an analyst's page. The rows the task
reads are the outbox (an invitation with no `sent_at`): a sweep on beat queues again any the
broker did not take, so a message is never lost with the request that asked for it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task_name: str, *args: Any) -> None:
    """Queue the task named `task_name` with `args` once the current transaction commits
    (at once outside one). By name, so that a service needs no import of its tasks module
    (which imports the service)."""

    def enqueue() -> None:
        try:
            if task_name not in current_app.tasks:
                # A web process has not imported the apps' tasks modules (a worker has).
                current_app.loader.import_default_modules()
            # No retries in the request: with the broker away the sweep queues it later.
            current_app.tasks[task_name].apply_async(args=args, retry=False)
        except Exception:
            logger.warning("Could not queue %s%r; the sweep will.", task_name, args, exc_info=True)

    transaction.on_commit(enqueue)
