from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from secmods.core.validators import no_nul_bytes


class CommitteeKind(models.TextChoices):
    PANEL = "panel", "SEC Panel"
    CSC = "csc", "Change Sub-Committee"
    CHANGE_BOARD = "change_board", "Change Board"
    SUB_COMMITTEE = "sub_committee", "SEC Sub-Committee"
    WORKING_GROUP = "working_group", "Working Group"


class Committee(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[no_nul_bytes])
    abbreviation = models.CharField(max_length=20, validators=[no_nul_bytes])
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=20, choices=CommitteeKind.choices)
    papers_due_working_days = models.PositiveSmallIntegerField(
        default=5, help_text="Papers go out this many SEC Working Days before a meeting."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.abbreviation or self.name


class Membership(models.Model):
    person = models.ForeignKey(
        "parties.Person", on_delete=models.CASCADE, related_name="memberships"
    )
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=100, default="Member", validators=[no_nul_bytes])
    party_category = models.ForeignKey(
        "parties.PartyCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The Party Category this member represents.",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty while current.")

    class Meta:
        ordering = ["committee", "person"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.committee}"

    def is_active_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(help_text="London time.")
    title = models.CharField(max_length=200, blank=True, validators=[no_nul_bytes])
    location = models.CharField(max_length=200, blank=True, validators=[no_nul_bytes])
    status = models.CharField(
        max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    # Bumped whenever the meeting moves, so subscribed calendars update the event.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        # starts_at alone: the calendars and meeting lists read a window of all committees.
        indexes = [
            models.Index(fields=["committee", "starts_at"]),
            models.Index(fields=["starts_at"]),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.committee} {local.day} {local:%b %Y}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def date(self):  # type: ignore[no-untyped-def]
        return timezone.localtime(self.starts_at).date()


class AgendaPurpose(models.TextChoices):
    INITIAL_COMMENT = "initial_comment", "Initial comment"
    FINAL_COMMENT = "final_comment", "Final comment and recommendations"
    APPROVE_TIMETABLE = "approve_timetable", "Approve timetable"
    REFINEMENT = "refinement", "Refinement discussion"
    DECISION = "decision", "Decision"
    VOTE = "vote", "Vote"
    UPDATE = "update", "Update"


class AgendaItem(models.Model):
    """A modification presented at a meeting, and why."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    modification = models.ForeignKey(
        "modifications.Modification", on_delete=models.CASCADE, related_name="agenda_items"
    )
    purpose = models.CharField(max_length=30, choices=AgendaPurpose.choices)
    order = models.PositiveSmallIntegerField(default=0)
    outcome = models.TextField(blank=True, validators=[no_nul_bytes])
    decision = models.CharField(max_length=200, blank=True, validators=[no_nul_bytes])
    actions = models.TextField(blank=True, validators=[no_nul_bytes])
    outcome_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "modification", "purpose"], name="agenda_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} at {self.meeting}"


class Release(models.Model):
    """A SEC Release ("November 2022 SEC Release"): modifications are implemented in one."""

    name = models.CharField(max_length=100, unique=True, validators=[no_nul_bytes])
    date = models.DateField()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return self.name
