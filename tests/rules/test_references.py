import pytest

from secmods.rules.references import ParsedReference, format_reference, parse_reference


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
