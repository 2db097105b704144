"""Every SECAS staff login has a Person, so that a modification can name them as its Lead
Analyst and the register can show their name. Made by `ensure_person` (a service), called
whenever a login becomes staff: saved as a superuser, or added to the "SECAS staff" group
(receivers connected in PartiesConfig.ready), and for existing logins by a data migration.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import m2m_changed, post_save

from secmods.core.roles import SECAS_STAFF

from .models import Person


def staff_logins() -> Q:
    """The logins of SECAS staff, as a condition on User."""
    return Q(is_superuser=True) | Q(groups__name=SECAS_STAFF)


def secas_staff_people() -> QuerySet[Person]:
    """People whose login is SECAS staff (the Lead Analyst picker offers only these)."""
    users = get_user_model().objects.filter(staff_logins(), is_active=True).values("pk")
    return Person.objects.filter(user__in=users)


def display_name(user: Any) -> str:
    name = " ".join(part for part in (user.first_name, user.last_name) if part).strip()
    return name or user.get_username()


@transaction.atomic
def ensure_person(user: Any) -> Person:
    """The login's Person, made from its name and email if it has none (an existing Person
    with the same email and no login is linked instead of duplicated)."""
    existing = Person.objects.filter(user=user).first()
    if existing is not None:
        return existing
    person = None
    if user.email:
        person = Person.objects.filter(email__iexact=user.email, user__isnull=True).first()
    if person is None:
        person = Person(name=display_name(user)[:200], email=user.email or "")
    person.user = user
    person.save()
    return person


def _user_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    if not raw and instance.is_superuser:
        ensure_person(instance)


def _groups_changed(sender: Any, instance: Any, action: str, pk_set: Any, **kw: Any) -> None:
    if action != "post_add" or not pk_set:
        return
    if isinstance(instance, Group):  # group.user_set.add(...): instance is the group
        if instance.name == SECAS_STAFF:
            for user in get_user_model().objects.filter(pk__in=pk_set):
                ensure_person(user)
    elif Group.objects.filter(pk__in=pk_set, name=SECAS_STAFF).exists():
        ensure_person(instance)


def connect() -> None:
    User = get_user_model()
    uid = "secmods.parties.staff"
    post_save.connect(_user_saved, sender=User, dispatch_uid=f"{uid}.user")
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid=f"{uid}.groups")
