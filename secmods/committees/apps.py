from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    name = "secmods.committees"
