from django.apps import AppConfig


class VotesConfig(AppConfig):
    name = "secmods.votes"
    verbose_name = "Change Board votes"

    def ready(self) -> None:
        from secmods.rules import lifecycle

        from . import services

        lifecycle.register_condition(
            lifecycle.CHANGE_BOARD_VOTE_RECORDED, services.vote_recorded_guard
        )

        # forget_person asks this app to erase (or say what it keeps of) a person's data.
        from secmods.parties import services as parties_services

        from . import personal_data

        parties_services.register_eraser(personal_data.erase)
