"""Writes of meetings and agendas, and inviting committee members to their accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from secmods.core.concurrency import lock_for_write
from secmods.core.outbox import enqueue_after_commit
from secmods.core.pagecache import public_content_changed
from secmods.core.roles import COMMITTEE_MEMBER
from secmods.core.writes import save_fields
from secmods.modifications import services as modification_services
from secmods.modifications.models import Milestone, MilestoneKind, MilestoneStatus, Modification
from secmods.parties.models import Organisation, Person
from secmods.rules.dates import ApproxDate

from .models import (
    AgendaItem,
    AgendaPurpose,
    Committee,
    CommitteeKind,
    Meeting,
    MeetingStatus,
    Membership,
    Release,
)
from .reminders import replan_committee, replan_meeting, replan_members

SEND_ACCOUNT_INVITATION_TASK = "secmods.committees.tasks.send_account_invitation"

MILESTONE_KIND_FOR_COMMITTEE: dict[str, str] = {
    CommitteeKind.CSC: MilestoneKind.CSC,
    CommitteeKind.PANEL: MilestoneKind.PANEL,
    CommitteeKind.CHANGE_BOARD: MilestoneKind.CHANGE_BOARD,
    CommitteeKind.SUB_COMMITTEE: MilestoneKind.SUB_COMMITTEES,
    CommitteeKind.WORKING_GROUP: MilestoneKind.WORKING_GROUP,
}

PURPOSE_WORDS: dict[str, str] = {
    AgendaPurpose.INITIAL_COMMENT: "for initial comment",
    AgendaPurpose.FINAL_COMMENT: "for final comment and recommendations",
    AgendaPurpose.APPROVE_TIMETABLE: "to approve the timetable",
    AgendaPurpose.REFINEMENT: "for Refinement discussion",
    AgendaPurpose.DECISION: "for decision",
    AgendaPurpose.VOTE: "for vote",
    AgendaPurpose.UPDATE: "for an update",
}


# --- Meetings --------------------------------------------------------------------------
@transaction.atomic
def create_meeting(**fields: Any) -> Meeting:
    meeting = Meeting(**fields)
    meeting.full_clean()
    meeting.save()
    public_content_changed()
    replan_meeting(meeting.pk)
    return meeting


def schedule_meeting(
    *, committee: Committee, starts_at: datetime, title: str = "", location: str = ""
) -> Meeting:
    return create_meeting(committee=committee, starts_at=starts_at, title=title, location=location)


# What a calendar client must be told about: a new SEQUENCE makes it replace the event.
CALENDAR_FIELDS = ("starts_at", "location", "status")


@transaction.atomic
def _update_meeting(
    meeting: Meeting, *, expected_version: int | None = None, user: Any = None, **fields: Any
) -> tuple[Meeting, int]:
    locked = lock_for_write(Meeting, meeting.pk, expected_version=expected_version, what="meeting")
    before = {name: getattr(locked, name) for name in CALENDAR_FIELDS}
    for name, value in fields.items():
        setattr(locked, name, value)
    changed = {name for name in CALENDAR_FIELDS if getattr(locked, name) != before[name]}
    if changed:
        locked.sequence += 1  # calendars see the event as changed
    locked.version += 1
    locked.full_clean()
    if user is not None and getattr(user, "pk", None):
        locked._history_user = user  # type: ignore[attr-defined]
    locked.save()
    public_content_changed()
    for name in ("starts_at", "location", "status", "sequence", "version"):
        setattr(meeting, name, getattr(locked, name))
    was_cancelled = before["status"] == MeetingStatus.CANCELLED
    milestones_moved = 0
    if locked.status == MeetingStatus.CANCELLED:
        if not was_cancelled:
            milestones_moved = _milestones_to_be_confirmed(locked)
    elif "starts_at" in changed or was_cancelled:
        # Moved, or re-instated: its planned milestones take its day (again).
        milestones_moved = modification_services.follow_meeting(locked)
    if milestones_moved:
        # The moved milestones changed their modifications' timetables: stale edits of
        # those (API If-Match, the admin's loaded version) must be refused.
        Modification.objects.filter(
            pk__in=Milestone.objects.filter(meeting=locked).values("modification_id")
        ).update(version=F("version") + 1)
    replan_meeting(locked.pk)
    return locked, milestones_moved


def _milestones_to_be_confirmed(meeting: Meeting) -> int:
    """A cancelled meeting's planned milestones become TBC, keeping their first plan as the
    baseline ("TBC, was 29 Jun 2027") and their tie to the meeting (the register marks it
    cancelled). TBC is never a next key date; the analyst re-plans them to another meeting
    or date, or re-instates the meeting, which gives them its day again."""
    count = 0
    for milestone in Milestone.objects.select_for_update().filter(
        meeting=meeting, status=MilestoneStatus.PLANNED
    ):
        previous = milestone.when
        milestone.precision, milestone.date_from, milestone.date_to = (
            ApproxDate.tbc().precision,
            None,
            None,
        )
        modification_services.keep_baseline(milestone, previous)
        milestone.version += 1
        milestone.full_clean()
        milestone.save()
        count += 1
    return count


def update_meeting(
    meeting: Meeting, *, expected_version: int | None = None, user: Any = None, **fields: Any
) -> Meeting:
    """Change a meeting, version-checked. A change of time, place or status bumps its
    calendar SEQUENCE so subscribed calendars update the event; moving it moves the planned
    milestones tied to it; cancelling it makes them TBC (see `_milestones_to_be_confirmed`)."""
    return _update_meeting(meeting, expected_version=expected_version, user=user, **fields)[0]


def move_meeting(meeting: Meeting, *, starts_at: datetime) -> int:
    """Move a meeting; the planned milestones tied to it follow. Returns how many moved."""
    if meeting.starts_at == starts_at:
        return 0
    return _update_meeting(meeting, starts_at=starts_at)[1]


def cancel_meeting(
    meeting: Meeting, *, expected_version: int | None = None, user: Any = None
) -> Meeting:
    """Cancel a meeting: calendars get STATUS:CANCELLED with a higher SEQUENCE, and its
    planned milestones become TBC (no longer anyone's next key date)."""
    return update_meeting(
        meeting, expected_version=expected_version, user=user, status=MeetingStatus.CANCELLED
    )


# --- Agenda ----------------------------------------------------------------------------
@transaction.atomic
def add_to_agenda(
    meeting: Meeting,
    *,
    modification: Modification,
    purpose: str,
    milestone_label: str = "",
) -> AgendaItem:
    """Schedule a modification to a meeting: an agenda item at the end, and a planned
    milestone tied to the meeting (so that moving the meeting moves the timetable)."""
    if purpose not in AgendaPurpose.values:
        raise ValidationError({"purpose": f"'{purpose}' is not an agenda purpose."})
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"meeting": "This meeting is cancelled."})
    if AgendaItem.objects.filter(
        meeting=meeting, modification=modification, purpose=purpose
    ).exists():
        raise ValidationError(
            {"modification": f"{modification.reference} is already on this agenda for that."}
        )
    order = (meeting.agenda_items.aggregate(m=Max("order"))["m"] or 0) + 1
    item = AgendaItem(meeting=meeting, modification=modification, purpose=purpose, order=order)
    item.full_clean()
    item.save()
    public_content_changed()
    replan_meeting(meeting.pk)  # the proposers and lead analysts of its agenda are recipients
    if not Milestone.objects.filter(modification=modification, meeting=meeting).exists():
        committee = meeting.committee
        modification_services.add_milestone(
            modification,
            kind=MILESTONE_KIND_FOR_COMMITTEE.get(committee.kind, MilestoneKind.OTHER),
            label=milestone_label
            or f"Presented to {committee.abbreviation or committee.name} {PURPOSE_WORDS[purpose]}",
            meeting=meeting,
        )
    return item


