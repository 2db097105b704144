from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    name = "secmods.committees"

    def ready(self) -> None:
        from django.contrib import admin

        # A committee member's admin home starts with their committees' next agendas.
        admin.site.index_template = "admin/secmods_index.html"

        # The "papers due" reminder to SECAS staff (docs/reminders.md, "Registries").
        from . import reminders

        reminders.register()
