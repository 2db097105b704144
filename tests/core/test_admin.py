"""The registry of inlines that apps add to other apps' admin pages from AppConfig.ready."""

from django.contrib import admin
from django.test import RequestFactory

from secmods.modifications.models import Modification
from secmods.parties.models import Person


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
