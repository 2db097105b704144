from typing import Any

from django.apps import AppConfig
from django.db import transaction


def _delete_file(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Whatever deletes a Document (the admin, a bulk delete, its modification's cascade), its
    # file goes too, once the deletion is committed; a rolled-back delete keeps the file.
    name = instance.file.name
    storage = instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "secmods.documents"
    verbose_name = "Documents and Modification Reports"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from secmods.core import admin as core_admin

        from .admin import DocumentInline, ReportVersionInline
        from .models import Document

        post_delete.connect(_delete_file, sender=Document, dispatch_uid="documents-delete-file")
        # A modification's page shows its library and the earlier texts of its report.
        core_admin.register_inline("modifications.Modification", DocumentInline)
        core_admin.register_inline("modifications.Modification", ReportVersionInline)
