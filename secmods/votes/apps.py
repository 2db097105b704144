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
