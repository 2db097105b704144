"""Writes to modifications, their report sections, timetables and stage history."""

from __future__ import annotations

import string
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from secmods.core.concurrency import lock_for_write
from secmods.core.exceptions import MoveRefused
from secmods.core.pagecache import public_content_changed
from secmods.core.writes import save_fields
from secmods.reminders.services import (
    modification_event_refs,
    replan_event,
    replan_modification_events,
)
from secmods.rules import lifecycle
from secmods.rules.dates import ApproxDate

from .models import (
    Milestone,
    MilestoneStatus,
    Modification,
    ReportSection,
    SecSection,
    StageChange,
)


def next_modification_number() -> int:
    return (Modification.objects.aggregate(m=Max("number"))["m"] or 0) + 1


def next_alternative_suffix(number: int) -> str:
    used = set(Modification.objects.filter(number=number).values_list("suffix", flat=True))
    if "" not in used:
        raise ValidationError(
            {"number": f"There is no modification {number} to be an alternative of."}
        )
    for letter in string.ascii_uppercase:
        if letter not in used:
            return letter
    raise ValidationError(
        {"suffix": f"Modification {number} has no letters left for alternatives."}
    )


@transaction.atomic
def create_modification(
    *,
    title: str,
    raised_on: date,
    number: int | None = None,
    alternative_of: Modification | None = None,
    **fields: Any,
) -> Modification:
    """A new Draft Proposal with the next number, or an alternative with the next letter."""
    sec_sections = fields.pop("sec_sections", None)
    impacted = fields.pop("impacted_party_categories", None)
    if alternative_of is not None:
        number = alternative_of.number
        fields["suffix"] = next_alternative_suffix(number)
    elif number is None:
        number = next_modification_number()
    user = fields.pop("user", None)
    modification = Modification(title=title, raised_on=raised_on, number=number, **fields)
    modification.full_clean()
    _history_user(modification, user)
    try:
        with transaction.atomic():
            modification.save()
    except IntegrityError as exc:
        raise ValidationError({"number": f"{modification.reference} exists already."}) from exc
    if sec_sections is not None:
        modification.sec_sections.set(sec_sections)
    if impacted is not None:
        modification.impacted_party_categories.set(impacted)
    public_content_changed()
    return modification


def bump_version(modification: Modification) -> None:
    """Every write moves the version on, so a stale edit (If-Match, admin) is detected.
    The register's pages show the modification: their cached copies go too."""
    public_content_changed()
    Modification.objects.filter(pk=modification.pk).update(version=F("version") + 1)
    modification.version += 1


def _history_user(obj: Any, user: Any) -> None:
    if user is not None and getattr(user, "pk", None):
        obj._history_user = user


@transaction.atomic
def publish_modification(modification: Modification, *, when: Any = None) -> Modification:
    if modification.published_at is None:
        modification.published_at = when or timezone.now()
        modification.save(update_fields=["published_at", "updated_at"])
        bump_version(modification)
    return modification


@transaction.atomic
def move_stage(
    modification: Modification,
    *,
    to: str,
    reason: str = "",
    decided_by: str = "",
    meeting: Any = None,
    user: Any = None,
    expected_version: int | None = None,
) -> StageChange:
    """Move a modification through the lifecycle table, or raise MoveRefused with why."""
    # Lock the row: two analysts moving the same modification at once see each other.
    locked = lock_for_write(
        Modification, modification.pk, expected_version=expected_version, what="modification"
    )
    request = lifecycle.MoveRequest(to=to, reason=reason, decided_by=decided_by, meeting=meeting)
    reasons = lifecycle.refusals(locked, request)
    if reasons:
        raise MoveRefused(reasons, code="move_refused")
    change = StageChange.objects.create(
        modification=locked,
        from_stage=locked.stage,
        to_stage=to,
        changed_at=timezone.now(),
        changed_by=user if getattr(user, "pk", None) else None,
        decided_by=decided_by,
        meeting=meeting,
        reason=reason,
    )
    # The table says what a move sets besides the stage (the appeal window's end).
    changes = lifecycle.effects(change.from_stage, request)
    for name, value in changes.items():
        setattr(locked, name, value)
    update_fields = [*changes, "updated_at"]
    _history_user(locked, user)
    locked.save(update_fields=update_fields)
    bump_version(locked)
    # Withdrawn, closed, rejected or implemented: its reminders are withdrawn (and planned
    # again should it re-open), whatever app's events they are.
    replan_modification_events(locked.pk)
    for name in ("stage", "appeal_window_closes_on", "version", "updated_at"):
        setattr(modification, name, getattr(locked, name))
    return change


