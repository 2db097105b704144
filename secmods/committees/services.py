"""Writes to meetings: a moved meeting carries its milestones (and calendars) with it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from secmods.modifications.models import Milestone, Modification
from secmods.modifications.services import follow_meeting

from .models import Meeting


@transaction.atomic
def create_meeting(**fields: Any) -> Meeting:
    meeting = Meeting(**fields)
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def update_meeting(
    meeting: Meeting, *, expected_version: int | None = None, **fields: Any
) -> Meeting:
    """Change a meeting, version-checked; moving it moves the milestones tied to it and
    bumps its calendar SEQUENCE so subscribed calendars update the event."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            f"Someone else changed this meeting since you read it (version {expected_version}, "
            f"now {locked.version}). Fetch it again and make your change again.",
            code="stale",
            params={"current_version": locked.version},
        )
    moved = "starts_at" in fields and fields["starts_at"] != locked.starts_at
    status_changed = "status" in fields and fields["status"] != locked.status
    for name, value in fields.items():
        setattr(locked, name, value)
    if moved or status_changed:
        locked.sequence += 1
    locked.version += 1
    locked.full_clean()
    locked.save()
    if moved:
        follow_meeting(locked)
        # The moved milestones changed their modifications' timetables: stale edits of
        # those (API If-Match, the admin's loaded version) must be refused.
        Modification.objects.filter(
            pk__in=Milestone.objects.filter(meeting=locked).values("modification_id")
        ).update(version=F("version") + 1)
    return locked
