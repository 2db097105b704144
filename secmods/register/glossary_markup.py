"""Marking acronyms in a modification's text: <abbr title="full term"> linking to the glossary."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from secmods.glossary.models import GlossaryTerm


def term_anchor(acronym: str) -> str:
    """The id of a term on the glossary page ("SMKI PMA" -> "term-SMKI-PMA")."""
    return "term-" + re.sub(r"[^A-Za-z0-9]+", "-", acronym).strip("-")


def _pattern(terms: Iterable[GlossaryTerm]) -> re.Pattern[str] | None:
    acronyms = sorted({term.acronym for term in terms if term.acronym}, key=len, reverse=True)
    if not acronyms:
        return None
    # Case-sensitive whole words, plurals too ("CSRs"), as terms_used_by finds them.
    alternatives = "|".join(re.escape(acronym) for acronym in acronyms)
    return re.compile(rf"(?<![A-Za-z0-9&])({alternatives})(s?)(?![A-Za-z0-9&])")


def mark_acronyms(text: str, terms: Iterable[GlossaryTerm]) -> SafeString:
    """The text, escaped, with each known acronym wrapped in a glossary link and <abbr>."""
    terms = list(terms)
    pattern = _pattern(terms)
    if pattern is None:
        return conditional_escape(text)
    full_terms = {term.acronym: term.full_term for term in terms}
    glossary = reverse("register:glossary")
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(conditional_escape(text[position : match.start()]))
        acronym, plural = match.group(1), match.group(2)
        pieces.append(
            format_html(
                '<a class="term" href="{}#{}"><abbr title="{}">{}</abbr>{}</a>',
                glossary,
                term_anchor(acronym),
                full_terms[acronym] + plural,
                acronym,
                plural,
            )
        )
        position = match.end()
    pieces.append(conditional_escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above


def paragraphs(text: str, terms: Iterable[GlossaryTerm]) -> SafeString:
    """Blank-line separated paragraphs as <p>, acronyms marked."""
    terms = list(terms)
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]
    return mark_safe(  # noqa: S308 - mark_acronyms escapes
        "".join(format_html("<p>{}</p>", mark_acronyms(block, terms)) for block in blocks)
    )
