"""Marking acronyms in a modification's text: <abbr title="full term"> linking to the glossary."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from secmods.glossary.models import GlossaryTerm
from secmods.glossary.selectors import Term

# A glossary row, or the API's light copy of one: both have an acronym and a full term.
AnyTerm = GlossaryTerm | Term


def _escape(text: Any) -> str:
    """Django's conditional_escape, the same characters (&#x27; for '), without its lazy
    wrapper: the modification page escapes some two hundred pieces of text this way."""
    if hasattr(text, "__html__"):
        return text.__html__()  # type: ignore[no-any-return]
    return html.escape(str(text))


def term_anchor(acronym: str) -> str:
    """The id of a term on the glossary page ("SMKI PMA" -> "term-SMKI-PMA")."""
    return "term-" + re.sub(r"[^A-Za-z0-9]+", "-", acronym).strip("-")


def _pattern(terms: Iterable[AnyTerm]) -> re.Pattern[str] | None:
    acronyms = sorted({term.acronym for term in terms if term.acronym}, key=len, reverse=True)
    if not acronyms:
        return None
    # Case-sensitive whole words, plurals too ("CSRs"), as terms_used_by finds them.
    alternatives = "|".join(re.escape(acronym) for acronym in acronyms)
    return re.compile(rf"(?<![A-Za-z0-9&])({alternatives})(s?)(?![A-Za-z0-9&])")


class Acronyms:
    """A page's glossary terms prepared once for every text the page marks: the modification
    page marks some fifty texts (title, milestones, report, outcomes, questions), and
    building the pattern, reversing the glossary's address and formatting each link again
    for every one of them cost more than the marking."""

    def __init__(self, terms: Iterable[AnyTerm]) -> None:
        self.terms = list(terms)
        self.pattern = _pattern(self.terms)
        self.full_terms = {term.acronym: term.full_term for term in self.terms}
        self._links: dict[tuple[str, str], str] = {}
        self._glossary = ""

    def _link(self, acronym: str, plural: str) -> str:
        link = self._links.get((acronym, plural))
        if link is None:
            if not self._glossary:
                self._glossary = reverse("register:glossary")
            link = format_html(
                '<a class="term" href="{}#{}"><abbr title="{}">{}</abbr>{}</a>',
                self._glossary,
                term_anchor(acronym),
                self.full_terms[acronym] + plural,
                acronym,
                plural,
            )
            self._links[(acronym, plural)] = link
        return link

    def mark(self, text: str) -> SafeString:
        """The text, escaped, with each known acronym wrapped in a glossary link and <abbr>."""
        if self.pattern is None:
            return mark_safe(_escape(text))  # noqa: S308 - escaped
        pieces: list[str] = []
        position = 0
        for match in self.pattern.finditer(text):
            pieces.append(_escape(text[position : match.start()]))
            pieces.append(self._link(match.group(1), match.group(2)))
            position = match.end()
        if not pieces:
            return mark_safe(_escape(text))  # noqa: S308 - escaped
        pieces.append(_escape(text[position:]))
        return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above

    def paragraphs(self, text: str) -> SafeString:
        """Blank-line separated paragraphs as <p>, acronyms marked."""
        blocks = [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]
        return mark_safe(  # noqa: S308 - mark escapes
            "".join(f"<p>{self.mark(block)}</p>" for block in blocks)
        )


def _acronyms(terms: Iterable[AnyTerm] | Acronyms) -> Acronyms:
    return terms if isinstance(terms, Acronyms) else Acronyms(terms)


def mark_acronyms(text: str, terms: Iterable[AnyTerm] | Acronyms) -> SafeString:
    """The text, escaped, with each known acronym wrapped in a glossary link and <abbr>."""
    return _acronyms(terms).mark(text)


def paragraphs(text: str, terms: Iterable[AnyTerm] | Acronyms) -> SafeString:
    """Blank-line separated paragraphs as <p>, acronyms marked."""
    return _acronyms(terms).paragraphs(text)
