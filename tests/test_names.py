"""Personal-name parsing: kb.ingest.names."""

from __future__ import annotations

import pytest

from kb.ingest.names import normalise_person_name, parse_name, split_authors


def pairs(text: str) -> list[tuple[str, str]]:
    names, _ = split_authors(text)
    return [(n.family_full, n.given) for n in names]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mahendran, Aravindh, and Andrea Vedaldi", [("Mahendran", "Aravindh"), ("Vedaldi", "Andrea")]),
        ("Zeiler, Matthew D., and Rob Fergus", [("Zeiler", "Matthew D."), ("Fergus", "Rob")]),
        (
            "Ulyanov, Dmitry, Andrea Vedaldi, and Victor Lempitsky",
            [("Ulyanov", "Dmitry"), ("Vedaldi", "Andrea"), ("Lempitsky", "Victor")],
        ),
        ("A. Vedaldi, K. He", [("Vedaldi", "A."), ("He", "K.")]),
        ("He, K., Zhang, X., & Sun, J.", [("He", "K."), ("Zhang", "X."), ("Sun", "J.")]),
        ("Wade DT, Skilbeck CE", [("Wade", "D. T."), ("Skilbeck", "C. E.")]),
        (
            "J. Devlin, M.-W. Chang, K. Lee, and K. Toutanova",
            [("Devlin", "J."), ("Chang", "M.-W."), ("Lee", "K."), ("Toutanova", "K.")],
        ),
        ("Kingma, D. P., & Ba, J.", [("Kingma", "D. P."), ("Ba", "J.")]),
        ("LeCun Y, Bengio Y, Hinton G.", [("LeCun", "Y."), ("Bengio", "Y."), ("Hinton", "G.")]),
        ("HINTON, G. E., and LECUN, Y.", [("Hinton", "G. E."), ("Lecun", "Y.")]),
        ("Yu Zhang, Xiu-shen Wei, and Minh N Do.", [("Zhang", "Yu"), ("Wei", "Xiu-shen"), ("Do", "Minh N")]),
        ("Plato", [("Plato", "")]),
    ],
)
def test_split_authors_styles(text: str, expected: list[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_et_al_flag() -> None:
    names, et_al = split_authors("Gao, Ruiqi, et al.")
    assert [(n.family, n.given) for n in names] == [("Gao", "Ruiqi")]
    assert et_al is True
    assert split_authors("Welsh P, Peters MJ, McInnes IB, et al.")[1] is True
    assert split_authors("Hu, Jie, Li Shen, and Gang Sun")[1] is False


@pytest.mark.parametrize(
    ("text", "particle", "family", "given"),
    [
        ("van der Maaten, Laurens", "van der", "Maaten", "Laurens"),
        ("Laurens van der Maaten", "van der", "Maaten", "Laurens"),
        ("L. van der Maaten", "van der", "Maaten", "L."),
        ("Maaten, L. J. P. van der", "van der", "Maaten", "L. J. P."),
        ("Nando de Freitas", "de", "Freitas", "Nando"),
        ("de Freitas, N.", "de", "Freitas", "N."),
        ("von Luxburg, Ulrike", "von", "Luxburg", "Ulrike"),
        ("Luc Van Gool", "", "Van Gool", "Luc"),
    ],
)
def test_particles(text: str, particle: str, family: str, given: str) -> None:
    name = parse_name(text)
    assert (name.particle, name.family, name.given) == (particle, family, given)
    assert name.family_full == f"{particle} {family}".strip()


def test_family_full_in_json() -> None:
    assert parse_name("van der Maaten, Laurens").to_json() == {"family": "van der Maaten", "given": "Laurens"}


@pytest.mark.parametrize(
    ("text", "family", "given", "suffix"),
    [
        ("King, Martin Luther, Jr.", "King", "Martin Luther", "Jr."),
        ("Martin Luther King Jr.", "King", "Martin Luther", "Jr."),
        ("King, Jr., Martin Luther", "King", "Martin Luther", "Jr."),
        ("John Smith III", "Smith", "John", "III"),
    ],
)
def test_suffixes(text: str, family: str, given: str, suffix: str) -> None:
    name = parse_name(text)
    assert (name.family, name.given, name.suffix) == (family, given, suffix)


def test_suffix_inside_author_list() -> None:
    names, _ = split_authors("King, Martin Luther, Jr., and John Smith III")
    assert [(n.family, n.suffix) for n in names] == [("King", "Jr."), ("Smith", "III")]
    assert names[0].full == "Martin Luther King Jr."


def test_all_caps_and_single_names() -> None:
    assert (parse_name("HINTON, G.").family, parse_name("HINTON, G.").given) == ("Hinton", "G.")
    assert parse_name("O'BRIEN, PAT").family == "O'Brien"
    assert parse_name("Plato") == parse_name("Plato.")
    assert parse_name("Plato").family == "Plato" and parse_name("Plato").given == ""


def test_repairs_mojibake_and_latex() -> None:
    assert parse_name("Montavon, Gr√©goire").given == "Grégoire"
    assert parse_name("Montavon, Gr{\\'e}goire").given == "Grégoire"
    assert parse_name('Sch{\\"o}lkopf, Bernhard').family == "Schölkopf"
    names, et_al = split_authors("Montavon, Gr√©goire, et al.")
    assert (names[0].family, names[0].given, et_al) == ("Montavon", "Grégoire", True)


def test_initials_without_space() -> None:
    assert (parse_name("A.Vedaldi").family, parse_name("A.Vedaldi").given) == ("Vedaldi", "A.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prof. Geoffrey Hinton", "Geoffrey Hinton"),
        ("Dr. Fei-Fei Li", "Fei-Fei Li"),
        ("Professor Andrew Zisserman", "Andrew Zisserman"),
        ("Mr. John Smith", "John Smith"),
        ("Ms. Ulrike von Luxburg", "Ulrike von Luxburg"),
        ("Mrs. Jane Doe", "Jane Doe"),
        ("Prof. Dr. Hinton, Geoffrey", "Geoffrey Hinton"),
        ("Gr√©goire Montavon", "Grégoire Montavon"),
    ],
)
def test_normalise_person_name(text: str, expected: str) -> None:
    out = normalise_person_name(text)
    assert out == expected
    import unicodedata

    assert unicodedata.is_normalized("NFC", out)
