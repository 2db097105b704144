from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    name = "secmods.committees"

    def ready(self) -> None:
        from django.contrib import admin

        # A committee member's admin home starts with their committees' next agendas.
        admin.site.index_template = "admin/secmods_index.html"

        # A minuted CSC or Panel agenda item counts as the problem statement agreed.
        from secmods.rules import lifecycle

        from . import selectors

        lifecycle.register_evidence(
            lifecycle.PROBLEM_STATEMENT_AGREED_AT_MEETING,
            selectors.problem_statement_agreed_at_meeting,
        )

        # The "papers due" reminder to SECAS staff (docs/reminders.md, "Registries").
        from . import reminders

        reminders.register()
