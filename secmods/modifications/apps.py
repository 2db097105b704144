from django.apps import AppConfig


class ModificationsConfig(AppConfig):
    name = "secmods.modifications"

    def ready(self) -> None:
        # The "milestone" reminder event kind and its receivers (docs/reminders.md).
        from . import reminders

        reminders.register()

        # A modification published for a later time appears on the register then.
        from secmods.core import pagecache

        from .models import Modification

        pagecache.register_clock_source(
            pagecache.field_moments(Modification.objects, "published_at")
        )
