"""Admin forms: a library upload checked by content, and a report import with a preview."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from .filetypes import FileTypeError, check_upload
from .models import Document


def _read_upload(upload: Any) -> bytes:
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise forms.ValidationError(
            f"{upload.name} is {upload.size / 1_048_576:.1f} MB; the limit is "
            f"{settings.DOCUMENT_MAX_BYTES / 1_048_576:.0f} MB."
        )
    return b"".join(upload.chunks())


class DocumentForm(forms.ModelForm):
    upload = forms.FileField(
        label="File",
        help_text="PDF, Word (.docx), Excel (.xlsx) or text; checked by its content.",
    )

    class Meta:
        model = Document
        fields = ["modification", "title", "kind", "visibility"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A committee member reads the page: its fields are read-only, not on the form.
        title = self.fields.get("title")
        if title is not None:
            title.required = False
            title.help_text = "Leave empty to use the file's name."
        if self.instance.pk:
            # A stored file is never replaced in place: upload a new document instead.
            self.fields.pop("upload", None)
            if title is not None:
                title.required = True
        self.data_bytes: bytes | None = None
        self.content_type = ""

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        data = _read_upload(upload)
        try:
            self.content_type = check_upload(
                data, upload.name, max_bytes=settings.DOCUMENT_MAX_BYTES
            )
        except FileTypeError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.data_bytes = data
        return upload


class ReportImportForm(forms.Form):
    file = forms.FileField(
        help_text="A Modification Report or Draft Proposal: text, PDF or Word (.docx)."
    )
    reference = forms.CharField(
        required=False,
        max_length=20,
        help_text="e.g. MP160; needed when the document does not give its reference.",
    )
    title = forms.CharField(
        required=False, max_length=300, help_text="Needed when the document gives no title."
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        self.data_bytes = _read_upload(upload)
        return upload


class ConfirmImportForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
