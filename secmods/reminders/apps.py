from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "secmods.reminders"

    def ready(self) -> None:
        from . import kinds, signals

        kinds.register_builtin_kinds()
        signals.connect()
