from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        # After every app's migrations: a rule a data migration shipped plans its events
        # as one saved by staff does (not only for events changed after it).
        post_migrate.connect(_plan_shipped_rules, sender=self, dispatch_uid="reminders.plan")


def _plan_shipped_rules(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from .services import plan_unplanned_rules  # models are ready only once migrate ran

    plan_unplanned_rules()
