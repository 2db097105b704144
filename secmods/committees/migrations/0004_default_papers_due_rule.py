"""A default "papers due" reminder rule to SECAS staff (editable in the admin).

It plans for meetings created or moved from now on; saving the rule in the admin plans it
for every coming meeting.
"""

from datetime import time

from django.db import migrations

NAME = "Papers due in 2 Working Days: SECAS staff"

SUBJECT = "Papers due {{ papers_due_on|date:'l j F Y' }} for {{ meeting }}"

TEXT = """Dear {{ recipient_name|default:"colleague" }},

The papers for {{ meeting }} ({{ committee.name }}, {{ meeting.starts_at|date:'l j F Y, H:i' }} London) are due on {{ papers_due_on|date:'l j F Y' }}.

On the agenda:
{% for item in agenda_items %}- {{ item.modification.reference }}: {{ item.modification.title }}
{% empty %}(no items yet)
{% endfor %}
SECAS reminders"""

HTML = """<p>Dear {{ recipient_name|default:"colleague" }},</p>
<p>The papers for <strong>{{ meeting }}</strong> ({{ committee.name }}, {{ meeting.starts_at|date:'l j F Y, H:i' }} London) are due on <strong>{{ papers_due_on|date:'l j F Y' }}</strong>.</p>
<p>On the agenda:</p>
<ul>{% for item in agenda_items %}<li>{{ item.modification.reference }}: {{ item.modification.title }}</li>{% empty %}<li>(no items yet)</li>{% endfor %}</ul>
<p>SECAS reminders</p>"""


def add_rule(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    ReminderRule.objects.get_or_create(
        name=NAME,
        defaults={
            "event_kind": "papers_due",
            "offset_unit": "working_days",
            "offset": 2,
            "send_time": time(9, 0),
            "recipient_kinds": ["secas_staff"],
            "subject_template": SUBJECT,
            "text_template": TEXT,
            "html_template": HTML,
        },
    )


def remove_rule(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    ReminderRule.objects.filter(name=NAME, reminders__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0003_agenda_item_actions"),
        ("reminders", "0002_staff_permissions"),
    ]

    operations = [migrations.RunPython(add_rule, remove_rule)]
