from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "secmods.core"
    label = "secmods_core"
