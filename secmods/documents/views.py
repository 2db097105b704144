"""Files and reports over HTTP, each behind a permission check (never from MEDIA_URL)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from secmods.committees.models import Meeting
from secmods.modifications.selectors import get_by_reference, visible_modifications

from . import exporting, filetypes, selectors

# A downloaded file may not run scripts in our origin, even if a browser renders it.
_SANDBOX = "sandbox"
REPORT_HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@require_safe
def download_document(request: HttpRequest, pk: int) -> FileResponse:
    document = selectors.downloadable_document(pk, request.user)
    if document is None:
        raise Http404("No such document.")
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404("The file of this document is missing.") from None
    response = FileResponse(
        handle,
        # Always a download: browsers refuse to render a sandboxed PDF inline, and a file
        # saved to disk cannot act within our origin.
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Content-Security-Policy"] = _SANDBOX
    response["X-Content-Type-Options"] = "nosniff"
    # Confidential files must not sit in shared caches.
    response["Cache-Control"] = "private, no-store" if not document.is_published else "private"
    return response


def _visible(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    modification = get_by_reference(reference, visible_modifications(request.user))
    if modification is None:
        raise Http404("No such modification.")
    return modification


@require_safe
def report_docx(request: HttpRequest, reference: str) -> HttpResponse:
    modification = _visible(request, reference)
    content = exporting.report_docx(selectors.report_data(modification))
    response = HttpResponse(content, content_type=filetypes.DOCX)
    response["Content-Disposition"] = (
        f'attachment; filename="{modification.reference}-modification-report.docx"'
    )
    return response


@require_safe
def report_html(request: HttpRequest, reference: str) -> HttpResponse:
    modification = _visible(request, reference)
    response = HttpResponse(
        exporting.report_html(selectors.report_data(modification)),
        content_type="text/html; charset=utf-8",
    )
    # The page carries its styles inline (so that it can be saved or mailed as one file);
    # the register's policy (style-src 'self') would block them. This one allows inline
    # styles and nothing else: no script, no fetch, no form, no framing.
    response["Content-Security-Policy"] = REPORT_HTML_CSP
    return response


@require_safe
def meeting_pack_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting pack (agenda and each report) as Word, for those who may see meetings in
    the admin (SECAS staff, committee members); the "Download" button of a meeting's page."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (user.is_active and user.is_staff and user.has_perm("committees.view_meeting")):
        raise PermissionDenied
    meeting = get_object_or_404(Meeting.objects.select_related("committee"), pk=pk)
    content = exporting.meeting_pack_docx(selectors.meeting_pack(meeting))
    response = HttpResponse(content, content_type=filetypes.DOCX)
    day = meeting.date
    slug = meeting.committee.slug or "meeting"
    response["Content-Disposition"] = f'attachment; filename="{slug}-{day:%Y-%m-%d}-pack.docx"'
    return response