# --- Timetable -------------------------------------------------------------------------
def _apply_when(milestone: Milestone, when: ApproxDate) -> None:
    reason = when.is_consistent()
    if reason:
        raise ValidationError({"when": reason})
    milestone.precision = when.precision
    milestone.date_from = when.start
    milestone.date_to = when.end


def _lock_modification(modification_id: int) -> Modification:
    # Always the modification before its milestones (the admin's form locks it first), so
    # two writers never wait for each other in opposite orders (a deadlock on PostgreSQL).
    return lock_for_write(Modification, modification_id, expected_version=None)


@transaction.atomic
def add_milestone(
    modification: Modification,
    *,
    kind: str,
    label: str,
    when: ApproxDate | None = None,
    meeting: Any = None,
    status: str = MilestoneStatus.PLANNED,
    date_text: str = "",
    order: int | None = None,
    user: Any = None,
) -> Milestone:
    _lock_modification(modification.pk)
    if meeting is not None:
        when = ApproxDate.day(meeting.date)
    if when is None:
        when = ApproxDate.tbc()
    if order is None:
        order = (modification.milestones.aggregate(m=Max("order"))["m"] or 0) + 1
    milestone = Milestone(
        modification=modification,
        kind=kind,
        label=label,
        meeting=meeting,
        status=status,
        date_text=date_text,
        order=order,
    )
    _apply_when(milestone, when)
    milestone.full_clean()
    _history_user(milestone, user)
    milestone.save()
    replan_event("milestone", milestone.pk)
    bump_version(modification)
    return milestone


def keep_baseline(milestone: Milestone, previous: ApproxDate) -> None:
    """Before a milestone is first re-planned, keep the date it had as its baseline."""
    if not milestone.baseline_precision and previous != milestone.when:
        milestone.baseline_precision = previous.precision
        milestone.baseline_from = previous.start
        milestone.baseline_to = previous.end


def _lock_milestone(milestone: Milestone, expected_version: int | None) -> Milestone:
    _lock_modification(milestone.modification_id)
    return lock_for_write(
        Milestone, milestone.pk, expected_version=expected_version, what="milestone"
    )


@transaction.atomic
def replan_milestone(
    milestone: Milestone,
    *,
    when: ApproxDate | None = None,
    meeting: Any = None,
    expected_version: int | None = None,
    user: Any = None,
) -> Milestone:
    """Move a milestone to a new date or meeting, keeping its first plan as the baseline."""
    if meeting is None and when is None:
        raise ValidationError({"when": "Give a new date or a meeting."})
    fields: dict[str, Any] = {} if meeting is None else {"meeting": meeting}
    return update_milestone(
        milestone, expected_version=expected_version, when=when, user=user, **fields
    )


@transaction.atomic
def follow_meeting(meeting: Any) -> int:
    """A moved meeting moves the planned milestones tied to it. Returns how many moved."""
    moved = 0
    day = ApproxDate.day(meeting.date)
    for milestone in Milestone.objects.select_for_update().filter(
        meeting=meeting, status=MilestoneStatus.PLANNED
    ):
        if milestone.when != day:
            previous = milestone.when
            _apply_when(milestone, day)
            keep_baseline(milestone, previous)
            milestone.version += 1
            milestone.save()
            moved += 1
        # Tied to the meeting, its reminders end when the meeting starts: a new time of day
        # moves them too, even when the day stays.
        replan_event("milestone", milestone.pk)
    if moved:
        public_content_changed()
    return moved


# --- Edits with optimistic concurrency (the API's If-Match, the admin's loaded version) ---
@transaction.atomic
def update_modification(
    modification: Modification,
    *,
    expected_version: int | None = None,
    user: Any = None,
    **fields: Any,
) -> Modification:
    """Change a modification's fields (not its stage: that is `move_stage`), version-checked."""
    locked = lock_for_write(
        Modification, modification.pk, expected_version=expected_version, what="modification"
    )
    if "stage" in fields:
        raise ValidationError({"stage": "Stages change only through the lifecycle moves."})
    sec_sections = fields.pop("sec_sections", None)
    impacted = fields.pop("impacted_party_categories", None)
    recipients_before = (locked.proposer_id, locked.lead_analyst_id)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    _history_user(locked, user)
    locked.save()
    if sec_sections is not None:
        locked.sec_sections.set(sec_sections)
    if impacted is not None:
        locked.impacted_party_categories.set(impacted)
    bump_version(locked)
    if (locked.proposer_id, locked.lead_analyst_id) != recipients_before:
        # Reminders are planned per recipient address: a new lead analyst or proposer gets
        # the upcoming ones, the one replaced gets none.
        replan_modification_events(locked.pk)
    return locked


