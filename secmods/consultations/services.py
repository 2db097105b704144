"""Writes of committee comments, with the membership rule."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from secmods.committees.selectors import active_committee_ids
from secmods.core.roles import is_secas_staff

from .models import Comment


def check_comment_meeting(author: Any, meeting: Any) -> None:
    """A comment tied to a meeting needs an active Membership of that meeting's committee
    (SECAS staff, who minute meetings, are exempt)."""
    if meeting is None or is_secas_staff(author):
        return
    if meeting.committee_id not in active_committee_ids(author, timezone.localdate()):
        raise ValidationError(
            {
                "meeting": f"You are not an active member of the {meeting.committee}, "
                "so you cannot comment at its meetings."
            }
        )


@transaction.atomic
def create_comment(
    *, author: Any, modification: Any, text: str, position: str = "", meeting: Any = None
) -> Comment:
    check_comment_meeting(author, meeting)
    comment = Comment(
        author=author, modification=modification, text=text, position=position, meeting=meeting
    )
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def update_comment(comment: Comment, *, editor: Any, **fields: Any) -> Comment:
    if not can_edit_comment(editor, comment):
        raise ValidationError("You can change only your own comments.", code="not_author")
    for name, value in fields.items():
        setattr(comment, name, value)
    if "meeting" in fields:
        check_comment_meeting(comment.author, comment.meeting)
    comment.full_clean()
    comment.save()
    return comment


def can_edit_comment(user: Any, comment: Comment) -> bool:
    return is_secas_staff(user) or (user.is_authenticated and comment.author_id == user.pk)
