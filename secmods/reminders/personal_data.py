"""What `forget_person` erases here (registered in RemindersConfig.ready): reminders
addressed to the person, their unsubscriptions and their address in reminder rules."""

from __future__ import annotations

from secmods.parties.services import Erasure, placeholder_email

from .models import Reminder, ReminderRule, Unsubscription


def erase(erasure: Erasure) -> None:
    erased, email = erasure.report.erased, erasure.email
    if not email:
        return
    reminders = 0
    for reminder in Reminder.objects.filter(recipient_email__iexact=email).only("pk"):
        Reminder.objects.filter(pk=reminder.pk).update(
            recipient_email=placeholder_email("reminder", reminder.pk), recipient_name=""
        )
        reminders += 1
    erased["reminder emails (outbox)"] = reminders
    erased["unsubscriptions"] = Unsubscription.objects.filter(email__iexact=email).delete()[0]
    rules = 0
    for rule in ReminderRule.objects.filter(addresses__icontains=email):
        lines = [line for line in rule.addresses.splitlines() if line.strip()]
        kept_lines = [line for line in lines if line.strip().lower() != email.lower()]
        if kept_lines != lines:
            ReminderRule.objects.filter(pk=rule.pk).update(addresses="\n".join(kept_lines))
            rules += 1
    erased["addresses in reminder rules"] = rules
