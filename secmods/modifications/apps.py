from django.apps import AppConfig


class ModificationsConfig(AppConfig):
    name = "secmods.modifications"

    def ready(self) -> None:
        # The "milestone" reminder event kind and its receivers (docs/reminders.md).
        from . import reminders

        reminders.register()
