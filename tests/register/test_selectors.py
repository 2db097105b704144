"""register.selectors: search-box text made safe to query with, and a reference typed into
the search box leads to the modification."""

from __future__ import annotations

import pytest

from secmods.register import selectors


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("  smart \t meter ", "smart meter"),
        ("a\x00b", "a b"),
        (None, ""),
        ("x" * 500, "x" * 200),
    ],
)
def test_search_text_is_cleaned(text, clean):  # type: ignore[no-untyped-def]
    assert selectors.clean_text(text) == clean


def test_a_reference_in_the_search_box_finds_a_published_modification(seed):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import AnonymousUser

    assert selectors.reference_match(AnonymousUser(), "mp 160") == seed
    assert selectors.reference_match(AnonymousUser(), "smart meters") is None
