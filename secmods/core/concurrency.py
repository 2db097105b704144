"""The one stale-write check: lock the row, then compare versions, inside the transaction.

A version compared without a row lock is no check on PostgreSQL: two requests read version
3 at once and both write. Every writer of a versioned row (modification, milestone, meeting,
consultation) goes through `lock_for_write`, whatever its door: the admin's change form puts
the error on the form, the API turns it into 412 (core/api.py reads `code="stale"`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


class StaleWrite(ValidationError):
    """Someone else saved the row since the writer read it; `params["current_version"]`."""


def stale_write(what: str, expected: int, current: int | None) -> StaleWrite:
    now = "deleted" if current is None else f"version {current}"
    return StaleWrite(
        f"Someone else saved this {what} while you were editing it (your copy is version "
        f"{expected}, the saved one is {now}). Reload it to see their change, then make "
        "yours again.",
        code="stale",
        params={"current_version": current},
    )


def lock_for_write(
    model: type[M] | models.QuerySet[M],
    pk: Any,
    *,
    expected_version: int | None,
    what: str | None = None,
) -> M:
    """The row `pk`, locked until the end of the caller's transaction, if its version is
    `expected_version` (None: no check, the lock only). Raises StaleWrite otherwise.

    Must run inside `transaction.atomic` (select_for_update outside one is an error on
    PostgreSQL, and the lock would end before the write)."""
    queryset = model if isinstance(model, models.QuerySet) else model._default_manager.all()
    name = what or str(queryset.model._meta.verbose_name)
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock_for_write needs a transaction (transaction.atomic).")
    locked = queryset.select_for_update().filter(pk=pk).first()
    if locked is None:
        if expected_version is not None:
            raise stale_write(name, expected_version, None)
        raise queryset.model.DoesNotExist(f"No {name} {pk}.")  # type: ignore[attr-defined]
    current = locked.version  # type: ignore[attr-defined]
    if expected_version is not None and current != expected_version:
        raise stale_write(name, expected_version, current)
    return locked
