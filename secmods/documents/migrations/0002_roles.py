"""SECAS staff manage documents and report versions; committee members may view them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SECAS_STAFF = "SECAS staff"
COMMITTEE_MEMBER = "Committee member"


def forwards(apps, schema_editor):
    # Permission rows are created after migrate finishes unless we make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.get_or_create(name=SECAS_STAFF)
    staff.permissions.add(*Permission.objects.filter(content_type__app_label="documents"))
    member, _ = Group.objects.get_or_create(name=COMMITTEE_MEMBER)
    member.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="documents", codename__startswith="view_"
        )
    )


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=[SECAS_STAFF, COMMITTEE_MEMBER]):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="documents")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("parties", "0002_roles_and_party_categories"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