@transaction.atomic
def update_agenda_item(item: AgendaItem, **fields: Any) -> AgendaItem:
    """Change an agenda item's meeting, modification, purpose or place (not its outcome:
    that is record_agenda_outcome)."""
    locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
    allowed = {"meeting", "modification", "purpose", "order"}
    if set(fields) - allowed:
        raise ValidationError("Outcomes are recorded from the meeting's agenda page.")
    before = (locked.meeting, locked.modification)
    for name, value in fields.items():
        setattr(locked, name, value)
    if locked.meeting.status == MeetingStatus.CANCELLED and "meeting" in fields:
        raise ValidationError({"meeting": "This meeting is cancelled."})
    locked.full_clean()
    locked.save()
    if before != (locked.meeting, locked.modification):
        _follow_agenda(*before, to_meeting=locked.meeting, to_modification=locked.modification)
    replan_meeting(before[0].pk)
    if locked.meeting_id != before[0].pk:
        replan_meeting(locked.meeting_id)
    modification_services.bump_version(locked.modification)
    return locked


def _follow_agenda(
    meeting: Meeting, modification: Modification, *, to_meeting: Meeting, to_modification: Any
) -> None:
    """An item moved to another meeting (or modification): the planned milestone tied to
    where it was follows it, as adding it would have planned one; none is left tied to a
    meeting the modification is no longer presented at."""
    if AgendaItem.objects.filter(meeting=meeting, modification=modification).exists():
        return  # still presented there for another purpose
    tied = Milestone.objects.filter(
        modification=modification, meeting=meeting, status=MilestoneStatus.PLANNED
    ).first()
    if (
        tied is not None
        and to_modification.pk == modification.pk
        and not (Milestone.objects.filter(modification=modification, meeting=to_meeting).exists())
    ):
        modification_services.replan_milestone(tied, meeting=to_meeting)
    else:
        modification_services.untie_from_meeting(modification, meeting)


