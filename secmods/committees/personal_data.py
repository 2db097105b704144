"""What `forget_person` keeps here (registered in CommitteesConfig.ready): memberships
(committee, role, dates) are the SEC's record of who sat where."""

from __future__ import annotations

from secmods.parties.services import Erasure

from .models import Membership


def erase(erasure: Erasure) -> None:
    memberships = Membership.objects.filter(person_id=erasure.person.pk).select_related("committee")
    for membership in memberships:
        erasure.report.kept.append(
            f"membership of {membership.committee} from {membership.start_date}"
            f" to {membership.end_date or 'now'}"
        )
