"""Files and reports over HTTP, each behind a permission check (never from MEDIA_URL)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

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
