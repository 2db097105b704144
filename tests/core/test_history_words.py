"""The admin's History page in the SEC's words: stage names, not keys; a name, not a login;
nothing where no reason was given (it said "None")."""

from __future__ import annotations

from django.urls import reverse

from secmods.parties.models import Person
from tests.factories import PersonFactory, UserFactory


def test_the_history_page_speaks_in_labels_and_names(seed, client):
    analyst = UserFactory(secas_staff=True, username="jsmith7")
    # A staff login gets its Person on joining SECAS staff (parties.staff.ensure_person).
    Person.objects.filter(user=analyst).update(name="Jo Smith")
    client.force_login(analyst)
    lead = PersonFactory(name="Lee Analyst")
    seed.lead_analyst = lead
    seed.stage = "report_phase"
    seed._history_user = analyst
    seed.save()
    html = client.get(
        reverse("admin:modifications_modification_history", args=[seed.pk])
    ).content.decode()
    assert "Report Phase" in html
    assert "report_phase" not in html and "refinement &nbsp;" not in html
    assert "Lee Analyst" in html  # the lead analyst by name, not by id
    assert "Jo Smith" in html and "jsmith7" not in html.split('id="change-history"')[1]
    assert "<td>\n          None\n        </td>" not in html
    assert ">None<" not in html.replace(" ", "").replace("\n", "")
