"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import Group, User

from secmods.committees.models import (
    AgendaItem,
    AgendaPurpose,
    Committee,
    CommitteeKind,
    Meeting,
    Membership,
    Release,
)
from secmods.consultations.models import Comment
from secmods.core.roles import COMMITTEE_MEMBER, SECAS_STAFF
from secmods.glossary.models import GlossaryTerm
from secmods.modifications.models import (
    Milestone,
    MilestoneKind,
    Modification,
    ReportSection,
    SecSection,
)
from secmods.parties.models import Organisation, PartyCategory, Person
from secmods.rules.dates import ApproxDate

LONDON = ZoneInfo("Europe/London")


class _Replans:
    """Rows built here skip the services, which re-plan reminders explicitly (no signal
    does): re-plan them as the service that writes such a row would."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        obj = super()._create(model_class, *args, **kwargs)  # type: ignore[misc]
        cls._replan(obj)
        return obj

    @staticmethod
    def _replan(obj) -> None:  # type: ignore[no-untyped-def]
        from secmods.committees import reminders as committee_reminders
        from secmods.consultations.services import replan_consultation
        from secmods.reminders.services import replan_event

        if isinstance(obj, Meeting):
            committee_reminders.replan_meeting(obj.pk)
        elif isinstance(obj, AgendaItem):
            committee_reminders.replan_meeting(obj.meeting_id)
        elif isinstance(obj, Membership):
            committee_reminders.replan_members(obj.committee_id)
        elif isinstance(obj, Milestone):
            replan_event("milestone", obj.pk)
        elif hasattr(obj, "consultation_id"):  # an invitation
            replan_consultation(obj.consultation_id)
        else:  # a consultation
            replan_consultation(obj.pk)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def secas_staff(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.groups.add(Group.objects.get(name=SECAS_STAFF))

    @factory.post_generation
    def committee_member(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.groups.add(Group.objects.get(name=COMMITTEE_MEMBER))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Energy Supplier {n} Ltd")
    short_name = factory.Sequence(lambda n: f"ES{n}")
    party_category = factory.LazyFunction(lambda: PartyCategory.objects.get(slug="large-supplier"))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee
        django_get_or_create = ("slug",)

    name = "Change Sub-Committee"
    abbreviation = "CSC"
    slug = "csc"
    kind = CommitteeKind.CSC


class MembershipFactory(_Replans, factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    committee = factory.SubFactory(CommitteeFactory)
    start_date = dt.date(2020, 1, 1)


class MeetingFactory(_Replans, factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    committee = factory.SubFactory(CommitteeFactory)
    starts_at = factory.Sequence(
        lambda n: dt.datetime(2021, 4, 27, 10, 0, tzinfo=LONDON) + dt.timedelta(weeks=n)
    )


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    name = factory.Sequence(lambda n: f"Release {n}")
    date = dt.date(2022, 11, 3)


class SecSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecSection
        django_get_or_create = ("code",)

    code = "L"
    title = "Smart Metering Key Infrastructure and DCC Key Infrastructure"


class ModificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Modification

    number = factory.Sequence(lambda n: 200 + n)
    title = factory.Sequence(lambda n: f"Modification about topic {n}")
    raised_on = dt.date(2021, 4, 19)
    proposer = factory.SubFactory(PersonFactory)


class ReportSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportSection

    modification = factory.SubFactory(ModificationFactory)
    order = factory.Sequence(lambda n: n + 1)
    heading = "Summary"
    body = "The DCC believes that the obligation should be removed."


class MilestoneFactory(_Replans, factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    class Params:
        when = ApproxDate.day(dt.date(2021, 4, 27))

    modification = factory.SubFactory(ModificationFactory)
    kind = MilestoneKind.CSC
    label = "Presented to CSC for initial comment"
    precision = factory.LazyAttribute(lambda m: m.when.precision)
    date_from = factory.LazyAttribute(lambda m: m.when.start)
    date_to = factory.LazyAttribute(lambda m: m.when.end)
    order = factory.Sequence(lambda n: n)


class AgendaItemFactory(_Replans, factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    modification = factory.SubFactory(ModificationFactory)
    purpose = AgendaPurpose.INITIAL_COMMENT


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    modification = factory.SubFactory(ModificationFactory)
    author = factory.SubFactory(UserFactory, committee_member=True)
    text = "The CSC noted the proposal."


class GlossaryTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GlossaryTerm
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"ACR{n}")
    full_term = factory.Sequence(lambda n: f"Acronym number {n}")


# --- Consultations and votes (issue 6) -------------------------------------------------
def party_category(slug: str) -> PartyCategory:
    return PartyCategory.objects.get(slug=slug)


class ConsultationFactory(_Replans, factory.django.DjangoModelFactory):
    class Meta:
        model = "consultations.Consultation"

    modification = factory.SubFactory(ModificationFactory, stage="refinement")
    kind = "refinement"
    title = factory.Sequence(lambda n: f"Refinement Consultation {n}")
    opens_at = dt.datetime(2021, 3, 1, 9, 0, tzinfo=LONDON)
    closes_at = dt.datetime(2021, 3, 26, 17, 0, tzinfo=LONDON)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consultations.Question"

    consultation = factory.SubFactory(ConsultationFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = "Do you agree with the proposed solution?"
    kind = "agree_disagree"


class InvitationFactory(_Replans, factory.django.DjangoModelFactory):
    class Meta:
        model = "consultations.Invitation"

    consultation = factory.SubFactory(ConsultationFactory)
    email = factory.Sequence(lambda n: f"respondent{n}@example.org")
    name = "Rita Respondent"
    key = factory.Sequence(lambda n: f"key{n}")


class ChangeBoardFactory(CommitteeFactory):
    name = "Change Board"
    abbreviation = "CB"
    slug = "change-board"
    kind = CommitteeKind.CHANGE_BOARD


class ChangeBoardMembershipFactory(MembershipFactory):
    committee = factory.SubFactory(ChangeBoardFactory)
    party_category = factory.LazyFunction(lambda: party_category("large-supplier"))


# --- Reminders (issue 4) ----------------------------------------------------------------
class ReminderRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reminders.ReminderRule"

    name = factory.Sequence(lambda n: f"Papers reminder {n}")
    event_kind = "meeting"
    offset_unit = "working_days"
    offset = 5
    send_time = dt.time(9, 0)
    recipient_kinds = factory.LazyFunction(lambda: ["committee_members"])
    subject_template = "Papers for {{ meeting }}"
    text_template = "Dear {{ recipient_name }}, papers for {{ event_label }} go out today."
