"""manage.py forget_person PERSON_ID: erase one person's personal data, in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from secmods.parties.models import Person
from secmods.parties.services import forget_person


class Command(BaseCommand):
    help = "Erase a person's personal data (history included) and say what was kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("person_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = forget_person(options["person_id"])
        except Person.DoesNotExist:
            raise CommandError(f"No person has id {options['person_id']}.") from None
        self.stdout.write(f"Forgot person {report.person_id}.")
        for what, count in report.erased.items():
            self.stdout.write(f"  erased: {count} {what}")
        for what in report.kept:
            self.stdout.write(f"  kept: {what}")
