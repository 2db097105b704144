from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "secmods.documents"
    verbose_name = "Documents and Modification Reports"
