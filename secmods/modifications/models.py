from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from secmods.core.validators import no_nul_bytes
from secmods.rules.dates import ApproxDate, Precision
from secmods.rules.lifecycle import (  # noqa: F401 - the models' choices, imported from here too
    CLOSED_STAGES,
    AuthorityDecision,
    DecisionOutcome,
    ImpactAssessment,
    MilestoneKind,
    Path,
    Stage,
)
from secmods.rules.overdue import is_overdue
from secmods.rules.references import format_reference


class SecSection(models.Model):
    """A Section of the SEC (e.g. Section L, Smart Metering Key Infrastructure)."""

    code = models.CharField(max_length=10, unique=True, help_text="e.g. L")
    title = models.CharField(max_length=200, validators=[no_nul_bytes])

    class Meta:
        ordering = ["code"]
        verbose_name = "SEC Section"

    def __str__(self) -> str:
        return f"Section {self.code}"


class Modification(models.Model):
    number = models.PositiveIntegerField(help_text="160 for DP160 / MP160.")
    suffix = models.CharField(
        max_length=1, blank=True, help_text="A letter for an alternative solution (MP160A)."
    )
    legacy_reference = models.BooleanField(
        default=False, help_text="Shown in the older SECMP0007 form."
    )
    title = models.CharField(max_length=300, validators=[no_nul_bytes])
    stage = models.CharField(max_length=30, choices=Stage.choices, default=Stage.DRAFT_PROPOSAL)
    path = models.CharField(max_length=20, choices=Path.choices, blank=True)
    is_urgent = models.BooleanField(default=False)
    is_authority_led = models.BooleanField(
        default=False, help_text="An Authority-Led Variation directed by Ofgem."
    )
    proposer = models.ForeignKey(
        "parties.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposed_modifications",
    )
    lead_analyst = models.ForeignKey(
        "parties.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_modifications",
    )
    raised_on = models.DateField()
    target_release = models.ForeignKey(
        "committees.Release",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="modifications",
    )
    sec_sections = models.ManyToManyField(
        SecSection, blank=True, related_name="modifications", verbose_name="SEC Sections"
    )
    sec_provisions = models.CharField(
        "SEC provisions",
        max_length=200,
        blank=True,
        validators=[no_nul_bytes],
        help_text="The provisions affected, e.g. L8.7–L8.12.",
    )
    impacted_party_categories = models.ManyToManyField(
        "parties.PartyCategory", blank=True, related_name="impacting_modifications"
    )
    latest_update = models.CharField(max_length=500, blank=True, validators=[no_nul_bytes])
    # Decisions that the lifecycle guards read; later parts (votes) fill them in too.
    problem_statement_agreed = models.BooleanField(
        default=False, help_text="The CSC or Panel agreed the problem statement."
    )
    refinement_not_needed_reason = models.TextField(blank=True, validators=[no_nul_bytes])
    dcc_impact_assessment = models.CharField(
        max_length=20, choices=ImpactAssessment.choices, default=ImpactAssessment.PENDING
    )
    change_board_outcome = models.CharField(
        max_length=20, choices=DecisionOutcome.choices, blank=True
    )
    authority_decision = models.CharField(
        max_length=20, choices=AuthorityDecision.choices, blank=True
    )
    appeal_window_closes_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="The public sees the modification once published."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-number", "suffix"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "suffix"],
                name="modification_reference",
                violation_error_message="A modification with this reference exists already.",
            ),
            models.CheckConstraint(
                condition=Q(suffix="") | Q(suffix__regex=r"^[A-Z]$"),
                name="modification_suffix_is_letter",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="modification_number_pos"),
        ]
        indexes = [models.Index(fields=["stage"]), models.Index(fields=["published_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return format_reference(
            self.number,
            self.suffix,
            draft=self.stage in (Stage.DRAFT_PROPOSAL, Stage.CLOSED) and not self.suffix,
            legacy=self.legacy_reference,
        )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def clean(self) -> None:
        if self.suffix:
            self.suffix = self.suffix.upper()


# The fields staff edit directly, shared by the admin form and the API serializer (the stage
# moves only through the lifecycle table; the number and title come first in each).
EDITABLE_FIELDS: tuple[str, ...] = (
    "is_urgent",
    "is_authority_led",
    "proposer",
    "lead_analyst",
    "raised_on",
    "target_release",
    "latest_update",
    "published_at",
    "sec_sections",
    "sec_provisions",
    "impacted_party_categories",
    "problem_statement_agreed",
    "refinement_not_needed_reason",
    "dcc_impact_assessment",
    "change_board_outcome",
    "authority_decision",
    "appeal_window_closes_on",
)


class ReportSection(models.Model):
    """A section of the Modification Report ("Summary", "What is the issue?")."""

    modification = models.ForeignKey(
        Modification, on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField(
        default=1, help_text="1 for a section, 2 for a sub-question inside it."
    )
    heading = models.CharField(max_length=200, validators=[no_nul_bytes])
    body = models.TextField(blank=True, validators=[no_nul_bytes])

    class Meta:
        ordering = ["modification", "order"]
        constraints = [
            models.UniqueConstraint(fields=["modification", "order"], name="section_order"),
            models.CheckConstraint(condition=Q(level__in=[1, 2]), name="section_level"),
        ]

    def __str__(self) -> str:
        return self.heading


class StageChange(models.Model):
    """A move through the lifecycle: who, when, from, to, why, and the meeting that decided."""

    modification = models.ForeignKey(
        Modification, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=30, choices=Stage.choices)
    to_stage = models.CharField(max_length=30, choices=Stage.choices)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.CharField(max_length=100, blank=True, help_text="The deciding body.")
    meeting = models.ForeignKey(
        "committees.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True, validators=[no_nul_bytes])

    class Meta:
        ordering = ["modification", "changed_at", "pk"]
        # The Atom feeds read the newest changes of the whole register: walking this index
        # backwards stops after a page instead of sorting every change ever made.
        indexes = [models.Index(fields=["changed_at", "id"], name="stagechange_newest")]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


_PRECISION_RANGE_VALID = (
    Q(precision=Precision.TBC, date_from__isnull=True, date_to__isnull=True)
    | Q(precision=Precision.DAY, date_from__isnull=False, date_to=F("date_from"))
    | Q(
        precision__in=[Precision.WEEK, Precision.MONTH, Precision.QUARTER],
        date_from__isnull=False,
        date_to__gt=F("date_from"),
    )
)


class Milestone(models.Model):
    """An event of the progression timetable, dated to the day, week, month, quarter or TBC."""

    modification = models.ForeignKey(
        Modification, on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(max_length=30, choices=MilestoneKind.choices)
    label = models.CharField(max_length=300, validators=[no_nul_bytes])
    status = models.CharField(
        max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    meeting = models.ForeignKey(
        "committees.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestones",
        help_text="A meeting fixes the milestone to its day.",
    )
    precision = models.CharField(max_length=10, choices=Precision.choices)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    date_text = models.CharField(
        max_length=100, blank=True, help_text="The words the source document used."
    )
    # The first plan, kept when the milestone is re-planned ("was 1 Jun 2021").
    baseline_precision = models.CharField(max_length=10, choices=Precision.choices, blank=True)
    baseline_from = models.DateField(null=True, blank=True)
    baseline_to = models.DateField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Breaks ties on one date.")
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = [F("date_from").asc(nulls_last=True), "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=_PRECISION_RANGE_VALID, name="milestone_precision_range"
            ),
            models.CheckConstraint(
                condition=Q(baseline_precision="")
                | Q(baseline_precision=Precision.TBC)
                | Q(baseline_from__isnull=False, baseline_to__gte=F("baseline_from")),
                name="milestone_baseline_range",
            ),
        ]
        indexes = [models.Index(fields=["modification", "date_from"])]

    def __str__(self) -> str:
        return f"{self.label}: {self.when}"

    @property
    def when(self) -> ApproxDate:
        return ApproxDate(self.precision, self.date_from, self.date_to)

    @property
    def baseline(self) -> ApproxDate | None:
        if not self.baseline_precision:
            return None
        return ApproxDate(self.baseline_precision, self.baseline_from, self.baseline_to)

    @property
    def is_overdue(self) -> bool:
        """Planned, and its whole period has passed (secmods/rules/overdue.py)."""
        return is_overdue(self.status, self.date_to, timezone.localdate())

    @property
    def is_replanned(self) -> bool:
        baseline = self.baseline
        return baseline is not None and baseline != self.when

    def clean(self) -> None:
        reason = self.when.is_consistent()
        if reason:
            # "when" is the field every form and the API give the date in.
            raise ValidationError({"when": reason})
