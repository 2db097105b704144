from django.db import models
from django.db.models.functions import Upper

from secmods.core.validators import no_nul_bytes


class GlossaryTerm(models.Model):
    """One acronym with one meaning across every modification report."""

    acronym = models.CharField(max_length=30, validators=[no_nul_bytes])
    full_term = models.CharField(max_length=300, validators=[no_nul_bytes])
    description = models.TextField(blank=True, validators=[no_nul_bytes])

    class Meta:
        ordering = ["acronym"]
        constraints = [
            models.UniqueConstraint(Upper("acronym"), name="glossary_acronym_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.acronym}: {self.full_term}"
