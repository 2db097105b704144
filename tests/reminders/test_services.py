"""reminders.services: a rule that arrives without the service (a data migration) plans its
events exactly as one saved by staff."""

from __future__ import annotations

import datetime as dt

from django.core.management.sql import emit_post_migrate_signal
from django.utils import timezone

from secmods.reminders import services
from secmods.reminders.models import Reminder, ReminderRule, ReminderStatus
from tests.factories import CommitteeFactory, MeetingFactory

RULE = {
    "event_kind": "meeting",
    "offset_unit": "working_days",
    "offset": 5,
    "send_time": dt.time(9, 0),
    "recipient_kinds": ["named"],
    "addresses": "secretariat@example.org",
    "subject_template": "Papers for {{ meeting }}",
    "text_template": "Papers for {{ event_label }} go out today.",
}


def _planned(rule: ReminderRule) -> set[tuple[str, dt.datetime, str]]:
    return set(
        Reminder.objects.filter(rule=rule, status=ReminderStatus.PLANNED).values_list(
            "event_ref", "due_at", "recipient_email"
        )
    )


def test_a_rule_shipped_by_a_migration_plans_like_one_saved_by_staff(db):  # type: ignore[no-untyped-def]
    committee = CommitteeFactory()
    for weeks in (3, 6):
        MeetingFactory(committee=committee, starts_at=timezone.now() + dt.timedelta(weeks=weeks))
    # As a data migration writes it: the ORM, no service, so nothing is planned yet.
    shipped = ReminderRule.objects.create(name="Shipped", **RULE)
    assert shipped.planned_at is None and not _planned(shipped)

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    by_staff = ReminderRule.objects.create(name="Saved by staff", **RULE)
    services.replan_rule(by_staff)  # what ReminderRuleAdmin.save_model calls
    assert len(_planned(shipped)) == 2
    assert _planned(shipped) == _planned(by_staff)
    shipped.refresh_from_db()
    assert shipped.planned_at is not None


def test_a_planned_rule_is_not_planned_again_after_migrate(db):  # type: ignore[no-untyped-def]
    rule = ReminderRule.objects.create(name="Planned", **RULE)
    services.replan_rule(rule)
    first = ReminderRule.objects.get(pk=rule.pk).planned_at
    assert services.plan_unplanned_rules() == 0
    assert ReminderRule.objects.get(pk=rule.pk).planned_at == first


def _rule_with_two_meetings() -> ReminderRule:
    committee = CommitteeFactory()
    for weeks in (3, 6):
        MeetingFactory(committee=committee, starts_at=timezone.now() + dt.timedelta(weeks=weeks))
    rule, _ = services.save_rule(name="Papers", **RULE)
    return rule


def test_an_unsubscription_entered_by_staff_withdraws_like_the_link_and_deleting_it_replans(
    db,
) -> None:  # type: ignore[no-untyped-def]
    rule = _rule_with_two_meetings()
    assert len(_planned(rule)) == 2

    unsubscription = services.save_unsubscription(email=" Secretariat@Example.org ", rule=rule)
    assert unsubscription.email == "secretariat@example.org"
    assert not _planned(rule)

    services.delete_unsubscription(unsubscription)
    assert len(_planned(rule)) == 2


def test_failed_reminders_are_sent_again_and_planned_ones_withdrawn(db) -> None:  # type: ignore[no-untyped-def]
    rule = _rule_with_two_meetings()
    first, second = Reminder.objects.filter(rule=rule).order_by("pk")
    Reminder.objects.filter(pk=first.pk).update(status=ReminderStatus.FAILED, attempts=3)

    assert services.retry_failed_reminders([first.pk, second.pk], by="Ann Analyst") == 1
    first.refresh_from_db()
    assert (first.status, first.attempts, first.note) == (
        ReminderStatus.PLANNED,
        0,
        "sent again by Ann Analyst",
    )

    assert services.withdraw_reminders([first.pk, second.pk], by="ann") == 2
    assert not _planned(rule)
