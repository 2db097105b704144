"""API permission classes stating the role rules once (the admin asks the same functions).

An anonymous request refused here is answered 401 (TokenAuthentication, first in the
settings, sends WWW-Authenticate); a signed-in user without the role gets 403.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from .roles import is_committee_member, is_secas_staff


class IsSecasStaffOrReadOnly(BasePermission):
    """Anyone reads (the querysets hide what they may not see); only SECAS staff write."""

    message = "Only SECAS staff can change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_secas_staff(request.user)


class IsSecasStaffOrCommitteeMember(BasePermission):
    """For material that only the two roles see, such as committee members' comments."""

    message = "Only SECAS staff and committee members can see or write this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_secas_staff(request.user) or is_committee_member(request.user)


class IsSecasStaff(BasePermission):
    """For what only SECAS staff see, reads included (a summary counting confidential
    responses)."""

    message = "Only SECAS staff can see this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_secas_staff(request.user)
