"""manage.py export_report MP160 --format docx|html -o FILE"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from secmods.documents.exporting import report_docx, report_html
from secmods.documents.selectors import report_data
from secmods.modifications.selectors import get_by_reference


class Command(BaseCommand):
    help = "Write a modification's Modification Report as Word (.docx) or one HTML page."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("reference", help="MP160, DP160, 160...")
        parser.add_argument("--format", choices=["docx", "html"], default="docx")
        parser.add_argument("-o", "--output", required=True, help="the file to write")

    def handle(self, *args: Any, reference: str, output: str, **options: Any) -> None:
        modification = get_by_reference(reference)
        if modification is None:
            raise CommandError(f"no modification {reference}")
        data = report_data(modification)
        content = (
            report_docx(data) if options["format"] == "docx" else report_html(data).encode("utf-8")
        )
        try:
            Path(output).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write it ({exc.strerror or exc})") from None
        self.stdout.write(f"{modification.reference} written to {output} ({len(content)} bytes)")
