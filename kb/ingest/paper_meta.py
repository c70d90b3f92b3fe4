"""What a paper's identifiers and link text tell about it, offline: year, venue, type, title, first author.

Identifiers (:mod:`kb.ingest.identifiers`) carry more than identity: an arXiv id its
year and month, an ACL Anthology id its venue and year, a CVF path its conference,
year and first author, a PMLR volume its conference (``data/venues.json``, a small
shipped table), a NeurIPS proceedings path its year. The link text is the title when
it reads as one (not "here", "paper", "[Tong et al.]", a URL or a sentence);
"[Tong et al.](url)" names the first author.

>>> m = describe([PaperId("acl", "D19-1001")])
>>> (m.venue, m.year, m.type)
('EMNLP', 2019, 'inproceedings')
>>> title_from_label("**Attention is not not Explanation**"), title_from_label("this paper")
('Attention is not not Explanation', None)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kb.ingest.identifiers import PaperId, identifiers_from_url
from kb.ingest.links import GENERIC_LABELS
from kb.ingest.people import looks_like_person
from kb.ingest.records import Name, ParsedReference

_DATA = Path(__file__).resolve().parent / "data" / "venues.json"


@cache
def venues() -> dict:
    return json.loads(_DATA.read_text(encoding="utf-8"))


@dataclass
class Meta:
    year: int | None = None
    month: int | None = None
    venue: str | None = None
    type: str | None = None
    first_author: str | None = None  # a family name


def _yy(two: str) -> int:
    y = int(two)
    return 1900 + y if y >= 50 else 2000 + y


def _arxiv(value: str) -> Meta:
    m = re.match(r"(\d{2})(\d{2})\.", value) or re.search(r"/(\d{2})(\d{2})\d{3}$", value)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return Meta()
    year = _yy(m.group(1))
    return Meta(year=year, month=int(m.group(2)), type="article") if 1991 <= year else Meta()


def _acl(value: str) -> Meta:
    table = venues()
    m = re.fullmatch(r"([A-Z])(\d{2})-(\d)\d{3}", value)
    if m:
        letter, year, volume = m.group(1), _yy(m.group(2)), int(m.group(3))
        venue = table["acl_letters"].get(letter)
        journal = letter in table["acl_journals"]
        if venue and not journal and letter != "W" and volume >= 5 and year >= 2016:
            venue = f"{venue} Workshops"  # D19-5xxx, D19-6xxx: workshops held with EMNLP
        return Meta(year=year, venue=venue, type="article" if journal else "inproceedings")
    m = re.fullmatch(r"(\d{4})\.([a-z0-9\-]+)\.\d+", value)
    if not m:
        return Meta()
    code = m.group(2)
    base = code.split("-")[0]
    venue = table["acl_venues"].get(code) or table["acl_venues"].get(base)
    if base == "findings" and "-" in code:
        venue = f"Findings of {table['acl_venues'].get(code.split('-', 1)[1], code.split('-', 1)[1].upper())}"
    journal = base in table["acl_journals"]
    return Meta(year=int(m.group(1)), venue=venue, type="article" if journal else "inproceedings")


def _pmlr(value: str) -> Meta:
    volume, paper = value.split("/", 1)
    m = re.search(r"(\d{2})[a-z]*$", paper)
    from_id = _yy(m.group(1)) if m else None
    entry = venues()["pmlr"].get(volume)
    if entry and (from_id is None or from_id == entry[1]):
        return Meta(year=entry[1], venue=entry[0], type="inproceedings")
    return Meta(year=from_id, type="inproceedings")


def _cvf(value: str) -> Meta:
    folder, stem = value.split("/", 1)
    m = re.fullmatch(r"([A-Z]+)(\d{4})", folder)
    if not m:
        return Meta()
    venue = venues()["cvf"].get(m.group(1), m.group(1))
    author = stem.split("_", 1)[0] if "_" in stem else None
    return Meta(
        year=int(m.group(2)),
        venue=venue,
        type="inproceedings",
        first_author=author if author and author[:1].isupper() and author.isalpha() else None,
    )


def _neurips(value: str) -> Meta:
    year = int(value.split("/", 1)[0])
    return Meta(year=year, venue="NeurIPS" if year >= 2018 else "NIPS", type="inproceedings")


def _aaai_ijcai(scheme: str, value: str) -> Meta:
    if scheme == "ijcai":
        return Meta(year=int(value.split("/", 1)[0]), venue="IJCAI", type="inproceedings")
    m = re.match(r"([A-Za-z]+?)(\d{4}|\d{2})?/", value)
    if not m:
        return Meta()
    venue = m.group(1).upper()
    year = (int(m.group(2)) if len(m.group(2)) == 4 else _yy(m.group(2))) if m.group(2) else None
    return Meta(year=year, venue=venue, type="inproceedings")


def _dblp(value: str) -> Meta:
    m = re.fullmatch(r"(conf|journals)/([\w\-]+)/[A-Za-z\-]+?(\d{2})[a-z]?", value)
    if not m or m.group(2) == "corr":
        return Meta()
    return Meta(year=_yy(m.group(3)), type="inproceedings" if m.group(1) == "conf" else "article")


def _jmlr(value: str) -> Meta:
    m = re.match(r"v(\d+)/", value)
    return (
        Meta(year=1999 + int(m.group(1)), venue="Journal of Machine Learning Research", type="article") if m else Meta()
    )


def describe(ids: list[PaperId]) -> Meta:
    """Year, venue, type and first author that the identifiers imply; the first identifier that says wins."""
    out = Meta()
    for ident in ids:
        s, v = ident.scheme, ident.value
        if s == "arxiv":
            m = _arxiv(v)
        elif s == "acl":
            m = _acl(v)
        elif s == "pmlr":
            m = _pmlr(v)
        elif s == "cvf":
            m = _cvf(v)
        elif s == "neurips":
            m = _neurips(v)
        elif s in ("aaai", "ijcai"):
            m = _aaai_ijcai(s, v)
        elif s == "dblp":
            m = _dblp(v)
        elif s == "jmlr":
            m = _jmlr(v)
        elif s == "isbn":
            m = Meta(type="book")
        elif s == "ecva":
            m = Meta(year=int(v[5:9]), venue="ECCV", type="inproceedings")
        elif s in ("ismir", "virtual"):  # "2015/227", "cvpr/2023/22652"
            parts = v.split("/")
            year = int(parts[0] if s == "ismir" else parts[1])
            venue = "ISMIR" if s == "ismir" else venues()["cvf"].get(parts[0].upper(), parts[0].upper())
            m = Meta(year=year, venue=venue, type="inproceedings")
        elif s == "pvldb":
            m = Meta(year=2007 + int(v.split("/")[0]), venue="PVLDB", type="article")
        elif s == "tacl":
            m = Meta(venue="TACL", type="article")
        else:
            continue
        for name in ("year", "month", "venue", "type", "first_author"):
            if getattr(out, name) is None and getattr(m, name) is not None:
                setattr(out, name, getattr(m, name))
    return out


_NOT_SURNAME_TEXT = (
    "NeurIPS NIPS ICLR ICML AAAI IJCAI KDD WWW SIGIR CHI JMLR CVPR ICCV ECCV ACL EMNLP NAACL EACL COLING CoNLL "
    "Interspeech ICASSP SIGGRAPH NeurIPS'19 Year Summer Spring Fall Autumn Winter January February March April May "
    "June July August September October November December Version Release Edition Issue Volume Vol"
)
_NOT_SURNAMES = frozenset(_NOT_SURNAME_TEXT.split())


def not_a_surname(word: str) -> bool:
    """ "(NeurIPS 2019)", "(JMLR, 2016)", "(Spring 2020)": a venue, an acronym or a date, not an author-year cite."""
    word = word.strip(".,;:'’")
    return word in _NOT_SURNAMES or (len(word) >= 2 and word.isupper())


# ------------------------------------------------------------------ link text

_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")
_ET_AL = re.compile(
    r"^(?:([A-Z][\w.\-]*\.?)\s+)?([A-Z][\w'’\-]+)(?:\s+(?:et\s+al\.?|and\s+colleagues))\s*(?:[,(]?\s*((?:19|20)\d{2})\)?)?\.?$"
)
_TWO = re.compile(r"^([A-Z][\w'’\-]+)\s+(?:and|&)\s+([A-Z][\w'’\-]+),?\s*\(?((?:19|20)\d{2})?\)?\.?$")
_DESCRIPTION = re.compile(
    r"^(?:the\s+|a\s+|an\s+|our\s+|their\s+|his\s+|her\s+)?(?:paper|article|preprint|white\s?paper|"
    r"work|study|report|publication|slides|post|blog|talk|book|chapter|thesis|pdf)s?\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(
    r"\b(?:is|are|was|were)\s+(?:a|an|the|about|on|how)\b|\b(?:I|we|you|he|she|they)\s+"
    r"(?:show|showed|present|presented|propose|proposed|found|find|argue|argued|wrote|write)\b"
    r"|\b(?:here|click|read|see|download)\b",
    re.IGNORECASE,
)
_VENUE_TAIL = re.compile(r"\s*\((?:[A-Z][\w*\-]*(?:\s+[\w\-]+){0,2}|(?:19|20)\d{2})\)\s*$")
_ID_LIKE = re.compile(
    r"^(?:arxiv:?\s*)?\d{4}\.\d{4,5}(?:v\d+)?$|^[A-Z]\d{2}-\d{4}$|^\[?\d+\]?$|^doi:|^10\.\d{4,}/", re.IGNORECASE
)


def clean_label(label: str) -> str:
    text = " ".join(label.split())
    for _ in range(3):
        text = _EMPHASIS.sub(r"\2", text)
    return text.strip(" \"“”'‘’«»").strip()


def title_from_label(label: str) -> str | None:
    """The link text as a title, or None when it is no title ("here", "paper", "[Tong et al.]", a URL,
    a person, an id, a description such as "paper in ACRL 2019 Conference Proceedings", or a sentence)."""
    text = clean_label(label)
    quoted = label.strip(" *_")[:1] in '"“«'  # a quoted label is a title, even one that reads as a name
    text = _VENUE_TAIL.sub("", text).rstrip(" .,;:")  # "… Composition (TACL)", "… (2017)"
    words = text.split()
    low = text.lower()
    bare = re.sub(r"^(?:this|the|that|our|their|his|her|a|an|original|full)\s+", "", low)
    if len(words) < 2 or len(words) > 30 or len(text) > 250:
        return None
    if bare in GENERIC_LABELS or re.match(r"^(?:https?://|www\.)|\.(?:com|org|net|io)\b", low) or _ID_LIKE.match(text):
        return None
    if (
        _ET_AL.match(text)
        or _TWO.match(text)
        or re.search(r"\bet al\b", text)
        or (looks_like_person(text) and not quoted)
    ):
        return None
    if _DESCRIPTION.match(text) and (
        len(words) < 3 or words[1].lower() in ("in", "on", "by", "about", "from", "at", "of")
    ):
        return None
    if text[0].islower() and words[0].isalpha() and words[0].islower():
        return None  # "detecting adverse drug reactions": the sentence's words, linked
    if _SENTENCE.search(text) and not _titlecased(words):
        return None
    if sum(1 for c in text if c in ".!") >= 2 and re.search(r"\b(?:19|20)\d{2}\b", text):
        return None  # a whole reference as link text: the reference parser reads it
    return text


def _titlecased(words: list[str]) -> bool:
    """Most content words capitalised, as titles are written ("What You See is What You Get")."""
    content = [w for w in words if len(w) > 3]
    return bool(content) and sum(1 for w in content if w[:1].isupper()) >= 0.6 * len(content)


def author_from_label(label: str) -> tuple[list[Name], bool, int | None] | None:
    """ "Tong et al." → ([Tong], et al., None); "G. Li et al." → ([G. Li], …); "Dror and Reichart (2019)"."""
    text = clean_label(label).strip("[]() ")
    m = _ET_AL.match(text)
    if m:
        return (
            [Name(family=m.group(2), given=(m.group(1) or "").strip())],
            True,
            int(m.group(3)) if m.group(3) else None,
        )
    m = _TWO.match(text)
    if m:
        return [Name(family=m.group(1)), Name(family=m.group(2))], False, int(m.group(3)) if m.group(3) else None
    return None


def looks_like_reference(label: str) -> bool:
    """Link text that is a whole reference ("Dror, Shlomov and Reichart. Deep Dominance …. ACL 2019")."""
    text = clean_label(label)
    return (
        len(text.split()) >= 6
        and bool(re.search(r"\b(?:19|20)\d{2}\b", text))
        and text.count(". ") >= 1
        and title_from_label(label) is None
    )


# ------------------------------------------------------------------ applying it to a paper


def id_keys(ref: ParsedReference) -> list[str]:
    """Identity keys of a paper's identifiers (``doi:…``, ``arxiv:…``, ``acl:…``), strongest first."""
    pairs = ([("doi", ref.doi)] if ref.doi else []) + ([("arxiv", ref.arxiv_id)] if ref.arxiv_id else [])
    pairs += sorted(ref.ids.items(), key=lambda kv: (kv[0] not in ("doi", "arxiv"), kv[0]))
    return list(dict.fromkeys(PaperId(s, v).key for s, v in pairs))


