"""Every existing SECAS staff login (or superuser) gets a Person, as new ones do."""

from django.db import migrations
from django.db.models import Q

SECAS_STAFF = "SECAS staff"


def people_for_staff(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("auth", "User")
    Person = apps.get_model("parties", "Person")
    staff = User.objects.filter(Q(is_superuser=True) | Q(groups__name=SECAS_STAFF)).distinct()
    for user in staff.filter(person__isnull=True):
        person = None
        if user.email:
            person = Person.objects.filter(email__iexact=user.email, user__isnull=True).first()
        if person is None:
            name = " ".join(p for p in (user.first_name, user.last_name) if p) or user.username
            person = Person(name=name[:200], email=user.email or "")
        person.user = user
        person.save()


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0002_roles_and_party_categories"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(people_for_staff, migrations.RunPython.noop)]
