from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from secmods.core.validators import no_nul_bytes


class Position(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    DOES_NOT_SUPPORT = "does_not_support", "Does not support"
    NEUTRAL = "neutral", "Neutral"
    ABSTAINS = "abstains", "Abstains"


class Comment(models.Model):
    """A committee member's comment on a modification, at a meeting or in writing."""

    modification = models.ForeignKey(
        "modifications.Modification", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="secmods_comments"
    )
    meeting = models.ForeignKey(
        "committees.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        help_text="Only meetings of a committee you are an active member of.",
    )
    text = models.TextField(validators=[no_nul_bytes])
    position = models.CharField(max_length=20, choices=Position.choices, blank=True)
    noted_in_report = models.BooleanField(
        default=False, help_text="SECAS summarised this comment into the report."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The dashboard's "Comments not yet noted", newest first: without it, a sort of
            # every comment on the register, on every visit to the admin home.
            models.Index(
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="comment_not_noted_newest",
                condition=models.Q(noted_in_report=False),
            ),
        ]

    def __str__(self) -> str:
        from secmods.core.people import display_name

        return f"Comment by {display_name(self.author)} on {self.modification.reference}"


# --- Consultations -------------------------------------------------------------------
class ConsultationKind(models.TextChoices):
    REFINEMENT = "refinement", "Refinement Consultation"
    REPORT = "report", "Modification Report Consultation"


class Consultation(models.Model):
    """A Refinement or Modification Report Consultation on a modification.

    Responses are accepted from `opens_at` up to (not including) `closes_at`; by default the
    deadline is 5pm London time on a Working Day (services.default_closing_deadline).
    """

    modification = models.ForeignKey(
        "modifications.Modification", on_delete=models.CASCADE, related_name="consultations"
    )
    kind = models.CharField(max_length=20, choices=ConsultationKind.choices)
    title = models.CharField(max_length=300, validators=[no_nul_bytes])
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(help_text="Responses are due before this time (London).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves on with every change, for the stale-write check (core/concurrency).
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_opening",
            ),
        ]
        indexes = [
            models.Index(fields=["modification", "kind", "closes_at"]),
            # The API's list, newest first: read a page from the index, not sort them all.
            models.Index(fields=["opens_at", "id"], name="consultation_newest"),
            # The dashboard's open consultations, soonest to close first, and the next 90
            # days' closings: those still to close, not every consultation ever held.
            models.Index(fields=["closes_at", "id"], name="consultation_closing"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open_at(self, moment) -> bool:  # type: ignore[no-untyped-def]
        return self.opens_at <= moment < self.closes_at


class QuestionKind(models.TextChoices):
    FREE_TEXT = "free_text", "Free text"
    AGREE_DISAGREE = "agree_disagree", "Agree or disagree, with reasons"


class Question(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField()
    text = models.TextField(validators=[no_nul_bytes])
    kind = models.CharField(
        max_length=20, choices=QuestionKind.choices, default=QuestionKind.AGREE_DISAGREE
    )

    class Meta:
        # By the column, not "consultation" (its ordering, -opens_at): grouping needs no join.
        ordering = ["consultation_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "order"], name="question_order"),
            models.CheckConstraint(condition=~models.Q(text=""), name="question_has_text"),
        ]

    def __str__(self) -> str:
        return f"Q{self.order}: {self.text[:60]}"


class Invitation(models.Model):
    """An invited respondent. The signed link names the invitation and its `key`; revoking
    the invitation (or issuing a new key) makes every earlier link useless."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="invitations"
    )
    name = models.CharField(max_length=200, blank=True, validators=[no_nul_bytes])
    email = models.EmailField()
    organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=64, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consultation_id", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "email"],
                name="invitation_once_per_email",
                violation_error_message="This address is already invited to the consultation.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.consultation}"


class AnswerPosition(models.TextChoices):
    AGREE = "agree", "Agree"
    DISAGREE = "disagree", "Disagree"
    NEUTRAL = "neutral", "Neutral / no view"


class Response(models.Model):
    """One organisation's response; the respondent may change it until the deadline."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="responses"
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    respondent_name = models.CharField(max_length=200, validators=[no_nul_bytes])
    respondent_email = models.EmailField(blank=True)
    organisation_name = models.CharField(max_length=200, validators=[no_nul_bytes])
    party_category = models.ForeignKey(
        "parties.PartyCategory", on_delete=models.PROTECT, related_name="+"
    )
    confidential = models.BooleanField(
        default=False, help_text="Seen by SECAS staff only; never published."
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The SECAS analyst who entered a response that arrived by email.",
    )
    received_at = models.DateTimeField(help_text="When the response (or its last change) came.")
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["consultation_id", "party_category__order", "organisation_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidential=False) | models.Q(published_at__isnull=True),
                name="confidential_response_never_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_name} on {self.consultation}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    position = models.CharField(max_length=10, choices=AnswerPosition.choices, blank=True)
    text = models.TextField(blank=True, validators=[no_nul_bytes])

    class Meta:
        ordering = ["response_id", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.response} / Q{self.question.order}"
