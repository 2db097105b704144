from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "secmods.parties"
