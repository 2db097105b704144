"""A modification's documents library, and the earlier texts of its Modification Report."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models

from secmods.core.validators import no_nul_bytes


class DocumentKind(models.TextChoices):
    MODIFICATION_REPORT = "modification_report", "Modification Report"
    DRAFT_PROPOSAL = "draft_proposal", "Draft Proposal"
    DCC_ASSESSMENT = "dcc_assessment", "DCC assessment"
    CONSULTATION_RESPONSE = "consultation_response", "Consultation response"
    MINUTES = "minutes", "Minutes"
    LEGAL_TEXT = "legal_text", "Legal text"
    OTHER = "other", "Other"


class Visibility(models.TextChoices):
    PUBLISHED = "published", "Published (the public sees it)"
    CONFIDENTIAL = "confidential", "Confidential (SECAS staff and committee members only)"


def _upload_to(instance: Document, filename: str) -> str:
    # A random name: the uploader's file name is kept in `original_name`, never trusted as a
    # path, and nobody can guess another document's location.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"documents/{uuid.uuid4().hex}{suffix}"


class Document(models.Model):
    """A file in a modification's library, served only through a view that checks who asks."""

    modification = models.ForeignKey(
        "modifications.Modification", on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(max_length=300, validators=[no_nul_bytes])
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.CONFIDENTIAL
    )
    file = models.FileField(upload_to=_upload_to, max_length=200)
    original_name = models.CharField(max_length=255, validators=[no_nul_bytes])
    content_type = models.CharField(
        max_length=100, editable=False, help_text="Found from the content, not the name."
    )
    size = models.PositiveBigIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["modification", "-uploaded_at", "pk"]
        indexes = [models.Index(fields=["modification", "visibility"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.visibility == Visibility.PUBLISHED


class ReportVersion(models.Model):
    """The text of a Modification Report as it was before a newer version was imported."""

    modification = models.ForeignKey(
        "modifications.Modification", on_delete=models.CASCADE, related_name="report_versions"
    )
    number = models.PositiveIntegerField(help_text="1 for the first text kept, then 2, 3...")
    sections = models.JSONField(help_text="[{heading, level, body}, ...] in report order.")
    timetable = models.JSONField(default=list, help_text="[{label, date}, ...] as it stood.")
    text = models.TextField(help_text="The report as plain text, for reading and comparing.")
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replaced_by_source = models.CharField(
        max_length=255, blank=True, help_text="The file whose import replaced this text."
    )

    class Meta:
        ordering = ["modification", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["modification", "number"], name="report_version_number"
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"
