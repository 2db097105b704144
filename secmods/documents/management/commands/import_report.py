"""manage.py import_report PATH [--reference MP160] [--title "..."] [--dry-run]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from secmods.documents.parsing import DocumentError
from secmods.documents.services import (
    ImportSummary,
    MissingDetail,
    import_report,
    max_bytes,
    read_report,
)


def format_summary(summary: ImportSummary) -> str:
    """A short table of what was found and what the import did."""
    action = (
        "would create"
        if summary.dry_run and summary.created
        else ("would update" if summary.dry_run else ("created" if summary.created else "updated"))
    )
    lines = [
        f"{summary.reference} {summary.title} ({action}, from {summary.source_format})",
        f"  Proposer    {summary.proposer or '-'}",
        f"  Raised      {summary.raised_on:%d %b %Y}" if summary.raised_on else "  Raised      -",
        f"  SEC         {'; '.join(summary.sec_sections) or '-'}"
        + (f": {summary.sec_provisions}" if summary.sec_provisions else ""),
        f"  Impacted    {', '.join(summary.impacted) or '-'}",
        f"  Sections    {len(summary.sections)}",
    ]
    for level, heading in summary.sections:
        lines.append(f"    {'  ' * (level - 1)}{heading}")
    lines.append(f"  Timetable   {len(summary.milestones)} milestones")
    width = max((len(label) for label, _, _ in summary.milestones), default=0)
    for label, when, what in summary.milestones:
        lines.append(f"    {label:<{width}}  {when:<16} {what}")
    lines.append(
        f"  Glossary    {len(summary.terms_added)} added "
        f"({', '.join(summary.terms_added) or '-'}), {len(summary.terms_known)} known already"
    )
    if summary.version_kept:
        lines.append(f"  Previous text kept as version {summary.version_kept}")
    if summary.warnings:
        lines.append(f"  Warnings    {len(summary.warnings)} (read them before relying on it)")
    lines += [f"  Warning: {warning}" for warning in summary.warnings]
    if summary.dry_run:
        lines.append("Dry run: nothing was written.")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Import a Modification Report (plain text, PDF or Word .docx): sections, timetable "
        "and glossary, in one transaction. A newer version of a known report updates it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--reference", default="", help="e.g. MP160, when the file has none")
        parser.add_argument("--title", default="", help="when the file gives no title")
        parser.add_argument("--dry-run", action="store_true", help="show, write nothing")

    def handle(self, *args: Any, path: str, reference: str, title: str, **options: Any) -> None:
        file = Path(path)
        try:
            if not file.is_file():
                raise DocumentError(f"{path}: no such file")
            if file.stat().st_size > max_bytes():
                # Refuse before reading a huge file into memory.
                raise DocumentError(
                    f"{file.name} is {file.stat().st_size / 1_048_576:.1f} MB: the limit is "
                    f"{max_bytes() / 1_048_576:.0f} MB (DOCUMENT_MAX_BYTES)"
                )
            report = read_report(file.read_bytes(), file.name)
            summary = import_report(
                report,
                reference=reference,
                title=title,
                source_name=file.name,
                dry_run=options["dry_run"],
            )
        except DocumentError as exc:
            message = str(exc)
            if isinstance(exc, MissingDetail):
                message += f": pass --{exc.detail}"
            raise CommandError(
                message if file.name in message else f"{file.name}: {message}"
            ) from None
        except OSError as exc:
            raise CommandError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        self.stdout.write(format_summary(summary))