def apply_identifiers(ref: ParsedReference, url: str | None = None) -> ParsedReference:
    """Add the identifiers of ``url`` (default: the paper's own URL) and fill what they imply where the
    paper says nothing: arXiv id, DOI, year, venue, type, first author. Returns ``ref`` (changed in place)."""
    ids = identifiers_from_url(url or ref.url or "")
    for ident in ids:
        ref.ids.setdefault(ident.scheme, ident.value)
    if ref.arxiv_id:
        ref.ids.setdefault("arxiv", ref.arxiv_id)
    if ref.doi:
        ref.ids.setdefault("doi", ref.doi)
    if not ref.ids:
        return ref
    if not ref.arxiv_id and "arxiv" in ref.ids:
        ref.arxiv_id = ref.ids["arxiv"]
    if not ref.doi and "doi" in ref.ids:
        ref.doi = ref.ids["doi"]
    meta = describe([PaperId(s, v) for s, v in ref.ids.items()])
    if ref.year is None and meta.year:
        ref.year = meta.year
    if not ref.venue and meta.venue:
        ref.venue = meta.venue
    if (
        ref.type == "misc"
        and meta.type
        and not (
            meta.type == "article" and ref.ids.keys() <= {"arxiv"} and ref.venue and "arxiv" not in ref.venue.lower()
        )
    ):
        ref.type = meta.type
    if not ref.authors and meta.first_author:
        ref.authors, ref.et_al = [Name(family=meta.first_author)], True
    return ref
