from django.apps import AppConfig
from django.db.migrations.serializer import (  # type: ignore[attr-defined]
    ChoicesSerializer,
    Serializer,
)

from secmods.rules.choices import Choices


class CoreConfig(AppConfig):
    name = "secmods.core"
    label = "secmods_core"

    def ready(self) -> None:
        # The rules' choices are plain enums (secmods/rules/choices.py): migrations must
        # store their values, as they do for Django's TextChoices, not a reference to the
        # class. Serializers are tried in order and enum.Enum's comes first, so go before it.
        registry = Serializer._registry  # type: ignore[attr-defined]
        Serializer._registry = {Choices: ChoicesSerializer, **registry}  # type: ignore[attr-defined]

        # A migration may write data past the services: no cached public page survives it.
        from django.db.models.signals import post_migrate

        from .pagecache import public_content_changed

        post_migrate.connect(
            lambda **kwargs: public_content_changed(),
            sender=self,
            weak=False,
            dispatch_uid="secmods-public-pages",
        )
