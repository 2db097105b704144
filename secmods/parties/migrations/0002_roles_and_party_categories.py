"""The two roles (Django groups with model permissions) and the SEC Party Categories."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SECAS_STAFF = "SECAS staff"
COMMITTEE_MEMBER = "Committee member"
OUR_APPS = ["parties", "committees", "modifications", "consultations", "glossary", "reminders"]

MEMBER_VIEWS = {
    "modifications": ["modification", "milestone", "reportsection", "stagechange", "secsection"],
    "committees": ["committee", "meeting", "agendaitem", "membership", "release"],
    "glossary": ["glossaryterm"],
    "parties": ["person", "organisation", "partycategory"],
}

CATEGORIES = [
    ("large-supplier", "Large Supplier", True),
    ("small-supplier", "Small Supplier", True),
    ("electricity-network", "Electricity Network", True),
    ("gas-network", "Gas Network", True),
    ("other-sec-party", "Other SEC Party", True),
    ("dcc", "DCC", True),
    ("non-party", "Non-SEC Party", False),
]


def forwards(apps, schema_editor):
    # Permissions are normally created after migrate finishes; create them now so the
    # groups can be given them (DESIGN.md pitfall).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    PartyCategory = apps.get_model("parties", "PartyCategory")

    staff, _ = Group.objects.get_or_create(name=SECAS_STAFF)
    staff.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=OUR_APPS),
        *Permission.objects.filter(content_type__app_label="authtoken"),
        *Permission.objects.filter(
            content_type__app_label="auth",
            content_type__model="user",
            codename__in=["add_user", "change_user", "view_user"],
        ),
    )

    member, _ = Group.objects.get_or_create(name=COMMITTEE_MEMBER)
    for app_label, models in MEMBER_VIEWS.items():
        member.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model__in=models,
                codename__startswith="view_",
            )
        )
    member.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consultations", content_type__model="comment"
        )
    )

    for order, (slug, name, is_sec_party) in enumerate(CATEGORIES):
        PartyCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "is_sec_party": is_sec_party, "order": order}
        )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[SECAS_STAFF, COMMITTEE_MEMBER]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0001_initial"),
        ("committees", "0002_initial"),
        ("modifications", "0001_initial"),
        ("consultations", "0001_initial"),
        ("glossary", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
