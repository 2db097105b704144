"""votes.selectors: a modification's ballots, newest first, in a fixed number of queries."""

from __future__ import annotations

from secmods.votes import selectors
from secmods.votes.services import record_vote
from tests.factories import ChangeBoardMembershipFactory, ModificationFactory, UserFactory


def test_ballots_come_with_their_votes_in_four_queries(db, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    modification = ModificationFactory(stage="change_board", path="path_3")
    staff = UserFactory(secas_staff=True)
    for _ in range(3):
        member = ChangeBoardMembershipFactory()
        record_vote(modification, person=member.person, choice="for", recorded_by=staff)
    assert selectors.current_ballot(modification) is not None
    # The ballots, then one query each for votes, people, Party Categories, rule categories.
    with django_assert_max_num_queries(5):
        ballots = list(selectors.ballots_for(modification))
        choices = [v.choice for b in ballots for v in b.votes.all()]
    assert choices == ["for", "for", "for"]
