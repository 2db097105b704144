from django.apps import AppConfig


class ModificationsConfig(AppConfig):
    name = "secmods.modifications"
