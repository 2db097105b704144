"""manage.py export_meeting_pack MEETING_ID -o FILE"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from secmods.committees.models import Meeting
from secmods.documents.exporting import meeting_pack_docx
from secmods.documents.selectors import meeting_pack


class Command(BaseCommand):
    help = "Write a meeting pack (.docx): the agenda, then each scheduled modification's report."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("meeting_id", type=int)
        parser.add_argument("-o", "--output", required=True, help="the file to write")

    def handle(self, *args: Any, meeting_id: int, output: str, **options: Any) -> None:
        meeting = Meeting.objects.select_related("committee").filter(pk=meeting_id).first()
        if meeting is None:
            raise CommandError(f"no meeting with id {meeting_id}")
        content = meeting_pack_docx(meeting_pack(meeting))
        try:
            Path(output).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write it ({exc.strerror or exc})") from None
        self.stdout.write(f"Meeting pack for {meeting} written to {output} ({len(content)} bytes)")
