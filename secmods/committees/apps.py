from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    name = "secmods.committees"

    def ready(self) -> None:
        # (The admin home, members' next agendas included, is secmods.workspace's.)
        # The "papers due" reminder to SECAS staff (docs/reminders.md, "Registries").
        from . import reminders

        reminders.register()
