"""What `forget_person` keeps here (registered in VotesConfig.ready): a vote is the SEC's
record, kept with the Party Category it was cast for; it names the person only by id."""

from __future__ import annotations

from secmods.parties.services import Erasure

from .models import Vote


def erase(erasure: Erasure) -> None:
    votes = Vote.objects.filter(person_id=erasure.person.pk).select_related("party_category")
    for vote in votes:
        erasure.report.kept.append(
            f"vote {vote.pk} ({vote.choice}) for Party Category '{vote.party_category}'"
        )
