from __future__ import annotations

import pytest

from secmods.glossary.models import GlossaryTerm
from secmods.register.glossary_markup import mark_acronyms, paragraphs, term_anchor

pytestmark = pytest.mark.django_db


def terms() -> list[GlossaryTerm]:
    return [
        GlossaryTerm(acronym="SEC", full_term="Smart Energy Code"),
        GlossaryTerm(acronym="SECAS", full_term="SEC Administrator and Secretariat"),
        GlossaryTerm(acronym="CSR", full_term="Certificate Signing Request"),
        GlossaryTerm(acronym="SMKI PMA", full_term="SMKI Policy Management Authority"),
        GlossaryTerm(acronym="R&D", full_term="Research & Development"),
    ]


def test_whole_words_only_longest_first_and_plurals():
    html = mark_acronyms("SECAS and the SEC; second CSRs; Sec; SMKI PMA.", terms())
    assert '<abbr title="SEC Administrator and Secretariat">SECAS</abbr>' in html
    assert '<abbr title="Smart Energy Code">SEC</abbr></a>;' in html
    assert '<abbr title="Certificate Signing Requests">CSR</abbr>s</a>' in html
    assert "second" in html and ">Sec<" not in html
    assert 'href="/glossary/#term-SMKI-PMA"' in html


def test_text_is_escaped_and_ampersands_work():
    html = mark_acronyms("<script>alert(1)</script> R&D", terms())
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<abbr title="Research &amp; Development">R&amp;D</abbr>' in html


def test_paragraphs_and_anchor():
    html = paragraphs("One SEC.\n\n  \nTwo.", terms())
    assert html.count("<p>") == 2
    assert term_anchor("SMKI PMA") == "term-SMKI-PMA"
    assert mark_acronyms("plain <b>", []) == "plain &lt;b&gt;"
