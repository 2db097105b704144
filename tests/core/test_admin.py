"""The registry of inlines that apps add to other apps' admin pages from AppConfig.ready, and
the bound on a posted inline's rows."""

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from secmods.core.admin import ROWS_ADDED_AT_ONCE
from secmods.modifications.models import Milestone, Modification
from secmods.parties.models import Person
from tests.admin_forms import admin_form_data, as_post
from tests.factories import MilestoneFactory, ModificationFactory, UserFactory


def _inline_names(model):
    model_admin = admin.site._registry[model]
    return [inline.__name__ for inline in model_admin.get_inlines(RequestFactory().get("/"), None)]


def test_a_modification_page_shows_its_own_and_the_registered_inlines_in_working_order():
    # The workspace order (modifications.admin.INLINE_ORDER): the timetable and meetings
    # first, then comments, consultations, documents, the report, history and reminders.
    assert _inline_names(Modification) == [
        "MilestoneInline",
        "ModificationAgendaInline",
        "ModificationCommentInline",
        "ModificationConsultationInline",
        "DocumentInline",
        "ReportSectionInline",
        "ReportVersionInline",
        "StageChangeInline",
        "ReminderInline",
    ]


def test_a_person_page_lists_the_memberships_committees_registered():
    assert _inline_names(Person) == ["MembershipInline"]


@pytest.mark.django_db
def test_a_posted_inline_claiming_100000_rows_is_refused_with_its_existing_rows_and_a_hundred(
    secas_client,
):
    # Django would build and render 2,000 forms per inline for such a POST (its absolute_max),
    # seconds of CPU for one request; the admin's bound is the rows there + ROWS_ADDED_AT_ONCE.
    modification = ModificationFactory()
    MilestoneFactory.create_batch(3, modification=modification)
    url = reverse("admin:modifications_modification_change", args=[modification.pk])
    data = admin_form_data(secas_client.get(url).content.decode())
    data["milestones-TOTAL_FORMS"] = ["100000"]
    response = secas_client.post(url, as_post(data))
    html = response.content.decode()
    assert response.status_code == 200
    bound = 3 + ROWS_ADDED_AT_ONCE
    assert f"Please submit at most {bound} forms." in html
    rendered = set(re.findall(r'name="milestones-(\d+)-', html))
    assert len(rendered) == bound
    assert Milestone.objects.filter(modification=modification).count() == 3


@pytest.mark.django_db
def test_the_inline_bound_lets_a_save_add_a_hundred_rows_to_the_rows_already_there(secas_client):
    modification = ModificationFactory()
    MilestoneFactory.create_batch(2, modification=modification)
    request = RequestFactory().get("/")
    request.user = UserFactory(secas_staff=True)
    inline = admin.site._registry[Modification].get_inline_instances(request, modification)[0]
    formset_class = inline.get_formset(request, modification)
    unbound = formset_class(instance=modification)
    assert unbound.absolute_max == unbound.max_num == 2 + ROWS_ADDED_AT_ONCE
