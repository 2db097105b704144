"""consultations.selectors: spreadsheet-safe CSV cells and who sees which consultations."""

from __future__ import annotations

import pytest

from secmods.consultations import selectors


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Plain text", "Plain text"),
        (None, ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_escaped(value, cell):  # type: ignore[no-untyped-def]
    assert selectors.escape_cell(value) == cell
