"""A default "consultation closing" reminder rule (staff edit or deactivate it in the admin).

It plans for consultations created or changed from now on; saving the rule in the admin
plans it for every consultation still open.
"""

from datetime import time

from django.db import migrations

NAME = "Consultation closes in 3 Working Days: respondents who have not answered"

SUBJECT = "Reminder: {{ consultation.title }} closes at {{ deadline }}"

TEXT = """Dear {{ recipient_name|default:"respondent" }},

The {{ consultation_kind }} on {{ modification.reference }} ({{ modification.title }}) closes at {{ deadline }}.

We have not yet received your response. You can respond, or change your response until the deadline, through your personal link:

{{ response_link }}

Please do not forward this link: it is yours alone. If you have already sent us your response by email, please ignore this reminder.

SECAS"""

HTML = """<p>Dear {{ recipient_name|default:"respondent" }},</p>
<p>The {{ consultation_kind }} on <strong>{{ modification.reference }}</strong> ({{ modification.title }}) closes at <strong>{{ deadline }}</strong>.</p>
<p>We have not yet received your response. You can respond, or change your response until the deadline, through your personal link:</p>
<p><a href="{{ response_link }}">Respond to {{ consultation.title }}</a></p>
<p>Please do not forward this link: it is yours alone. If you have already sent us your response by email, please ignore this reminder.</p>
<p>SECAS</p>"""


def add_rule(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    ReminderRule.objects.get_or_create(
        name=NAME,
        defaults={
            "event_kind": "consultation_closing",
            "offset_unit": "working_days",
            "offset": 3,
            "send_time": time(9, 0),
            "recipient_kinds": ["respondents_not_answered"],
            "subject_template": SUBJECT,
            "text_template": TEXT,
            "html_template": HTML,
        },
    )


def remove_rule(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    # Only if it never planned anything (the outbox protects its rules).
    ReminderRule.objects.filter(name=NAME, reminders__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0003_consultation_permissions"),
        ("reminders", "0002_staff_permissions"),
    ]

    operations = [migrations.RunPython(add_rule, remove_rule)]
