import pytest

from secmods.modifications.models import Stage
from secmods.modifications.references import ParsedReference, format_reference, parse_reference
from secmods.modifications.selectors import get_by_reference, search_modifications
from tests.factories import ModificationFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MP160", (160, "")),
        ("mp160", (160, "")),
        ("MP 160", (160, "")),
        ("mp 160", (160, "")),
        ("DP160", (160, "")),
        ("dp 160", (160, "")),
        ("160", (160, "")),
        (" 160 ", (160, "")),
        ("MP160A", (160, "A")),
        ("mp160a", (160, "A")),
        ("MP102A", (102, "A")),
        ("SECMP0007", (7, "")),
        ("SECMP 0037", (37, "")),
        ("secmp37", (37, "")),
        ("MP-160", (160, "")),
    ],
)
def test_every_spelling_parses_to_one_number(text, expected):
    assert parse_reference(text) == ParsedReference(*expected)


@pytest.mark.parametrize("text", ["", "MP", "MP0", "XY160", "160 MP", "certificate", "MP160AB"])
def test_words_that_are_not_references(text):
    assert parse_reference(text) is None


def test_format():
    assert format_reference(160, "", draft=True, legacy=False) == "DP160"
    assert format_reference(160, "A", draft=False, legacy=False) == "MP160A"
    assert format_reference(7, "", draft=False, legacy=True) == "SECMP0007"


@pytest.mark.parametrize("spelling", ["MP160", "mp 160", "DP160", "160", "Mp160", "dp 160"])
def test_lookup_finds_the_same_modification(db, spelling):
    modification = ModificationFactory(number=160)
    ModificationFactory(number=16)
    ModificationFactory(number=1600)
    assert get_by_reference(spelling) == modification


def test_reference_follows_the_stage(db):
    modification = ModificationFactory(number=160)
    assert modification.reference == "DP160"
    modification.stage = Stage.REFINEMENT
    assert modification.reference == "MP160"


def test_search_matches_reference_or_title(db):
    target = ModificationFactory(number=160, title="Certificate Signing Request forecasting")
    other = ModificationFactory(number=161, title="Something else")
    from secmods.modifications.models import Modification

    everything = Modification.objects.all()
    assert list(search_modifications(everything, "mp 160")) == [target]
    assert list(search_modifications(everything, "signing request")) == [target]
    assert set(search_modifications(everything, "")) == {target, other}
