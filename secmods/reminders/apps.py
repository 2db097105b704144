from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "secmods.reminders"
