"""The data migrations give the two roles their permissions on the new models."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("perm", "staff", "member"),
    [
        ("consultations.add_consultation", True, False),
        ("consultations.view_consultation", True, True),
        ("consultations.view_question", True, True),
        ("consultations.view_response", True, False),  # confidential ones: staff only
        ("consultations.change_invitation", True, False),
        ("consultations.add_comment", True, True),
        ("votes.add_vote", True, False),
        ("votes.view_ballot", True, True),
        ("votes.change_decisionrule", True, False),
    ],
)
def test_role_permissions(secas_user, member_user, perm, staff, member):
    assert secas_user.has_perm(perm) is staff
    assert member_user.has_perm(perm) is member
