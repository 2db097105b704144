"""Every SECAS staff login has a Person; the Lead Analyst picker offers SECAS staff only;
"Invite a member" is reachable from the Committees and People pages."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from secmods.core.roles import SECAS_STAFF
from secmods.parties.models import Person
from secmods.parties.staff import ensure_person, secas_staff_people
from tests.admin_forms import admin_form_data, as_post
from tests.factories import CommitteeFactory, PersonFactory, UserFactory

User = get_user_model()


def test_joining_secas_staff_makes_the_person(db):
    user = UserFactory(username="grace", first_name="Grace", last_name="Hopper")
    assert not Person.objects.filter(user=user).exists()  # staff status alone: not SECAS
    user.groups.add(Group.objects.get(name=SECAS_STAFF))
    assert Person.objects.get(user=user).name == "Grace Hopper"
    Group.objects.get(name=SECAS_STAFF).user_set.add(user)  # again, from the group's side
    assert Person.objects.filter(user=user).count() == 1


def test_a_superuser_gets_a_person_and_an_existing_person_is_linked(db):
    unlinked = PersonFactory(name="Alan Turing", email="alan@example.org")
    admin = User.objects.create_superuser("alan", "ALAN@example.org", "x" * 12)
    assert Person.objects.get(user=admin) == unlinked
    assert ensure_person(admin) == unlinked  # once


def test_the_migration_gives_existing_staff_logins_a_person(db):
    migration = importlib.import_module("secmods.parties.migrations.0003_people_for_staff_logins")
    staff = UserFactory(username="old-analyst", secas_staff=True)
    Person.objects.filter(user=staff).delete()  # as before this change
    member = UserFactory(username="old-member", committee_member=True)
    migration.people_for_staff(apps, None)
    assert Person.objects.get(user=staff).name == "old-analyst"
    assert not Person.objects.filter(user=member).exists()


def test_the_lead_analyst_picker_offers_secas_staff_only(seed, secas_client, secas_user):
    outsider = PersonFactory(name="Pat Proposer")
    assert list(secas_staff_people()) == [secas_user.person]
    found = secas_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "modifications",
            "model_name": "modification",
            "field_name": "lead_analyst",
            "term": "",
        },
    ).json()["results"]
    assert [r["id"] for r in found] == [str(secas_user.person.pk)]
    proposers = secas_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "modifications", "model_name": "modification", "field_name": "proposer"},
    ).json()["results"]
    assert str(outsider.pk) in {r["id"] for r in proposers}
    url = reverse("admin:modifications_modification_change", args=[seed.pk])
    data = as_post(admin_form_data(secas_client.get(url).content.decode()))
    data["lead_analyst"] = str(outsider.pk)
    refused = secas_client.post(url, data)
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    data["lead_analyst"] = str(secas_user.person.pk)
    assert secas_client.post(url, data).status_code == 302


def test_a_lead_analyst_who_is_not_staff_stays_until_changed(seed, secas_client):
    seed.lead_analyst = PersonFactory(name="Former Analyst")
    seed.save()
    url = reverse("admin:modifications_modification_change", args=[seed.pk])
    data = as_post(admin_form_data(secas_client.get(url).content.decode()))
    data["latest_update"] = "Saved with its old Lead Analyst"
    assert secas_client.post(url, data).status_code == 302


@pytest.mark.parametrize(
    "page",
    [
        "admin:committees_committee_changelist",
        "admin:parties_person_changelist",
        "committee_change",
    ],
)
def test_invite_a_member_is_reachable(db, secas_client, page):
    committee = CommitteeFactory()
    if page == "committee_change":
        url = reverse("admin:committees_committee_change", args=[committee.pk])
    else:
        url = reverse(page)
    html = secas_client.get(url).content.decode()
    assert "Invite a" in html
    invite = reverse("admin:committees_committee_invite", args=[committee.pk])
    if page == "admin:parties_person_changelist":
        assert reverse("admin:committees_committee_changelist") in html
    else:
        assert invite in html
