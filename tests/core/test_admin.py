"""The registry of inlines that apps add to other apps' admin pages from AppConfig.ready."""

from django.contrib import admin
from django.test import RequestFactory

from secmods.modifications.models import Modification
from secmods.parties.models import Person


def _inline_names(model):
    model_admin = admin.site._registry[model]
    return [inline.__name__ for inline in model_admin.get_inlines(RequestFactory().get("/"), None)]


def test_a_modification_page_has_its_own_inlines_then_the_registered_ones():
    assert _inline_names(Modification) == [
        "ReportSectionInline",
        "MilestoneInline",
        "StageChangeInline",
        "ModificationAgendaInline",
        "ReminderInline",
        "DocumentInline",
        "ReportVersionInline",
    ]


def test_a_person_page_lists_the_memberships_committees_registered():
    assert _inline_names(Person) == ["MembershipInline"]
