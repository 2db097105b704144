from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The admin home: a dashboard for SECAS staff, the next agendas for committee members.

    On top of every other app: it reads them, nothing imports it."""

    name = "secmods.workspace"

    def ready(self) -> None:
        from django.contrib import admin

        admin.site.index_template = "admin/workspace/index.html"
