"""Load the seed (fixtures/seed.json) into an empty database, never over existing data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from secmods.committees.models import Committee
from secmods.core.pagecache import public_content_changed
from secmods.glossary.models import GlossaryTerm
from secmods.modifications.models import Modification

DEFAULT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"
HISTORY_MODELS = [
    "modifications.Modification",
    "modifications.Milestone",
    "committees.Meeting",
    "parties.Person",
]


class Command(BaseCommand):
    help = "Load the seed modification (DP160) and its committees into an empty database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fixture", default=str(DEFAULT_FIXTURE))

    def handle(self, *args: Any, fixture: str, **options: Any) -> None:
        if not Path(fixture).is_file():
            raise CommandError(f"seed fixture not found: {fixture}")
        if (
            Modification.objects.exists()
            or Committee.objects.exists()
            or GlossaryTerm.objects.exists()
        ):
            self.stdout.write("The database already holds data: the seed was not loaded.")
            return
        with transaction.atomic():
            call_command("loaddata", fixture, verbosity=0)
            # loaddata writes no history rows; give every seeded object its first one.
            call_command("populate_history", *HISTORY_MODELS, verbosity=0)
            # Written past the services: any cached public page of the empty register goes.
            public_content_changed()
        self.stdout.write(self.style.SUCCESS(f"Seed loaded from {fixture}."))
