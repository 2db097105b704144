from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "secmods.reminders"

    def ready(self) -> None:
        from . import checks, kinds  # noqa: F401 - checks registers itself

        kinds.register_builtin_kinds()

        # Each modification's page lists its reminders.
        from secmods.core import admin as core_admin

        from .admin import ReminderInline

        core_admin.register_inline("modifications.Modification", ReminderInline)

        # forget_person asks this app to erase (or say what it keeps of) a person's data.
        from secmods.parties import services as parties_services

        from . import personal_data

        parties_services.register_eraser(personal_data.erase)
