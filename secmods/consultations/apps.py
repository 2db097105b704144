from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "secmods.consultations"

    def ready(self) -> None:
        # The lifecycle table waits for consultations to close (docs/domain.md#stages-and-moves).
        from secmods.rules import lifecycle

        from . import selectors

        lifecycle.register_condition(
            lifecycle.REFINEMENT_CONSULTATIONS_CLOSED, selectors.refinement_consultations_closed
        )
        lifecycle.register_condition(
            lifecycle.REPORT_CONSULTATION_CLOSED, selectors.report_consultation_closed
        )

        # The "consultation closing" reminder (docs/reminders.md, "Registries").
        from . import reminders

        reminders.register()

        # forget_person asks this app to erase (or say what it keeps of) a person's data.
        from secmods.parties import services as parties_services

        from . import personal_data

        parties_services.register_eraser(personal_data.erase)

        # A consultation shows as open on the public pages from opens_at to closes_at.
        from secmods.core import pagecache

        from .models import Consultation

        pagecache.register_clock_source(
            pagecache.field_moments(Consultation.objects, "opens_at", "closes_at")
        )

        # Its inlines on a modification's page: members' comments, the consultations.
        from secmods.core import admin as core_admin

        from .admin import ModificationCommentInline, ModificationConsultationInline

        core_admin.register_inline("modifications.Modification", ModificationCommentInline)
        core_admin.register_inline("modifications.Modification", ModificationConsultationInline)
