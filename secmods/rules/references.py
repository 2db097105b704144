"""Modification references in every spelling users type.

DP160 (a Draft Proposal) becomes MP160 on conversion and keeps its number; an alternative
solution carries a letter (MP102A); older modifications were SECMP0007 or "SECMP 0037".
Users type "MP160", "mp 160", "DP160" or "160" and expect the same modification.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_REFERENCE = re.compile(
    r"^\s*(?:(?P<prefix>secmp|mp|dp)\s*[-_.]?\s*)?0*(?P<number>\d{1,6})\s*(?P<suffix>[a-z])?\s*$",
    re.I,
)


class ParsedReference(NamedTuple):
    number: int
    suffix: str  # "" for the original solution, "A", "B"... for alternatives


def parse_reference(text: str) -> ParsedReference | None:
    """The number and suffix a spelling stands for, or None when it is not a reference."""
    match = _REFERENCE.match(text or "")
    if not match:
        return None
    number = int(match["number"])
    if number == 0:
        return None
    return ParsedReference(number, (match["suffix"] or "").upper())


def format_reference(number: int, suffix: str, *, draft: bool, legacy: bool) -> str:
    if legacy:
        return f"SECMP{number:04d}{suffix}"
    return f"{'DP' if draft else 'MP'}{number}{suffix}"