@transaction.atomic
def remove_from_agenda(item: AgendaItem) -> None:
    """Take a modification off an agenda. Once it is on the meeting's agenda for nothing
    else, its planned milestones tied to the meeting are untied and become TBC, keeping
    their first plan as the baseline (a milestone tied to a meeting takes the meeting's
    day, docs/domain.md, "The timetable"): the analyst plans them again."""
    locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
    modification = locked.modification
    meeting = locked.meeting
    locked.delete()
    if not AgendaItem.objects.filter(meeting=meeting, modification=modification).exists():
        modification_services.untie_from_meeting(modification, meeting)
    replan_meeting(meeting.pk)
    modification_services.bump_version(modification)


@transaction.atomic
def delete_meeting(meeting: Meeting) -> None:
    locked = lock_for_write(Meeting, meeting.pk, expected_version=None)
    Modification.objects.filter(
        pk__in=Milestone.objects.filter(meeting=locked).values("modification_id")
    ).update(version=F("version") + 1)
    tied = list(Milestone.objects.filter(meeting=locked).values_list("pk", flat=True))
    pk = locked.pk
    locked.delete()
    public_content_changed()
    replan_meeting(pk, tied)  # withdrawn; the milestones no longer end when it starts


@transaction.atomic
def reorder_agenda(meeting: Meeting, item_ids: Sequence[int]) -> list[AgendaItem]:
    """Put the agenda in the given order; the ids must be exactly the meeting's items."""
    items = {item.pk: item for item in meeting.agenda_items.select_for_update()}
    given = [int(i) for i in item_ids]
    if len(set(given)) != len(given) or set(given) != set(items):
        raise ValidationError(
            {"items": "Give every item of this agenda exactly once (no more, no others)."}
        )
    ordered = []
    for position, pk in enumerate(given, start=1):
        item = items[pk]
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])
        ordered.append(item)
    public_content_changed()
    replan_meeting(meeting.pk)  # its reminders list the agenda in order
    return ordered


@transaction.atomic
def record_agenda_outcome(
    item: AgendaItem,
    *,
    outcome: str,
    decision: str = "",
    actions: str = "",
    user: Any = None,
) -> AgendaItem:
    """Minute an agenda item. The modification's planned milestones tied to the meeting are
    marked done on the meeting's date (its first plan kept as the baseline)."""
    if not (outcome or "").strip():
        raise ValidationError({"outcome": "Write what the meeting concluded."})
    locked = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    meeting = locked.meeting
    if meeting.starts_at > timezone.now():
        raise ValidationError(
            {"outcome": "The meeting has not happened yet; record its outcome afterwards."}
        )
    locked.outcome = outcome.strip()
    locked.decision = (decision or "").strip()
    locked.actions = (actions or "").strip()
    locked.outcome_recorded_at = timezone.now()
    locked.full_clean()
    locked.save()
    day = ApproxDate.day(meeting.date)
    for milestone in (
        Milestone.objects.select_for_update()
        .filter(modification_id=locked.modification_id, meeting=meeting)
        .exclude(status=MilestoneStatus.CANCELLED)
    ):
        previous = milestone.when
        milestone.precision, milestone.date_from, milestone.date_to = (
            day.precision,
            day.start,
            day.end,
        )
        modification_services.keep_baseline(milestone, previous)
        milestone.status = MilestoneStatus.DONE
        milestone.version += 1
        if user is not None and getattr(user, "pk", None):
            milestone._history_user = user  # type: ignore[attr-defined]
        milestone.full_clean()
        milestone.save()
    if meeting.status == MeetingStatus.SCHEDULED:
        # Through the meeting's own update: a change of status is a new calendar SEQUENCE.
        _update_meeting(meeting, user=user, status=MeetingStatus.HELD)
    replan_meeting(meeting.pk)  # the milestones done are reminded of no more
    modification_services.bump_version(locked.modification)
    for name in ("outcome", "decision", "actions", "outcome_recorded_at"):
        setattr(item, name, getattr(locked, name))
    return locked


