"""Model permissions that end with the committee membership that gave them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import QuerySet

from secmods.core.roles import COMMITTEE_MEMBER, is_former_member


class MembershipAwareModelBackend(ModelBackend):
    """Django's ModelBackend, except that a former member's "Committee member" group counts
    for nothing: the admin then refuses them every page, from the day after the end date."""

    def _get_group_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        # Private in the stubs, but the documented way to narrow group permissions.
        permissions = super()._get_group_permissions(user_obj)  # type: ignore[misc]
        if is_former_member(user_obj):
            permissions = permissions.exclude(group__name=COMMITTEE_MEMBER)
        return permissions
