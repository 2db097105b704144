from django.apps import AppConfig


class CommitteesConfig(AppConfig):
    name = "secmods.committees"

    def ready(self) -> None:
        # (The admin home, members' next agendas included, is secmods.workspace's.)
        # A minuted CSC or Panel agenda item counts as the problem statement agreed.
        from secmods.rules import lifecycle

        from . import selectors

        lifecycle.register_evidence(
            lifecycle.PROBLEM_STATEMENT_AGREED_AT_MEETING,
            selectors.problem_statement_agreed_at_meeting,
        )

        # Its inlines on a modification's page and a person's page.
        from secmods.core import admin as core_admin

        from .admin import MembershipInline, ModificationAgendaInline

        core_admin.register_inline("modifications.Modification", ModificationAgendaInline)
        core_admin.register_inline("parties.Person", MembershipInline)

        # A login whose memberships have all ended is no longer a committee member.
        from secmods.core import roles

        roles.register_former_member_check(selectors.memberships_all_ended)

        # The "papers due" reminder to SECAS staff (docs/reminders.md, "Registries").
        from . import reminders

        reminders.register()

        # forget_person asks this app to erase (or say what it keeps of) a person's data.
        from secmods.parties import services as parties_services

        from . import personal_data

        parties_services.register_eraser(personal_data.erase)

        # A meeting moves from "upcoming" to "past" on the public pages when it starts.
        from secmods.core import pagecache

        from .models import Meeting

        pagecache.register_clock_source(pagecache.field_moments(Meeting.objects, "starts_at"))
