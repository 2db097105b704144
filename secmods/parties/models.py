from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from secmods.core.validators import no_nul_bytes


class PartyCategory(models.Model):
    """A SEC Party Category (Large Supplier, Gas Network...). Data, not code: the Change Board
    votes by these, consultations summarise by them, and SECAS can rename or add one."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True, validators=[no_nul_bytes])
    is_sec_party = models.BooleanField(
        default=True, help_text="False for respondents who are not SEC Parties."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "party categories"

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(max_length=200, validators=[no_nul_bytes])
    short_name = models.CharField(
        max_length=40, blank=True, validators=[no_nul_bytes], help_text="e.g. DCC"
    )
    party_category = models.ForeignKey(
        PartyCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name


class Person(models.Model):
    name = models.CharField(max_length=200, validators=[no_nul_bytes])
    email = models.EmailField(blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        help_text="The login this person uses, if any.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        organisation = self.organisation if self.organisation_id else None
        if organisation is not None:
            return f"{self.name} ({organisation.short_name or organisation.name})"
        return self.name
