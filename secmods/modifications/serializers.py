"""API shapes of modifications, their timetable and stage history.

Reads are flat, named in the SEC's words; writes go through `services`, never `save()` here.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from secmods.core.api import (
    ApiModelSerializer,
    ApiSerializer,
    ApproxDateField,
    approx_date,
    iso_date,
    iso_datetime,
    sensible_datetime,
)
from secmods.glossary.selectors import Term, terms_in_text, terms_used_by
from secmods.parties.models import PartyCategory, Person
from secmods.rules import lifecycle
from secmods.rules.dates import ApproxDate
from secmods.rules.overdue import is_overdue
from secmods.rules.references import format_reference

from . import related
from .models import (
    EDITABLE_FIELDS,
    AuthorityDecision,
    DecisionOutcome,
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    Modification,
    Path,
    ReportSection,
    SecSection,
    Stage,
    StageChange,
)
from .selectors import get_by_reference, next_key_milestone, overdue_count

MAX_NUMBER = 999_999


# committees' models, through the relations declared by name (see related.py).
Meeting = related.meeting_model()
AgendaItem = related.agenda_item_model()
Release = related.release_model()


class PersonSerializer(ApiModelSerializer):
    organisation = serializers.CharField(
        source="organisation.name", default=None, allow_null=True, read_only=True
    )
    organisation_short_name = serializers.CharField(
        source="organisation.short_name", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Person
        fields = ["id", "name", "organisation", "organisation_short_name"]

    def to_representation(self, instance: Person) -> dict[str, Any]:
        # Fast path (see secmods.core.api); tests check it equals DRF's own output.
        return _person_dict(instance)


def _person_dict(person: Person) -> dict[str, Any]:
    organisation = person.organisation
    return {
        "id": person.pk,
        "name": person.name,
        "organisation": organisation.name if organisation else None,
        "organisation_short_name": organisation.short_name if organisation else None,
    }


def _person(person: Person | None) -> dict[str, Any] | None:
    return None if person is None else _person_dict(person)


def _prefetched(instance: Any, name: str) -> list[Any]:
    """A to-many relation's rows, read from the prefetch cache when the selector filled it
    (no related-manager and queryset objects built per row)."""
    cache = getattr(instance, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else list(getattr(instance, name).all())


class NextKeyDateSerializer(ApiSerializer):
    label: Any = serializers.CharField()
    when = ApproxDateField()


class ModificationSummarySerializer(ApiModelSerializer):
    """A row of the list: the summary fields and the next key date."""

    reference = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    # Declared so that the schema says "" (not set yet) is a value too.
    path = serializers.ChoiceField(choices=Path.choices, allow_blank=True, read_only=True)
    proposer = PersonSerializer(read_only=True, allow_null=True)
    sec_sections: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    next_key_date = serializers.SerializerMethodField()
    overdue_count = serializers.SerializerMethodField(
        help_text="Planned milestones whose date has passed."
    )

    class Meta:
        model = Modification
        fields = [
            "reference",
            "url",
            "number",
            "suffix",
            "title",
            "stage",
            "path",
            "is_urgent",
            "is_authority_led",
            "proposer",
            "raised_on",
            "sec_sections",
            "latest_update",
            "next_key_date",
            "overdue_count",
            "published_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_url(self, obj: Modification) -> str:
        # reverse() once per request, not once per row: the URL differs only by reference.
        template = self.context.get("_detail_url_template")
        if template is None:
            template = detail_url_template(self.context.get("request"))
            self.context["_detail_url_template"] = template
        return template.replace("REFERENCE", obj.reference)

    @extend_schema_field(NextKeyDateSerializer(allow_null=True))
    def get_next_key_date(self, obj: Modification) -> dict[str, Any] | None:
        if not hasattr(obj, "next_key_precision"):
            # The detail selector fetched the whole timetable instead of annotating.

            milestone = next_key_milestone(_prefetched(obj, "milestones"))
            if milestone is None:
                return None
            return {"label": milestone.label, "when": approx_date(milestone.when)}
        precision = obj.next_key_precision  # type: ignore[attr-defined]
        if not precision:
            return None
        when = ApproxDate(precision, obj.next_key_from, obj.next_key_to)  # type: ignore[attr-defined]
        return {"label": obj.next_key_label, "when": approx_date(when)}  # type: ignore[attr-defined]

    def get_overdue_count(self, obj: Modification) -> int:
        if not hasattr(obj, "overdue_count"):
            return overdue_count(_prefetched(obj, "milestones"))
        return int(obj.overdue_count)  # type: ignore[attr-defined]

    def to_representation(self, instance: Modification) -> dict[str, Any]:
        # Fast path (see secmods.core.api); tests check it equals DRF's own output.
        return {
            "reference": instance.reference,
            "url": self.get_url(instance),
            "number": instance.number,
            "suffix": instance.suffix,
            "title": instance.title,
            "stage": str(instance.stage),
            "path": str(instance.path),
            "is_urgent": instance.is_urgent,
            "is_authority_led": instance.is_authority_led,
            "proposer": _person(instance.proposer),
            "raised_on": iso_date(instance.raised_on),
            "sec_sections": [section.code for section in _prefetched(instance, "sec_sections")],
            "latest_update": instance.latest_update,
            "next_key_date": self.get_next_key_date(instance),
            "overdue_count": self.get_overdue_count(instance),
            "published_at": iso_datetime(instance.published_at),
            "updated_at": iso_datetime(instance.updated_at),
            "version": instance.version,
        }


def summary_from_row(
    row: dict[str, Any], detail_url_template: str, zone: tzinfo | None = None
) -> dict[str, Any]:
    """A list row from `selectors.summary_rows` (plain values, no model instances): the
    same dict as ModificationSummarySerializer gives for the model instance (a test
    checks it). `zone`: the current time zone, looked up once for a page of rows."""
    stage, suffix = row["stage"], row["suffix"]
    reference = format_reference(
        row["number"],
        suffix,
        draft=stage in (Stage.DRAFT_PROPOSAL, Stage.CLOSED) and not suffix,
        legacy=row["legacy_reference"],
    )
    next_key = row["next_key"]
    return {
        "reference": reference,
        "url": detail_url_template.replace("REFERENCE", reference),
        "number": row["number"],
        "suffix": suffix,
        "title": row["title"],
        "stage": stage,
        "path": row["path"],
        "is_urgent": row["is_urgent"],
        "is_authority_led": row["is_authority_led"],
        "proposer": None
        if row["proposer_id"] is None
        else {
            "id": row["proposer_id"],
            "name": row["proposer__name"],
            "organisation": row["proposer__organisation__name"],
            "organisation_short_name": row["proposer__organisation__short_name"],
        },
        "raised_on": iso_date(row["raised_on"]),
        "sec_sections": list(row["sec_codes"]),
        "latest_update": row["latest_update"],
        "next_key_date": None if next_key is None else _next_key_date(*next_key),
        "overdue_count": row["overdue_count"],
        "published_at": iso_datetime(row["published_at"], zone),
        "updated_at": iso_datetime(row["updated_at"], zone),
        "version": row["version"],
    }


def _next_key_date(label: str, precision: str, start: Any, end: Any) -> dict[str, Any]:
    # The dates come as ISO text from PostgreSQL (a text array), as dates from SQLite.
    if isinstance(start, str):
        start, end = date.fromisoformat(start), date.fromisoformat(end)
    return {"label": label, "when": approx_date(ApproxDate(precision, start, end))}


def detail_url_template(request: Any) -> str:
    """The detail URL with "REFERENCE" for the reference: reverse() once per request."""
    return reverse("modification-detail", kwargs={"reference": "REFERENCE"}, request=request)


class ReportSectionSerializer(ApiModelSerializer):
    class Meta:
        model = ReportSection
        fields = ["order", "level", "heading", "body"]

    def to_representation(self, instance: ReportSection) -> dict[str, Any]:
        return {
            "order": instance.order,
            "level": instance.level,
            "heading": instance.heading,
            "body": instance.body,
        }


class MeetingBriefSerializer(ApiModelSerializer):
    committee = serializers.CharField(source="committee.abbreviation", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "committee", "starts_at", "title", "status"]


class MilestoneSerializer(ApiModelSerializer):
    when = ApproxDateField(required=False, help_text="Ignored when a meeting is given.")
    baseline = ApproxDateField(read_only=True, allow_null=True)
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.select_related("committee"), allow_null=True, required=False
    )
    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    status = serializers.ChoiceField(choices=MilestoneStatus.choices, required=False)
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    overdue = serializers.BooleanField(
        source="is_overdue",
        read_only=True,
        help_text="Planned, and its whole period has passed (a month from the 1st after it).",
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "kind",
            "label",
            "status",
            "when",
            "baseline",
            "is_replanned",
            "overdue",
            "meeting",
            "date_text",
            "order",
            "version",
        ]
        read_only_fields = ["id", "baseline", "is_replanned", "overdue", "version"]

    field_hints = {
        **ApiModelSerializer.field_hints,
        **{
            name: 'Send the date as "when": {"date": "2021-05-01", "precision": "month"}.'
            for name in ("date", "precision", "display")
        },
    }

    def to_representation(self, instance: Milestone) -> dict[str, Any]:
        baseline = instance.baseline
        return {
            "id": instance.pk,
            "kind": str(instance.kind),
            "label": instance.label,
            "status": str(instance.status),
            "when": approx_date(instance.when),
            "baseline": approx_date(baseline) if baseline is not None else None,
            "is_replanned": instance.is_replanned,
            "overdue": instance.is_overdue,
            "meeting": instance.meeting_id,
            "date_text": instance.date_text,
            "order": instance.order,
            "version": instance.version,
        }


class AgendaEntrySerializer(ApiModelSerializer):
    """A meeting where the modification is presented, and why."""

    meeting = MeetingBriefSerializer(read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["meeting", "purpose", "decision", "outcome"]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        meeting = instance.meeting
        return {
            "meeting": {
                "id": meeting.pk,
                "committee": meeting.committee.abbreviation,
                "starts_at": iso_datetime(meeting.starts_at),
                "title": meeting.title,
                "status": str(meeting.status),
            },
            "purpose": str(instance.purpose),
            "decision": instance.decision,
            "outcome": instance.outcome,
        }


class StageChangeSerializer(ApiModelSerializer):
    meeting: Any = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "changed_at", "decided_by", "meeting", "reason"]

    def to_representation(self, instance: StageChange) -> dict[str, Any]:
        return {
            "from_stage": str(instance.from_stage),
            "to_stage": str(instance.to_stage),
            "changed_at": iso_datetime(instance.changed_at),
            "decided_by": instance.decided_by,
            "meeting": instance.meeting_id,
            "reason": instance.reason,
        }


class GlossaryEntrySerializer(ApiSerializer):
    acronym = serializers.CharField()
    full_term = serializers.CharField()


class ReleaseSerializer(ApiModelSerializer):
    class Meta:
        model = Release
        fields = ["id", "name", "date"]


class ModificationDetailSerializer(ModificationSummarySerializer):
    lead_analyst = PersonSerializer(read_only=True, allow_null=True)
    target_release = ReleaseSerializer(read_only=True, allow_null=True)
    impacted_party_categories: Any = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    report_sections = ReportSectionSerializer(source="sections", many=True, read_only=True)
    timetable = MilestoneSerializer(source="milestones", many=True, read_only=True)
    meetings = AgendaEntrySerializer(source="agenda_items", many=True, read_only=True)
    stage_history = StageChangeSerializer(source="stage_changes", many=True, read_only=True)
    glossary_terms = serializers.SerializerMethodField()
    next_stages = serializers.SerializerMethodField()
    change_board_outcome = serializers.ChoiceField(
        choices=DecisionOutcome.choices, allow_blank=True, read_only=True
    )
    authority_decision = serializers.ChoiceField(
        choices=AuthorityDecision.choices, allow_blank=True, read_only=True
    )

    class Meta(ModificationSummarySerializer.Meta):
        fields = [
            *ModificationSummarySerializer.Meta.fields,
            "lead_analyst",
            "target_release",
            "sec_provisions",
            "impacted_party_categories",
            "problem_statement_agreed",
            "refinement_not_needed_reason",
            "dcc_impact_assessment",
            "change_board_outcome",
            "authority_decision",
            "appeal_window_closes_on",
            "created_at",
            "report_sections",
            "timetable",
            "meetings",
            "stage_history",
            "glossary_terms",
            "next_stages",
        ]
        read_only_fields = fields

    @extend_schema_field(GlossaryEntrySerializer(many=True))
    def get_glossary_terms(self, obj: Modification) -> list[dict[str, str]]:
        return [
            {"acronym": t.acronym, "full_term": t.full_term}
            for t in terms_used_by(obj, getattr(obj, "all_glossary_terms", None))
        ]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Stage.choices)))
    def get_next_stages(self, obj: Modification) -> list[str]:
        return [str(stage) for stage in lifecycle.next_stages(obj)]

    def to_representation(self, instance: Modification) -> dict[str, Any]:
        body = super().to_representation(instance)
        release = instance.target_release
        milestone = MilestoneSerializer()
        agenda_entry = AgendaEntrySerializer()
        section = ReportSectionSerializer()
        change = StageChangeSerializer()
        body.update(
            {
                "lead_analyst": _person(instance.lead_analyst),
                "target_release": None
                if release is None
                else {"id": release.pk, "name": release.name, "date": iso_date(release.date)},
                "sec_provisions": instance.sec_provisions,
                "impacted_party_categories": [
                    c.slug for c in _prefetched(instance, "impacted_party_categories")
                ],
                "problem_statement_agreed": instance.problem_statement_agreed,
                "refinement_not_needed_reason": instance.refinement_not_needed_reason,
                "dcc_impact_assessment": str(instance.dcc_impact_assessment),
                "change_board_outcome": str(instance.change_board_outcome),
                "authority_decision": str(instance.authority_decision),
                "appeal_window_closes_on": iso_date(instance.appeal_window_closes_on),
                "created_at": iso_datetime(instance.created_at),
                "report_sections": [
                    section.to_representation(s) for s in _prefetched(instance, "sections")
                ],
                "timetable": [
                    milestone.to_representation(m) for m in _prefetched(instance, "milestones")
                ],
                "meetings": [
                    agenda_entry.to_representation(a) for a in _prefetched(instance, "agenda_items")
                ],
                "stage_history": [
                    change.to_representation(c) for c in _prefetched(instance, "stage_changes")
                ],
                "glossary_terms": self.get_glossary_terms(instance),
                "next_stages": self.get_next_stages(instance),
            }
        )
        return body


def detail_from_row(row: dict[str, Any], detail_url_template: str) -> dict[str, Any]:
    """The detail of a `selectors.detail_row` (plain values and folded JSON rows, no model
    instances): the same dict as ModificationDetailSerializer gives for the model instance
    of `selectors.modification_detail` (a test checks it)."""
    today, zone = timezone.localdate(), timezone.get_current_timezone()
    timetable, next_key, overdue = [], None, 0
    # In the timetable's order (date, order, id; TBC last): the first planned milestone
    # not yet passed is `next_key_milestone`'s.
    for m in row["folded_milestones"]:
        status, start, end = m["status"], _day(m["date_from"]), _day(m["date_to"])
        when = ApproxDate(m["precision"], start, end)
        baseline = (
            ApproxDate(m["baseline_precision"], _day(m["baseline_from"]), _day(m["baseline_to"]))
            if m["baseline_precision"]
            else None
        )
        late = is_overdue(status, end, today)
        overdue += late
        if next_key is None and status == MilestoneStatus.PLANNED and end and end >= today:
            next_key = [m["label"], m["precision"], start, end]
        timetable.append(
            {
                "id": m["id"],
                "kind": m["kind"],
                "label": m["label"],
                "status": status,
                "when": approx_date(when),
                "baseline": approx_date(baseline) if baseline is not None else None,
                "is_replanned": baseline is not None and baseline != when,
                "overdue": late,
                "meeting": m["meeting_id"],
                "date_text": m["date_text"],
                "order": m["order"],
                "version": m["version"],
            }
        )
    sections = row["folded_sections"]
    body = summary_from_row(
        {
            **row,
            "next_key": next_key,
            "overdue_count": overdue,
            "sec_codes": row["folded_sec_sections"],
        },
        detail_url_template,
        zone,
    )
    text = "\n".join(
        [row["title"]]
        + [part for s in sections for part in (s["heading"], s["body"])]
        + [m["label"] for m in row["folded_milestones"]]
    )
    terms = terms_in_text(
        text, (Term(t["acronym"], t["full_term"]) for t in row["folded_glossary"])
    )
    analyst = row["lead_analyst_id"]
    release = row["target_release_id"]
    body.update(
        {
            "lead_analyst": None
            if analyst is None
            else {
                "id": analyst,
                "name": row["lead_analyst__name"],
                "organisation": row["lead_analyst__organisation__name"],
                "organisation_short_name": row["lead_analyst__organisation__short_name"],
            },
            "target_release": None
            if release is None
            else {
                "id": release,
                "name": row["target_release__name"],
                "date": iso_date(row["target_release__date"]),
            },
            "sec_provisions": row["sec_provisions"],
            "impacted_party_categories": row["folded_categories"],
            "problem_statement_agreed": row["problem_statement_agreed"],
            "refinement_not_needed_reason": row["refinement_not_needed_reason"],
            "dcc_impact_assessment": row["dcc_impact_assessment"],
            "change_board_outcome": row["change_board_outcome"],
            "authority_decision": row["authority_decision"],
            "appeal_window_closes_on": iso_date(row["appeal_window_closes_on"]),
            "created_at": iso_datetime(row["created_at"], zone),
            "report_sections": [
                {
                    "order": s["order"],
                    "level": s["level"],
                    "heading": s["heading"],
                    "body": s["body"],
                }
                for s in sections
            ],
            "timetable": timetable,
            "meetings": [
                {
                    "meeting": {
                        "id": a["meeting_id"],
                        "committee": a["committee"],
                        "starts_at": iso_datetime(_moment(a["starts_at"]), zone),
                        "title": a["meeting_title"],
                        "status": a["meeting_status"],
                    },
                    "purpose": a["purpose"],
                    "decision": a["decision"],
                    "outcome": a["outcome"],
                }
                for a in row["folded_agenda"]
            ],
            "stage_history": [
                {
                    "from_stage": c["from_stage"],
                    "to_stage": c["to_stage"],
                    "changed_at": iso_datetime(_moment(c["changed_at"]), zone),
                    "decided_by": c["decided_by"],
                    "meeting": c["meeting_id"],
                    "reason": c["reason"],
                }
                for c in row["folded_stage_changes"]
            ],
            "glossary_terms": [{"acronym": t.acronym, "full_term": t.full_term} for t in terms],
            "next_stages": lifecycle.stages_after(row["stage"]),
        }
    )
    return body


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _moment(value: str | None) -> datetime | None:
    # PostgreSQL writes timestamptz in JSON as ISO 8601 with its offset.
    return None if value is None else datetime.fromisoformat(value)


class ModificationWriteSerializer(ApiModelSerializer):
    """What SECAS staff send to create or change a modification (the stage moves only by
    POST .../transitions/)."""

    number = serializers.IntegerField(
        min_value=1,
        max_value=MAX_NUMBER,
        required=False,
        help_text="On create only; leave out for the next free number.",
    )
    alternative_of = serializers.CharField(
        required=False,
        write_only=True,
        max_length=20,
        help_text="On create only: the reference of the modification this is an alternative "
        "solution to (it takes the next letter, MP160A).",
    )
    proposer = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), allow_null=True, required=False
    )
    lead_analyst = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), allow_null=True, required=False
    )
    target_release = serializers.PrimaryKeyRelatedField(
        queryset=Release.objects.all(), allow_null=True, required=False
    )
    sec_sections = serializers.SlugRelatedField(
        slug_field="code", queryset=SecSection.objects.all(), many=True, required=False
    )
    impacted_party_categories = serializers.SlugRelatedField(
        slug_field="slug", queryset=PartyCategory.objects.all(), many=True, required=False
    )

    read_only_names = ModificationDetailSerializer.Meta.fields
    field_hints = {
        **ApiModelSerializer.field_hints,
        "stage": "The stage moves by POST .../transitions/ (the lifecycle's checks apply).",
    }

    class Meta:
        model = Modification
        fields = [
            "number",
            "alternative_of",
            "title",
            "path",
            *EDITABLE_FIELDS,
        ]

    def validate_published_at(self, value: Any) -> Any:
        return sensible_datetime(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for name in ("number", "alternative_of"):
                if name in attrs:
                    raise serializers.ValidationError({name: "Can be given on create only."})
        elif "alternative_of" in attrs:
            original = get_by_reference(attrs["alternative_of"])
            if original is None or original.suffix:
                raise serializers.ValidationError(
                    {"alternative_of": "No original modification has this reference."}
                )
            attrs["alternative_of"] = original
        return attrs


class TransitionSerializer(ApiSerializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    decided_by = serializers.ChoiceField(
        choices=lifecycle.DecidingBody.choices, required=False, allow_blank=True, default=""
    )
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.all(), allow_null=True, required=False, default=None
    )
