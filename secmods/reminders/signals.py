"""Keep the outbox in step with its events, in the same transaction as the change.

Why signals rather than calls in each service: milestones and meetings are written by the
modification services, by three admin forms (the milestone admin, the modification's
timetable inline, the meeting admin), by the REST API and by document import, and more
write paths will come. A post_save/post_delete receiver runs inside the saving transaction
(every one of those paths is atomic), so no path can forget to re-plan and a rollback
un-plans too. Writes that skip signals (QuerySet.update, bulk_create, loaddata) must call
`services.replan_event` themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from .services import replan_event


def _milestone_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        replan_event("milestone", instance.pk)


def _meeting_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    replan_event("meeting", instance.pk)
    # Milestones tied to the meeting end when it starts: a new time of day moves them too.
    for pk in instance.milestones.values_list("pk", flat=True):
        replan_event("milestone", pk)


def _meeting_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    replan_event("meeting", instance.pk)


def _milestone_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    replan_event("milestone", instance.pk)


def _agenda_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # The proposers and lead analysts of a meeting's modifications may be its recipients.
    if not raw:
        replan_event("meeting", instance.meeting_id)


def _modification_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from secmods.modifications.models import CLOSED_STAGES

    if raw or instance.stage not in CLOSED_STAGES:
        return
    # Withdrawn, closed, rejected or implemented: its milestones' reminders are withdrawn.
    for pk in instance.milestones.values_list("pk", flat=True):
        replan_event("milestone", pk)


def _membership_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from django.utils import timezone

    from secmods.committees.models import Meeting, MeetingStatus
    from secmods.modifications.models import Milestone

    if raw:
        return
    # A member who joins gets the reminders of the committee's coming meetings; one who
    # leaves stops getting them.
    upcoming = Meeting.objects.filter(
        committee_id=instance.committee_id,
        status=MeetingStatus.SCHEDULED,
        starts_at__gte=timezone.now(),
    ).values_list("pk", flat=True)
    for pk in list(upcoming):
        replan_event("meeting", pk)
    for pk in Milestone.objects.filter(meeting_id__in=list(upcoming)).values_list("pk", flat=True):
        replan_event("milestone", pk)


def connect() -> None:
    from secmods.committees.models import AgendaItem, Meeting, Membership
    from secmods.modifications.models import Milestone, Modification

    uid = "secmods.reminders"
    post_save.connect(_milestone_changed, sender=Milestone, dispatch_uid=f"{uid}.ms")
    post_delete.connect(_milestone_deleted, sender=Milestone, dispatch_uid=f"{uid}.ms_del")
    post_save.connect(_meeting_changed, sender=Meeting, dispatch_uid=f"{uid}.mt")
    post_delete.connect(_meeting_deleted, sender=Meeting, dispatch_uid=f"{uid}.mt_del")
    post_save.connect(_agenda_changed, sender=AgendaItem, dispatch_uid=f"{uid}.ag")
    post_delete.connect(_agenda_changed, sender=AgendaItem, dispatch_uid=f"{uid}.ag_del")
    post_save.connect(_modification_changed, sender=Modification, dispatch_uid=f"{uid}.mod")
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid=f"{uid}.mb")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid=f"{uid}.mb_del")
