"""SECAS staff manage reminder rules and see the outbox (the roles migration in parties ran
before these models existed)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    # Permissions are normally created after migrate finishes; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.get_or_create(name="SECAS staff")
    staff.permissions.add(*Permission.objects.filter(content_type__app_label="reminders"))


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("parties", "0002_roles_and_party_categories"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