@transaction.atomic
def update_milestone(
    milestone: Milestone,
    *,
    expected_version: int | None = None,
    when: ApproxDate | None = None,
    user: Any = None,
    **fields: Any,
) -> Milestone:
    """Change a milestone; a new date or meeting keeps the first plan as the baseline.
    Moved to another modification, both timetables changed: both versions move on."""
    target = fields.get("modification")
    moved_from = None
    # As saved, not as the caller holds it (the admin's form has already set the new one).
    stored = Milestone.objects.filter(pk=milestone.pk).values_list("modification_id", flat=True)
    from_pk = stored.first()
    if target is not None and from_pk is not None and target.pk != from_pk:
        # Both modifications, lowest id first: two moves in opposite directions never
        # wait for each other (a deadlock on PostgreSQL).
        for pk in sorted({from_pk, target.pk}):
            _lock_modification(pk)
        moved_from = Modification.objects.get(pk=from_pk)
    locked = _lock_milestone(milestone, expected_version)
    previous = locked.when
    for name, value in fields.items():
        setattr(locked, name, value)
    if "meeting" in fields and locked.meeting is not None:
        when = ApproxDate.day(locked.meeting.date)
    if when is not None:
        _apply_when(locked, when)
        keep_baseline(locked, previous)
    locked.version += 1
    locked.full_clean()
    _history_user(locked, user)
    locked.save()
    replan_event("milestone", locked.pk)
    bump_version(locked.modification)
    if moved_from is not None:
        bump_version(moved_from)
    return locked


@transaction.atomic
def untie_from_meeting(modification: Modification, meeting: Any) -> int:
    """The modification is no longer presented at the meeting: its planned milestones tied
    to it lose the tie and the meeting's day (TBC, keeping the first plan as the baseline:
    "TBC, was 29 Jun 2027") until the analyst plans them again. Done ones stay, as the
    record of what happened there. Returns how many were untied."""
    _lock_modification(modification.pk)
    count = 0
    for milestone in Milestone.objects.select_for_update().filter(
        modification=modification, meeting=meeting, status=MilestoneStatus.PLANNED
    ):
        previous = milestone.when
        milestone.meeting = None
        _apply_when(milestone, ApproxDate.tbc())
        keep_baseline(milestone, previous)
        milestone.version += 1
        milestone.full_clean()
        milestone.save()
        replan_event("milestone", milestone.pk)
        count += 1
    if count:
        bump_version(modification)
    return count


@transaction.atomic
def delete_milestone(
    milestone: Milestone, *, expected_version: int | None = None, user: Any = None
) -> None:
    locked = _lock_milestone(milestone, expected_version)
    modification = locked.modification
    _history_user(locked, user)
    pk = locked.pk
    locked.delete()
    public_content_changed()
    replan_event("milestone", pk)
    bump_version(modification)


# --- Report sections ---------------------------------------------------------------------
@transaction.atomic
def save_report_section(
    modification: Modification,
    *,
    section: ReportSection | None = None,
    user: Any = None,
    **fields: Any,
) -> ReportSection:
    """Add a section of the Modification Report, or change one; the modification's version
    moves on either way (an open edit of it is then stale)."""
    _lock_modification(modification.pk)
    if section is None:
        section = ReportSection(modification=modification)
        if fields.get("order") is None:
            fields["order"] = (modification.sections.aggregate(m=Max("order"))["m"] or 0) + 1
    elif section.modification_id != modification.pk:
        raise ValidationError("This section belongs to another modification.")
    for name, value in fields.items():
        setattr(section, name, value)
    section.full_clean()
    section.save()
    bump_version(modification)
    return section


@transaction.atomic
def delete_report_section(section: ReportSection) -> None:
    modification = _lock_modification(section.modification_id)
    section.delete()
    public_content_changed()  # the register names it
    bump_version(modification)


@transaction.atomic
def delete_modification(modification: Modification, *, user: Any = None) -> None:
    """Delete a modification with its timetable, sections and stage history (the database
    refuses while votes, documents or other rows still protect it)."""
    locked = lock_for_write(Modification, modification.pk, expected_version=None)
    _history_user(locked, user)
    refs = modification_event_refs(locked.pk)  # read first: they go with it
    pk = locked.pk
    locked.delete()
    public_content_changed()
    replan_modification_events(pk, refs)


# --- SEC Sections ----------------------------------------------------------------------
@transaction.atomic
def save_sec_section(section: SecSection | None = None, **fields: Any) -> SecSection:
    """Add a Section of the SEC or change its code or title."""
    section = save_fields(section or SecSection(), fields)
    public_content_changed()  # the register names it
    return section


@transaction.atomic
def delete_sec_section(section: SecSection) -> None:
    """Delete a Section: the modifications that named it lose it, so their versions move on
    (a stale edit of one would otherwise put it back)."""
    Modification.objects.filter(sec_sections=section).update(version=F("version") + 1)
    section.delete()
