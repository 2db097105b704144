from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "secmods.parties"

    def ready(self) -> None:
        # Every SECAS staff login gets a Person (secmods/parties/staff.py).
        from . import staff

        staff.connect()
