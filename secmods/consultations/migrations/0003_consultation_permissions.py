"""Give the two roles their permissions on the consultation models."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SECAS_STAFF = "SECAS staff"
COMMITTEE_MEMBER = "Committee member"
NEW_MODELS = ["consultation", "question", "invitation", "response", "answer"]
# Members read what is being asked; responses (some confidential) are for staff only.
MEMBER_VIEWS = ["consultation", "question"]


def forwards(apps, schema_editor):
    # Permissions are normally created after migrate finishes (DESIGN.md pitfall).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.get_or_create(name=SECAS_STAFF)
    staff.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consultations", content_type__model__in=NEW_MODELS
        )
    )
    member, _ = Group.objects.get_or_create(name=COMMITTEE_MEMBER)
    member.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consultations",
            content_type__model__in=MEMBER_VIEWS,
            codename__startswith="view_",
        )
    )


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(
        name__in=[SECAS_STAFF, COMMITTEE_MEMBER]
    ):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="consultations", content_type__model__in=NEW_MODELS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0002_consultations_questions_responses"),
        ("parties", "0002_roles_and_party_categories"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
