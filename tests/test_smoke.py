from tests.factories import MilestoneFactory, ModificationFactory


def test_factories_build_a_modification_with_a_milestone(db):
    milestone = MilestoneFactory()
    assert milestone.modification.reference.startswith("DP")
    assert ModificationFactory().pk
