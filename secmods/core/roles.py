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
    return COMMITTEE_MEMBER in _group_names(user) and not is_former_member(user)


def is_former_member(user: Any) -> bool:
    """True for a login whose person sat on committees but whose every membership has ended.

    The "Committee member" group is granted when an account is made and nobody removes it
    when a membership ends, so the end date itself must take the rights away, from the day
    after. A login with no membership rows at all (made by hand) keeps what its group gives.
    """
    cached = getattr(user, "_secmods_former_member", None)
    if cached is None:
        from django.db.models import Q
        from django.utils import timezone

        from secmods.committees.models import Membership

        today = timezone.localdate()
        memberships = Membership.objects.filter(person__user_id=user.pk) if user.pk else None
        cached = bool(
            memberships is not None
            and memberships.exists()
            and not memberships.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
            ).exists()
        )
        user._secmods_former_member = cached
    return cached