# --- Committee members' accounts --------------------------------------------------------
def set_password_link(user: Any) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token])


def invite_committee_member(
    *,
    email: str,
    name: str,
    committee: Committee | None = None,
    organisation: Organisation | None = None,
    party_category: Any = None,
    start_date: Any = None,
) -> Any:
    """Create a committee member's account (no password yet); a worker emails the
    set-password link once it is committed.

    The link is Django's password-reset link: it works once and lapses after
    PASSWORD_RESET_TIMEOUT; the member can ask for a new one from the login page."""
    User = get_user_model()
    email = (email or "").strip().lower()
    name = (name or "").strip()
    if not email or not name:
        raise ValidationError("Give the member's name and email address.")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"An account with {email} exists already."})
    with transaction.atomic():
        first, _, last = name.partition(" ")
        user = User(username=email, email=email, first_name=first, last_name=last)
        user.is_staff = True  # the admin is where members read reports and comment
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.add(Group.objects.get(name=COMMITTEE_MEMBER))
        person = Person.objects.filter(email__iexact=email, user__isnull=True).first()
        if person is None:
            person = Person(name=name, email=email, organisation=organisation)
        person.user = user
        person.full_clean()
        person.save()
        if committee is not None:
            Membership.objects.create(
                person=person,
                committee=committee,
                party_category=party_category,
                start_date=start_date or timezone.localdate(),
            )
            replan_members(committee.pk)
        enqueue_after_commit(
            SEND_ACCOUNT_INVITATION_TASK, user.pk, committee.pk if committee else None
        )
    return user


def deliver_account_invitation(user_id: int, committee_id: int | None) -> str:
    """Email a new member the set-password link (in the worker). The link is made here, so
    it is valid from when it is sent."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or user.has_usable_password():
        return "nothing to do"  # gone, or the password is set already
    committee = Committee.objects.filter(pk=committee_id).first() if committee_id else None
    committees = f" of the {committee.name}" if committee else ""
    name = user.get_full_name() or user.email
    send_mail(
        "Your secmods account",
        f"Dear {name},\n\nSECAS has created your secmods account as a member{committees}. "
        f"Choose your password here:\n{set_password_link(user)}\n\n"
        f"Your username is {user.email}. The link works once; if it has lapsed, use "
        f"'Forgotten your password?' on {settings.SITE_URL}/admin/login/.\n\nSECAS\n",
        None,
        [user.email],
    )
    return "sent"


# --- Memberships ------------------------------------------------------------------------
@transaction.atomic
def save_membership(membership: Membership | None = None, **fields: Any) -> Membership:
    """Add a committee membership or change one (its person, committee, role, Party
    Category, dates); the reminder receivers re-plan who is reminded."""
    membership = membership or Membership()
    before = membership.committee_id if membership.pk else None
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.full_clean()
    membership.save()
    replan_members(membership.committee_id)
    if before is not None and before != membership.committee_id:
        replan_members(before)
    return membership


@transaction.atomic
def end_membership(membership: Membership) -> None:
    """Delete a membership row (staff normally set its end date instead)."""
    committee_id = membership.committee_id
    membership.delete()
    replan_members(committee_id)


# --- Committees and SEC Releases --------------------------------------------------------
@transaction.atomic
def save_committee(committee: Committee | None = None, **fields: Any) -> Committee:
    """Add a committee or change one. A new papers-due count moves the papers-due day of
    every coming meeting, so their reminders are planned again."""
    committee = save_fields(committee or Committee(), fields)
    replan_committee(committee)
    public_content_changed()  # the register names it
    return committee


@transaction.atomic
def delete_committee(committee: Committee) -> None:
    """Delete a committee with its meetings, memberships and agendas (Django cascades):
    each meeting through `delete_meeting`, so its milestones are untied and its reminders
    withdrawn as when a meeting alone is deleted."""
    for meeting in list(committee.meetings.all()):
        delete_meeting(meeting)
    committee.delete()
    public_content_changed()  # the register names it


@transaction.atomic
def save_release(release: Release | None = None, **fields: Any) -> Release:
    """Add a SEC Release or change its name or date."""
    release = save_fields(release or Release(), fields)
    public_content_changed()  # the register names it
    return release


@transaction.atomic
def delete_release(release: Release) -> None:
    release.delete()
    public_content_changed()  # the register names it
