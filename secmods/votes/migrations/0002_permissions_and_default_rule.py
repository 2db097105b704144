"""Permissions for the two roles, and the default Change Board decision rule (docs/domain.md#change-board-votes)."""

from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

SECAS_STAFF = "SECAS staff"
COMMITTEE_MEMBER = "Committee member"
VOTING_CATEGORIES = [
    "large-supplier",
    "small-supplier",
    "electricity-network",
    "gas-network",
    "other-sec-party",
]
DEFAULT_RULE = "SEC Section D default: majority per category, more categories for than against"


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff, _ = Group.objects.get_or_create(name=SECAS_STAFF)
    staff.permissions.add(*Permission.objects.filter(content_type__app_label="votes"))
    member, _ = Group.objects.get_or_create(name=COMMITTEE_MEMBER)
    member.permissions.add(
        *Permission.objects.filter(content_type__app_label="votes", codename__startswith="view_")
    )

    DecisionRule = apps.get_model("votes", "DecisionRule")
    PartyCategory = apps.get_model("parties", "PartyCategory")
    if not DecisionRule.objects.exists():
        rule = DecisionRule.objects.create(
            name=DEFAULT_RULE,
            category_share=Decimal("0.5"),
            more_for_than_against=True,
            min_categories_in_favour=1,
            is_default=True,
        )
        rule.categories.set(PartyCategory.objects.filter(slug__in=VOTING_CATEGORIES))


def backwards(apps, schema_editor):
    apps.get_model("votes", "DecisionRule").objects.filter(name=DEFAULT_RULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("votes", "0001_initial"),
        ("parties", "0002_roles_and_party_categories"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
