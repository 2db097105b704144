"""The permission matrix: anonymous / committee member / SECAS staff × every endpoint and method.

A method an endpoint does not have is 405 for everyone. Reads of public material are open;
every write is 401 for anonymous callers, 403 for committee members, except comments, which
members write and edit (only their own).
"""

from __future__ import annotations

import pytest

from secmods.consultations.models import Comment
from tests.factories import CommentFactory, UserFactory

MOD = "/api/v1/modifications"
NEW_MODIFICATION = {"title": "Remove the CSR forecast", "raised_on": "2021-04-19"}
NEW_MILESTONE = {
    "kind": "working_group",
    "label": "Working Group",
    "when": {"date": "2021-07-01", "precision": "quarter"},
}
NEW_MEETING = {"committee": "csc", "starts_at": "2021-07-06T10:00:00+01:00"}
NEW_TERM = {
    "acronym": "TABASC",
    "full_term": "Technical Architecture and Business Architecture Sub-Committee",
}

# (method, url, body, expected for anonymous, member, staff)
MATRIX = [
    ("get", f"{MOD}/", None, 200, 200, 200),
    ("post", f"{MOD}/", NEW_MODIFICATION, 401, 403, 201),
    ("get", f"{MOD}/MP160/", None, 200, 200, 200),
    ("put", f"{MOD}/MP160/", NEW_MODIFICATION, 401, 403, 200),
    ("patch", f"{MOD}/MP160/", {"latest_update": "CSC met."}, 401, 403, 200),
    ("delete", f"{MOD}/MP160/", None, 405, 405, 405),
    ("post", f"{MOD}/MP160/transitions/", {"to": "closed", "reason": "Merged."}, 401, 403, 200),
    ("get", f"{MOD}/MP160/milestones/", None, 200, 200, 200),
    ("post", f"{MOD}/MP160/milestones/", NEW_MILESTONE, 401, 403, 201),
    ("get", f"{MOD}/MP160/milestones/3/", None, 200, 200, 200),
    ("put", f"{MOD}/MP160/milestones/3/", NEW_MILESTONE, 401, 403, 200),
    ("patch", f"{MOD}/MP160/milestones/3/", {"label": "SSC and TABASC"}, 401, 403, 200),
    ("delete", f"{MOD}/MP160/milestones/3/", None, 401, 403, 204),
    ("get", f"{MOD}/MP160/comments/", None, 401, 200, 200),
    ("post", f"{MOD}/MP160/comments/", {"text": "Supportive."}, 401, 201, 201),
    ("get", f"{MOD}/MP160/comments/{{own}}/", None, 401, 200, 200),
    ("patch", f"{MOD}/MP160/comments/{{own}}/", {"text": "Edited."}, 401, 200, 200),
    ("put", f"{MOD}/MP160/comments/{{own}}/", {"text": "Edited."}, 401, 200, 200),
    ("patch", f"{MOD}/MP160/comments/{{other}}/", {"text": "Edited."}, 401, 403, 200),
    ("put", f"{MOD}/MP160/comments/{{other}}/", {"text": "Edited."}, 401, 403, 200),
    ("patch", f"{MOD}/MP160/comments/{{own}}/", {"noted_in_report": True}, 401, 403, 200),
    ("delete", f"{MOD}/MP160/comments/{{own}}/", None, 405, 405, 405),
    ("get", "/api/v1/meetings/", None, 200, 200, 200),
    ("post", "/api/v1/meetings/", NEW_MEETING, 401, 403, 201),
    ("get", "/api/v1/meetings/1/", None, 200, 200, 200),
    ("put", "/api/v1/meetings/1/", NEW_MEETING, 401, 403, 200),
    ("patch", "/api/v1/meetings/1/", {"location": "Online"}, 401, 403, 200),
    ("delete", "/api/v1/meetings/1/", None, 405, 405, 405),
    ("get", "/api/v1/committees/", None, 200, 200, 200),
    ("get", "/api/v1/committees/csc/", None, 200, 200, 200),
    ("post", "/api/v1/committees/", {"name": "X"}, 405, 405, 405),
    ("get", "/api/v1/glossary/", None, 200, 200, 200),
    ("post", "/api/v1/glossary/", NEW_TERM, 401, 403, 201),
    ("get", "/api/v1/glossary/csr/", None, 200, 200, 200),
    ("put", "/api/v1/glossary/CSR/", NEW_TERM, 401, 403, 200),
    ("patch", "/api/v1/glossary/csr/", {"description": "A request."}, 401, 403, 200),
    ("delete", "/api/v1/glossary/csr/", None, 401, 403, 204),
]


def _ids() -> list[str]:
    return [f"{m.upper()} {u} {b!r}"[:90] for m, u, b, *_ in MATRIX]


@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
@pytest.mark.parametrize(("method", "url", "body", "anon", "member", "staff"), MATRIX, ids=_ids())
def test_permission_matrix(seed, apis, member_user, role, method, url, body, anon, member, staff):  # type: ignore[no-untyped-def]
    own = CommentFactory(modification=seed, author=member_user)
    other = CommentFactory(modification=seed, author=UserFactory(committee_member=True))
    url = url.format(own=own.pk, other=other.pk)
    response = getattr(apis[role], method)(url, body, format="json")
    expected = {"anonymous": anon, "member": member, "staff": staff}[role]
    assert response.status_code == expected, response.content
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Token")
    if expected in (401, 403, 405):
        # A refused write changes nothing.
        assert Comment.objects.get(pk=own.pk).text == own.text
        seed.refresh_from_db()
        assert seed.version == 1


@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
def test_a_member_creates_comments_as_themselves(seed, apis, member_user, role):  # type: ignore[no-untyped-def]
    response = apis["member"].post(f"{MOD}/dp160/comments/", {"text": "Agreed."}, format="json")
    assert response.status_code == 201
    assert response.json()["author"] == member_user.username
    assert response.json()["modification"] == "DP160"


def test_session_authentication_works_too(seed, client, secas_user):  # type: ignore[no-untyped-def]
    # Signed in by session (the admin's login); writes need the CSRF token in a browser,
    # which the test client waives. Log in the user as stored: UserFactory sets the password
    # after saving without saving again, so its in-memory session hash is not the stored one.
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(pk=secas_user.pk))
    response = client.patch(
        f"{MOD}/MP160/", {"latest_update": "Via session"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["latest_update"] == "Via session"
