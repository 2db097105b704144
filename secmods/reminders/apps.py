from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "secmods.reminders"

    def ready(self) -> None:
        from . import checks, kinds, signals  # noqa: F401 - checks registers itself

        kinds.register_builtin_kinds()
        signals.connect()
