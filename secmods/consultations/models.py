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

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.modification.reference}"
