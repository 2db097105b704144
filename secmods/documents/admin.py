"""The documents library, the report import (upload, preview, confirm) and report versions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst

from secmods.core.admin import SafeFieldsMixin, ServiceAdminMixin, adopt, model_fields

from . import services
from .forms import ConfirmImportForm, DocumentForm, ReportImportForm
from .models import Document, ReportVersion
from .parsing import DocumentError
from .services import MissingDetail

# Uploads wait here between preview and confirm: under MEDIA_ROOT but never served (no URL
# maps to MEDIA_ROOT), named at random, and handed back only through a signed token bound to
# the user who uploaded. Files older than REPORT_IMPORT_PREVIEW_MAX_AGE are swept away.
PENDING_DIR = "report-imports"
SALT = "secmods.documents.import-preview"


@admin.register(Document)
class DocumentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = DocumentForm
    change_list_template = "admin/documents/document/change_list.html"
    list_display = [
        "title",
        "modification",
        "kind",
        "visibility",
        "size_display",
        "uploaded_by",
        "uploaded_at",
        "download",
    ]
    list_filter = ["kind", "visibility"]
    list_select_related = ["modification", "uploaded_by"]
    search_fields = ["title", "original_name"]
    autocomplete_fields = ["modification"]
    readonly_fields = ["download", "original_name", "content_type", "size_display", "sha256"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["modification", "upload", "title", "kind", "visibility"]
        return ["modification", "title", "kind", "visibility", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return ["modification", *self.readonly_fields]

    @admin.display(description="Size")
    def size_display(self, obj: Document) -> str:
        return f"{obj.size / 1024:.0f} KB" if obj.size else "-"

    @admin.display(description="File")
    def download(self, obj: Document) -> str:
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a>', reverse("documents:download", args=[obj.pk]), obj.original_name
        )

    def save_model(self, request: HttpRequest, obj: Document, form: Any, change: bool) -> None:
        if change:
            current = Document.objects.get(pk=obj.pk)
            adopt(obj, services.update_document(current, **model_fields(form)))
            return
        created = services.add_document(
            form.cleaned_data["modification"],
            data=form.data_bytes,
            filename=form.cleaned_data["upload"].name,
            title=form.cleaned_data.get("title") or "",
            kind=form.cleaned_data["kind"],
            visibility=form.cleaned_data["visibility"],
            user=request.user,
        )
        adopt(obj, created)

    def delete_model(self, request: HttpRequest, obj: Document) -> None:
        services.delete_document(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset:
            services.delete_document(document)

    # --- Import a report: upload, preview (a dry run), confirm ---------------------------
    def get_urls(self) -> list[Any]:
        return [
            path(
                "import-report/",
                self.admin_site.admin_view(self.import_report_view),
                name="documents_import_report",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {**(extra_context or {}), "may_import": self._may_import(request)}
        return super().changelist_view(request, extra_context)

    def _may_import(self, request: HttpRequest) -> bool:
        return request.user.has_perms(
            ["modifications.add_modification", "modifications.change_modification"]
        )

    def import_report_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_import(request):
            raise PermissionDenied
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import a Modification Report",
            "max_mb": settings.DOCUMENT_MAX_BYTES // 1_048_576,
        }
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request, context)
        # The modification page's "Import a new version" names its reference.
        initial = {"reference": request.GET.get("reference", "")[:20]}
        form = ReportImportForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.read_report(form.data_bytes, upload.name)
                summary = services.import_report(
                    report,
                    reference=form.cleaned_data["reference"],
                    title=form.cleaned_data["title"],
                    user=request.user,
                    source_name=upload.name,
                    dry_run=True,
                )
            except MissingDetail as exc:
                # A web page's words, not the command line's ("pass --reference").
                form.add_error(exc.detail, f"{capfirst(str(exc))}: type it here.")
            except DocumentError as exc:
                form.add_error("file", str(exc))
            else:
                token = self._keep_pending(request, form, upload.name)
                context |= {
                    "summary": summary,
                    "confirm_form": ConfirmImportForm(initial={"token": token}),
                    "filename": upload.name,
                }
        context["form"] = form
        return TemplateResponse(request, "admin/documents/import_report.html", context)

    def _keep_pending(self, request: HttpRequest, form: ReportImportForm, filename: str) -> str:
        _sweep_pending()
        suffix = PurePath(filename).suffix.lower()[:10]
        name = default_storage.save(
            f"{PENDING_DIR}/{uuid.uuid4().hex}{suffix}", ContentFile(form.data_bytes)
        )
        return signing.dumps(
            {
                "name": name,
                "filename": filename,
                "user": request.user.pk,
                "reference": form.cleaned_data["reference"],
                "title": form.cleaned_data["title"],
            },
            salt=SALT,
        )

    def _confirm(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        form = ReportImportForm()
        try:
            pending = signing.loads(
                request.POST["token"],
                salt=SALT,
                max_age=settings.REPORT_IMPORT_PREVIEW_MAX_AGE,
            )
        except signing.SignatureExpired:
            form.errors["file"] = form.error_class(
                ["The preview has expired: upload the file again."]
            )
            return TemplateResponse(
                request, "admin/documents/import_report.html", context | {"form": form}
            )
        except signing.BadSignature:
            raise PermissionDenied from None
        if pending["user"] != request.user.pk or not str(pending["name"]).startswith(
            f"{PENDING_DIR}/"
        ):
            raise PermissionDenied
        try:
            with default_storage.open(pending["name"], "rb") as handle:
                data = handle.read()
        except OSError:
            form.errors["file"] = form.error_class(
                ["The uploaded file is no longer here: upload it again."]
            )
            return TemplateResponse(
                request, "admin/documents/import_report.html", context | {"form": form}
            )
        try:
            summary = services.import_report(
                services.read_report(data, pending["filename"]),
                reference=pending["reference"],
                title=pending["title"],
                user=request.user,
                source_name=pending["filename"],
            )
        except (DocumentError, ValidationError) as exc:
            form.errors["file"] = form.error_class([str(exc)])
            return TemplateResponse(
                request, "admin/documents/import_report.html", context | {"form": form}
            )
        default_storage.delete(pending["name"])
        verb = "created" if summary.created else "updated"
        self.message_user(
            request,
            f"{summary.reference} {verb} from {pending['filename']}: "
            f"{len(summary.sections)} sections, {len(summary.milestones)} milestones, "
            f"{len(summary.terms_added)} new glossary terms.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:modifications_modification_change", args=[summary.modification_id])
        )


def _sweep_pending() -> None:
    """Delete previews nobody confirmed, once they can no longer be confirmed."""
    try:
        _, files = default_storage.listdir(PENDING_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return
    cutoff = timezone.now() - timedelta(seconds=settings.REPORT_IMPORT_PREVIEW_MAX_AGE)
    for name in files:
        full = f"{PENDING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(full) < cutoff:
                default_storage.delete(full)
        except OSError:
            continue


@admin.register(ReportVersion)
class ReportVersionAdmin(SafeFieldsMixin, admin.ModelAdmin):
    list_display = ["modification", "number", "replaced_at", "replaced_by", "replaced_by_source"]
    list_select_related = ["modification", "replaced_by"]
    fields = [
        "modification",
        "number",
        "replaced_at",
        "replaced_by",
        "replaced_by_source",
        "text",
        "timetable",
    ]
    readonly_fields = fields  # type: ignore[assignment]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DocumentInline(SafeFieldsMixin, admin.TabularInline):
    """The modification's library, listed on its page (uploads go through DocumentAdmin)."""

    model = Document
    extra = 0
    fields = ["title", "kind", "visibility", "download", "uploaded_at"]
    readonly_fields = fields  # type: ignore[assignment]
    verbose_name_plural = "documents library"
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="File")
    def download(self, obj: Document) -> str:
        if not obj.pk:  # a row a tampered form claims: nothing to link to
            return "-"
        return format_html(
            '<a href="{}">{}</a>', reverse("documents:download", args=[obj.pk]), obj.original_name
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        return super().get_queryset(request).select_related("modification")


class ReportVersionInline(SafeFieldsMixin, admin.TabularInline):
    model = ReportVersion
    extra = 0
    fields = ["number", "replaced_at", "replaced_by", "replaced_by_source"]
    readonly_fields = fields  # type: ignore[assignment]
    verbose_name_plural = "earlier texts of the report"
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
