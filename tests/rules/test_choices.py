"""The labelled enumerations the rules use in place of Django's TextChoices."""

from secmods.rules.choices import Choices


class Colour(Choices):
    RED = "red", "Bright red"
    DARK_BLUE = "dark_blue"


def test_members_are_strings_with_labels():
    assert Colour.RED == "red"
    assert Colour("dark_blue") is Colour.DARK_BLUE
    assert Colour.RED.label == "Bright red"
    # Without a label, the value read as words.
    assert Colour.DARK_BLUE.label == "Dark blue"


def test_the_class_gives_choices_values_and_labels_in_order():
    assert Colour.choices == [("red", "Bright red"), ("dark_blue", "Dark blue")]
    assert Colour.values == ["red", "dark_blue"]
    assert Colour.labels == ["Bright red", "Dark blue"]


def test_templates_read_the_class_instead_of_calling_it():
    assert Colour.do_not_call_in_templates is True
