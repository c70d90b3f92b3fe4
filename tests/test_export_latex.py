"""LaTeX encoding for BibTeX export: escapes, balance, title protection, exact inverse."""

from __future__ import annotations

import unicodedata

import bibtexparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.citekeys import make_citekey, suffixed
from kb.export.bibtex import format_bibtex, format_name
from kb.export.records import Author, PaperRecord
from kb.export.titles import is_sentence_case, protect_title
from kb.ingest.bibtex import clean_value
from kb.latex import braces_balanced, decode_latex_value, encode_latex, encode_verbatim

HOSTILE = [
    "}{\\end{document}",
    "50% of $x_0$ & more",
    "~^\\{}",
    "a\\",
    "{{{",
    "}}}",
    "@misc{x, title={y}}",
    "tab\tand\nnewline",
    "\\textbraceleft literally",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_balanced_and_decodes_back(text):
    encoded = encode_latex(text)
    assert braces_balanced(encoded), encoded
    assert decode_latex_value(encoded) == " ".join(text.replace("\t", " ").replace("\n", " ").split(" "))


def test_specials_are_escaped():
    assert encode_latex("50% of $x_0$ & more #1") == r"50\% of \$x\_0\$ \& more \#1"
    assert encode_latex("}{\\end{document}") == (
        r"{\textbraceright}{\textbraceleft}{\textbackslash}end"
        r"{\textbraceleft}document{\textbraceright}"
    )
    assert encode_latex("a~b^c") == r"a{\textasciitilde}b{\textasciicircum}c"


def test_non_ascii_as_latex_escapes_by_default_and_utf8_with_unicode():
    assert encode_latex("Schölkopf") == r"Sch{\"o}lkopf"
    assert encode_latex("Jégou") == r"J{\'e}gou"
    assert encode_latex("Łukasz Kaiser") == r"{\L}ukasz Kaiser"
    assert encode_latex("ł ß ø Ç ň ő") == r"{\l} {\ss} {\o} {\c{C}} {\v{n}} {\H{o}}"
    assert (
        encode_latex("BERT’s — “x”") == r"BERT{\textquoteright}s {\textemdash} {\textquotedblleft}x{\textquotedblright}"
    )
    assert encode_latex("Schölkopf & 中文", unicode=True) == r"Schölkopf \& 中文"
    assert encode_latex("中文") == "中文"  # no text-mode LaTeX name: kept as UTF-8


def test_accents_decode_with_the_ingest_decoder_too():
    """kb's own importer reads the accents we write (the .bib round trip depends on it)."""
    for name in ("Schölkopf", "Jégou", "Łukasz", "Gábor Melis", "Dvořák", "Çelik", "Søren", "Müller"):
        assert clean_value(encode_latex(name)) == name


def test_ingest_reads_back_text_commands():
    for text in ("BERT’s attention", "Coswara — a database", "}{\\end{document}", "a~b^c…", "ǘ Łukasz"):
        assert clean_value(encode_latex(text)) == text


def test_verbatim_fields_keep_url_syntax_but_never_braces():
    assert encode_verbatim("https://x.org/a_b%20c~d#e") == "https://x.org/a_b%20c~d#e"
    assert encode_verbatim("https://x.org/{a}\\b c") == "https://x.org/%7Ba%7D%5Cb%20c"


@pytest.mark.parametrize(
    "title, expected",
    [
        ("T-Net: Parametrizing Fully Convolutional Nets", "{T-Net}: Parametrizing Fully Convolutional Nets"),
        ("Seeing What a GAN Cannot Generate", "Seeing What a {GAN} Cannot Generate"),
        (
            "ImageNet classification with deep convolutional neural networks",
            "{ImageNet} classification with deep convolutional neural networks",
        ),
        ("Density estimation using Real NVP", "Density estimation using {Real} {NVP}"),
        (
            "Learning Stable Nonlinear Dynamical Systems With Gaussian Mixture Models",
            "Learning Stable Nonlinear Dynamical Systems With Gaussian Mixture Models",
        ),
        (
            "What does BERT learn about the structure of language?",
            "What does {BERT} learn about the structure of language?",
        ),
        (
            "Glow: Generative Flow with Invertible 1x1 Convolutions",
            "Glow: Generative Flow with Invertible 1x1 Convolutions",
        ),
        ("3D shapes from (GAN) priors in C++", "{3D} shapes from ({GAN}) priors in {C}++"),
        ("Über kernel methods of Schölkopf", '{\\"U}ber kernel methods of {Sch{\\"o}lkopf}'),
        ("deep image prior", "deep image prior"),
    ],
)
def test_title_protection(title, expected):
    assert protect_title(title) == expected
    assert decode_latex_value(protect_title(title)) == title


def test_sentence_case_detection():
    assert is_sentence_case("Deep inside convolutional networks: Visualising image classification".split())
    assert not is_sentence_case("Understanding Deep Networks via Extremal Perturbations".split())


def test_names_guarded():
    assert format_name(Author("van der Maaten", "Laurens")) == "van der Maaten, Laurens"
    assert format_name(Author("Schölkopf", "Bernhard")) == r"Sch{\"o}lkopf, Bernhard"
    assert format_name(Author("Gates Foundation and Partners, Inc.", "")) == "{Gates Foundation and Partners, Inc.}"
    assert format_name(Author("others", "")) == "{others}"
    assert format_name(Author("King, Jr.", "Martin")) == "{King, Jr.}, Martin"


def test_citekeys_better_bibtex_style():
    assert (
        make_citekey("Vedaldi", "Understanding Models via Visualizations", 2019)
        == "vedaldiUnderstandingModelsVisualizations2019"
    )
    assert (
        make_citekey("Schölkopf", "On causal and anticausal learning", 2012) == "scholkopfCausalAnticausalLearning2012"
    )
    assert (
        make_citekey("Kossaifi", "T-Net: Parametrizing Fully Convolutional Nets", 2019)
        == "kossaifiTNetParametrizingFully2019"
    )
    assert make_citekey("O'Neil", "}{\\end{document}", None) == "oneilEnddocument"
    assert suffixed("k2019", {"k2019"}) == "k2019a"
    assert suffixed("K2019", {"k2019", "k2019a"}) == "K2019b"  # bibtex compares keys without case


text_st = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
_CONTROLS = {c: " " for c in (*range(32), 0x7F, 0x2028, 0x2029)}


def _flat(text: str) -> str:
    """What a field value becomes: control characters are spaces, NFC."""
    return unicodedata.normalize("NFC", text.translate(_CONTROLS))


@settings(max_examples=300, deadline=None)
@given(text_st)
def test_any_text_encodes_balanced_and_inverts(text):
    encoded = encode_latex(text)
    assert braces_balanced(encoded)
    assert decode_latex_value(encoded) == _flat(text)


@settings(max_examples=150, deadline=None)
@given(title=text_st, family=text_st, given_name=text_st)
def test_any_entry_parses_back_with_bibtexparser(title, family, given_name):
    rec = PaperRecord(1, "k2019", "article", title or None, 2019, "J", authors=[Author(family, given_name)])
    bib = format_bibtex([rec])
    assert braces_balanced(bib)
    lib = bibtexparser.parse_string(bib)
    assert not lib.failed_blocks
    assert [e.key for e in lib.entries] == ["k2019"]
    if title.strip():
        got = decode_latex_value(lib.entries[0].fields_dict["title"].value)
        assert got == " ".join(_flat(title).split())
