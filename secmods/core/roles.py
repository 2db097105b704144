"""The two roles, as Django groups (created by a data migration in secmods.parties)."""

from __future__ import annotations

from typing import Any

SECAS_STAFF = "SECAS staff"
COMMITTEE_MEMBER = "Committee member"


def _group_names(user: Any) -> set[str]:
    # Cached on the user object: admin permission checks ask many times per request.
    cached = getattr(user, "_secmods_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.pk else set()
        user._secmods_groups = cached
    return cached


def is_secas_staff(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or SECAS_STAFF in _group_names(user))


def is_committee_member(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return COMMITTEE_MEMBER in _group_names(user)
