"""Citation keys in the Better BibTeX convention, assigned once and then kept.

``[auth:lower][shorttitle3_3][year]``: the first author's family name
lower-cased, the first three significant title words capitalised, the year;
ASCII-folded, with every character that is not a letter or digit dropped. A
clash gets ``a``, ``b``, … appended; the first paper keeps the bare key.

A key is stored in :attr:`Paper.citekey` the first time it is needed and never
recomputed, so fixing a typo in a title does not break anyone's manuscript.
A key the user chose (:func:`set_citekey`) is also recorded as a
:class:`UserEdit`, which re-imports respect.

>>> make_citekey("Vedaldi", "Understanding Models via Visualizations", 2019)
'vedaldiUnderstandingModelsVisualizations2019'
>>> make_citekey("van der Maaten", "Visualizing Data using t-SNE", 2008)
'maatenVisualizingDataUsing2008'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import func, update
from sqlmodel import Session, select

from kb.db import chunks
from kb.ingest.text import ascii_fold
from kb.models import Paper, UserEdit

STOPWORDS = frozenset(
    "a an the on of for and in with to via at by from into or as is are be but nor so yet up over about".split()
)
# What BibTeX, biber and LaTeX's \cite all accept inside a key; user keys may use these.
_ILLEGAL_IN_KEY = re.compile(r"[^A-Za-z0-9_\-:./+]")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
MAX_KEY = 100


def _alnum(text: str) -> str:
    return _NOT_ALNUM.sub("", ascii_fold(text))


def author_part(family: str) -> str:
    """``van der Maaten`` → ``maaten``; ``Khansari-Zadeh`` → ``khansarizadeh``.

    Leading lower-case words are BibTeX's "von" particle, which Better BibTeX leaves out.
    """
    words = family.split()
    while len(words) > 1 and words[0][:1].islower():
        words = words[1:]
    return _alnum(" ".join(words)).lower()


def title_part(title: str, words: int = 3) -> str:
    """The first ``words`` significant title words, capitalised: ``T-Net: a study`` → ``TNetStudy``."""
    out: list[str] = []
    for raw in (title or "").split():
        word = _alnum(raw)
        if not word or word.lower() in STOPWORDS:
            continue
        out.append(word[0].upper() + word[1:])
        if len(out) == words:
            break
    return "".join(out)


def make_citekey(family: str | None, title: str | None, year: int | None) -> str:
    """The un-suffixed key; empty when the paper has neither author, title nor year."""
    return (author_part(family or "") + title_part(title or "") + (str(year) if year else ""))[:MAX_KEY]


def suffixed(base: str, taken: set[str]) -> str:
    """``base`` if free, else ``base`` + a, b, … z, aa, ab …; ``taken`` holds lower-cased keys.

    BibTeX compares keys without case, so ``Smith2019`` and ``smith2019`` clash.

    >>> suffixed("doe2019", {"doe2019", "doe2019a"})
    'doe2019b'
    """
    if base.lower() not in taken:
        return base
    n = 0
    while True:
        letters, k = "", n
        while True:
            letters = chr(ord("a") + k % 26) + letters
            k = k // 26 - 1
            if k < 0:
                break
        if (base + letters).lower() not in taken:
            return base + letters
        n += 1


def is_valid_citekey(key: str) -> bool:
    """Non-empty, at most 100 characters, only letters, digits and ``_-:./+``."""
    return bool(key) and len(key) <= MAX_KEY and not _ILLEGAL_IN_KEY.search(key)


def taken_keys(session: Session) -> set[str]:
    return {k.lower() for k in session.exec(select(Paper.citekey).where(Paper.citekey.is_not(None)))}


def key_is_free(session: Session, key: str, paper_id: int | None = None) -> bool:
    query = select(Paper.id).where(func.lower(Paper.citekey) == key.lower())
    if paper_id is not None:
        query = query.where(Paper.id != paper_id)
    return session.exec(query.limit(1)).first() is None


def identifier_part(key: str | None) -> str:
    """A key for a paper known only by an identifier: ``acl:P19-1266`` → ``aclP19-1266``,
    ``arxiv:1706.03762`` → ``arxiv1706.03762`` (what BibTeX and pandoc accept in a key)."""
    if not key or key.startswith("title:"):
        return ""
    return _ILLEGAL_IN_KEY.sub("", key.replace(":", "", 1).replace("/", "-"))[:MAX_KEY]


def assign_citekeys(
    session: Session,
    papers: Iterable[tuple[int, str | None, int | None, str | None]],
    identifiers: dict[int, str] | None = None,
) -> dict[int, str]:
    """Generate and store keys for papers that have none: ``(id, title, year, first author's family)``.

    A paper with neither author nor title is named by its identifier (``identifiers``: paper id →
    its strongest identity key such as ``acl:P19-1266``), and only without one by its row (``ref12``).
    Handled in id order, so the same library always gets the same suffixes.
    Returns ``{paper id: new key}``; written with one bulk UPDATE.
    """
    missing = sorted(papers, key=lambda row: row[0])
    if not missing:
        return {}
    taken = taken_keys(session)
    assigned: dict[int, str] = {}
    for paper_id, title, year, family in missing:
        base = make_citekey(family, title, year)
        if not _alnum(base.rstrip("0123456789")):
            base = identifier_part((identifiers or {}).get(paper_id)) or f"ref{paper_id}"  # the row: nothing else
        key = suffixed(base, taken)
        taken.add(key.lower())
        assigned[paper_id] = key
    session.execute(update(Paper), [{"id": pid, "citekey": key} for pid, key in assigned.items()])
    return assigned


def adopt_citekeys(session: Session, pairs: Iterable[tuple[Paper | None, str | None]]) -> int:
    """Papers that came with a key (a .bib file, a ```bibtex block) take it when they have none.

    A key that is malformed or already used (compared without case) is left
    alone; the paper then gets a generated key on its first export.
    Returns how many keys were adopted. One query per 500 keys.
    """
    wanted = [(p, k) for p, k in pairs if p is not None and k and not p.citekey and is_valid_citekey(k)]
    if not wanted:
        return 0
    lowered = list({k.lower() for _, k in wanted})
    taken = {
        k
        for batch in chunks(lowered)  # batches: a 100k-entry .bib has more keys than one statement binds
        for k in session.exec(select(func.lower(Paper.citekey)).where(func.lower(Paper.citekey).in_(batch)))
    }
    adopted = 0
    for paper, key in wanted:
        if paper.citekey or key.lower() in taken:
            continue
        paper.citekey = key
        taken.add(key.lower())
        adopted += 1
    return adopted


def set_citekey(session: Session, paper_id: int, key: str) -> Paper:
    """The user's own key for a paper; recorded as a :class:`UserEdit` so re-imports keep it.

    Raises ``ValueError`` when the key is malformed or another paper has it
    (compared without case, like BibTeX), ``LookupError`` when there is no such paper.
    """
    key = key.strip()
    if not is_valid_citekey(key):
        raise ValueError(f"citekey {key!r} is not valid: use letters, digits and _-:./+ only (at most {MAX_KEY})")
    paper = session.get(Paper, paper_id)
    if paper is None:
        raise LookupError(f"no paper with id {paper_id}")
    if not key_is_free(session, key, paper_id):
        raise ValueError(f"citekey {key!r} is already used by another paper")
    paper.citekey = key
    session.add(paper)
    edit = session.exec(
        select(UserEdit).where(UserEdit.entity == "paper", UserEdit.entity_id == paper_id, UserEdit.field == "citekey")
    ).first()
    if edit is None:
        edit = UserEdit(entity="paper", entity_id=paper_id, field="citekey")
    edit.value = key
    session.add(edit)
    session.flush()
    return paper
