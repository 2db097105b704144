"""The two roles, as Django groups (created by a data migration in secmods.parties)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SECAS_STAFF = "SECAS staff"
COMMITTEE_MEMBER = "Committee member"

# Memberships are the committees app's: it registers the check from its AppConfig.ready().
_former_member_checks: list[Callable[[Any], bool]] = []


def register_former_member_check(check: Callable[[Any], bool]) -> None:
    if check not in _former_member_checks:
        _former_member_checks.append(check)


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
    return COMMITTEE_MEMBER in _group_names(user) and not is_former_member(user)


def is_former_member(user: Any) -> bool:
    """True for a login whose person sat on committees but whose every membership has ended.

    The "Committee member" group is granted when an account is made and nobody removes it
    when a membership ends, so the end date itself must take the rights away, from the day
    after. A login with no membership rows at all (made by hand) keeps what its group gives.
    """
    cached = getattr(user, "_secmods_former_member", None)
    if cached is None:
        cached = any(check(user) for check in _former_member_checks)
        user._secmods_former_member = cached
    return cached
