"""Features of units (for the line labeller) and of tokens (for the span tagger).

Everything a hand-written detector used to decide on is here as a feature with a learned weight:
heading level and nesting, emphasis and link wrapping, kind words, time prefixes, separators,
name-likeness, position, how often the line's shape repeats in the post (talk lists repeat), the
section it sits in, and what the old rule detectors said about the line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from kb.ingest.lexicon import lexicon, rarity
from kb.ingest.markdown import Block
from kb.ingest.people import given_names, looks_like_person
from kb.ingest.talks.sections import section_features
from kb.ingest.talks.units import Token, Unit, tokens
from kb.ingest.text import Folded

_TIME = Folded(re.compile(r"^\W*(?:\d{1,2}[:.h]\d{2}|\d{1,2}\s*(?:am|pm)\b)", re.IGNORECASE)).match
_TIME_ANY = Folded(re.compile(r"\b\d{1,2}[:.h]\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b", re.IGNORECASE)).search
_ENUM = re.compile(r"^\W*(?:\d{1,2}|[A-Za-z]|[ivx]{1,4})[.)]\s")
_SEP = re.compile(r"\s[—–-]{1,2}\s|:\s|\s\|\s|\s@\s|,\s")
_QUOTED = re.compile(r"[\"“”‘’']")
DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b(?:19|20)\d{2}\b|"
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*day\b|\bday\s*\d\b",
    re.IGNORECASE,
)


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_BY_NAME = re.compile(r"\bby\s+[A-Z]")
_PAREN = re.compile(r"\(([^()]{3,60})\)\s*$")
_AFFIL_TAIL = re.compile(r"\s*\([^()]*\)$")  # "Jane Doe (Some University)"


def _name_beside(text: str) -> str | None:
    """Where a line names a person beside its other words: "tail" ("Title — Jane Doe", "Title, Jane
    Doe"), "head" ("Jane Doe: Title", "Jane Doe - Title") or "paren" ("Title (Jane Doe)")."""
    parts = _SEP.split(text)
    if len(parts) >= 2:
        tail = parts[-1].strip(" *_.")
        if looks_like_person(_AFFIL_TAIL.sub("", tail)):
            return "tail"
        if looks_like_person(parts[0].strip(" *_")):
            return "head"
    m = _PAREN.search(text)
    if m and looks_like_person(m.group(1).split(",")[0]):
        return "paren"
    return None


_SPEAKER_LABEL = Folded(
    re.compile(r"^\W*(?:speakers?|presenters?|panelists?|moderator|host|by)\s*[:\-]", re.IGNORECASE)
).match
_DATE = Folded(DATE).search  # (DATE itself is imported by other modules)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=4096)
def bucket(n: int, edges=(0, 1, 2, 3, 5, 8, 13, 21, 40)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return "more"


def _name_pairs(words: list[str]) -> int:
    """Capitalised pairs that look like a name: a known given name first, or a word rare in
    ordinary English ("Jane Doe", "Raymond Hettinger")."""
    names = given_names()
    return sum(
        [
            a[:1].isupper() and b[:1].isupper() and (a in names or rarity(b) >= 2) and not a.isupper()
            for a, b in pairwise(words)
        ]
    )


def unit_features(
    units: list[Unit],
    rule_heads: dict[tuple[int, int], str],
    rule_events: dict[tuple[int, int], str] | None = None,
    blocks: list[Block] | None = None,
) -> list[list[str]]:
    """One feature list per unit. ``rule_heads``: (block, start of unit) → layout of an old detector hit;
    ``rule_events``: (block, start of unit) → kind of an event the event rules found in that line;
    ``blocks``: the blocks the units were cut from (their links tell a reading list's lines)."""
    rule_events = rule_events or {}
    lex = lexicon()
    unit_shapes = [u.shape for u in units]
    shapes = Counter(unit_shapes)
    level_count = Counter(u.level for u in units if u.kind == "heading")
    levels = sorted(level_count)
    base: list[list[str]] = []
    context: list[list[str]] = []  # per line, its features that start with one of _CONTEXT
    spk: list[bool] = []  # the line names a speaker: "by Name", "Speaker:", or a name-like pair of words
    for k, u in enumerate(units):
        text = u.text.strip()
        words = _words(text)
        low = [w.lower() for w in words]
        caps = sum([w[:1].isupper() for w in words])
        pairs = _name_pairs(words) if caps >= 2 else 0  # a pair is two capitalised words
        f = [
            f"kind={u.kind}",
            f"kl={u.kind}{u.level if u.kind in ('heading', 'item') else ''}",
            f"first={u.first}",
            f"bold={u.bold}",
            f"lead_emph={u.lead_emph}",
            f"words={bucket(len(words))}",
            f"caps={bucket(round(10 * caps / len(words)) if words else 0)}",
            f"link={bucket(round(4 * u.link_cover))}",
            f"nlinks={bucket(u.n_links)}",
            f"depth={min(u.depth, 4)}",
            f"end={text[-1] if not text[-1].isalnum() else 'a'}",
            f"repeat={bucket(shapes[unit_shapes[k]])}",
            f"pos={bucket(k)}",
            f"time={_TIME(text)}",
            f"time_any={_TIME_ANY(text)}",
            f"enum={bool(_ENUM.match(text))}",
            f"sep={bool(_SEP.search(text))}",
            f"quoted={bool(_QUOTED.search(text))}",
            f"date={_DATE(text)}",
            f"names={bucket(pairs)}",
            f"rule={rule_heads.get((u.block, u.start), 'none')}",
            f"ev_rule={rule_events.get((u.block, u.start), 'none')}",
            f"q={text.endswith('?')}",
        ]
        first_words, group_words = _union_words()
        if low and low[0] in first_words:
            f.append(f"w0={low[0]}")
        # what neighbours see of the line: the features that start with one of _CONTEXT, in row order
        ctx = [f[1], f[3], f[5], f[7], f[13], f[19], f[20]]
        if u.kind == "heading":
            f.append(f"hrank={levels.index(u.level)}")
            f.append(f"hcount={bucket(level_count[u.level])}")
            ctx.append(f[-2])
        for group in _LINE_GROUPS if not group_words.isdisjoint(low) else ():  # most lines: no word of any
            if lex[group].isdisjoint(low):
                continue
            hits = [w for w in low if w in lex[group]]
            if hits:
                f.append(f"{group}")
                f.extend(f"{group}:{w}" for w in hits[:3])
        if low and low[0] in lex["kind"]:
            f.append("kind_first")
            ctx.append("kind_first")
        if (
            len(low) <= 4
            and " ".join(low) in lex["non_talk_section"]
            or (low and low[0] in lex["non_talk_section"] and len(low) <= 2)
        ):
            f.append("section_word")
            ctx.append("section_word")
        named = _name_beside(text) if len(text) <= 200 else None
        if named:
            f.append(f"sep_name={named}")  # "Title — Jane Doe", "Jane Doe: Title", "Title (Jane Doe)"
        by_name = bool(_BY_NAME.search(text))
        if by_name:
            f.append("by_Name")
            ctx.append("by_Name")
        label = _SPEAKER_LABEL(text)
        if label:
            f.append("speaker_label")
            ctx.append("speaker_label")
        spk.append(by_name or label or pairs > 0)
        if u.anchor:
            f.append("anchor")  # a table of contents entry: it names a section, it is not one
        if text.startswith("#"):
            f.append("hash_heading")  # "###Title" (no space): a heading to its writer, a paragraph to CommonMark
        content = [w for w, lw in zip(words, low, strict=True) if lw not in _STOP]
        if content:
            f.append(f"titlecase={round(4 * sum([w[:1].isupper() for w in content]) / len(content))}")
        base.append(f)
        context.append(ctx)
    near: dict[str, list[bool]] = {}
    for k, sh in enumerate(unit_shapes):
        near.setdefault(sh, []).append(any(spk[k : k + 3]))
    seen = {d: _prefixed(d, context) for d in _SIDES}  # as neighbour d sees it
    outline = section_features(units, spk, blocks)
    out = []
    for k, f in enumerate(base):
        row = list(f)
        votes = near[unit_shapes[k]]
        row.append(f"shape_spk={round(4 * sum(votes) / len(votes))}")
        row += outline[k]
        u = units[k]
        prominent = u.kind == "heading" or u.bold or u.lead_emph or "hash_heading" in f or "enum=True" in f
        after = any(spk[k + 1 : k + 3])
        prev = units[k - 1] if k else None
        outdent = prev is not None and (
            (u.kind != "item" and prev.kind == "item") or (u.kind == prev.kind == "item" and u.level < prev.level)
        )
        row.append(f"outdent={outdent}")
        row.append(f"outdent={outdent}&prominent={prominent}&next_spk={after}")
        row.append(f"prominent={prominent}&next_spk={after}")
        row.append(f"{f[1]}&next_spk={after}")  # f[1] is kl=, f[11] repeat=
        row.append(f"{f[1]}&{f[11]}")
        for d in (-2, -1, 1, 2):
            if 0 <= k + d < len(base):
                row += seen[d][k + d]
            else:
                row.append(f"{d}:edge")
        out.append(row)
    return out


_W0_GROUPS = ("kind", "speaker_cue", "non_talk_section", "title_cue")  # a line's first word in one: w0=
_LINE_GROUPS = ("kind", "speaker_cue", "not_attended", "affiliation", "event")  # a line's words in one: group:word


@lru_cache(maxsize=1)
def _union_words() -> tuple[frozenset[str], frozenset[str]]:
    """The words of the :data:`_W0_GROUPS` together and of the :data:`_LINE_GROUPS` together: a word in one
    of several groups is a word of their union, one test instead of one per group."""
    lex = lexicon()
    return frozenset().union(*(lex[g] for g in _W0_GROUPS)), frozenset().union(*(lex[g] for g in _LINE_GROUPS))


_PREFIXED: dict[int, dict[str, str]] = {d: {} for d in (-2, -1, 1, 2)}  # context feature → as seen from d
_PREFIXED_ROWS: dict[int, dict[tuple[str, ...], list[str]]] = {d: {} for d in (-2, -1, 1, 2)}  # … a whole line's
_MAX_ROWS = 10_000  # distinct line contexts kept per side (1,403 after 1,433 varied posts)


def _prefixed(d: int, context: list[list[str]]) -> list[list[str]]:
    """Each line's context features as the line ``d`` away sees them (``"-1:kl=item1"``). They take a few
    hundred values (no word is among them), so each string is made once per process, and lines repeat
    their context: each line's list too (callers copy from it, never change it)."""
    memo, rows = _PREFIXED[d], _PREFIXED_ROWS[d]
    out = []
    for c in context:
        key = tuple(c)
        row = rows.get(key)
        if row is None:
            if len(rows) >= _MAX_ROWS:
                rows.clear()
            row = rows[key] = [memo.get(x) or memo.setdefault(x, f"{d}:{x}") for x in c]
        out.append(row)
    return out


_STOP = frozenset(
    {"a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with", "at", "by", "from", "vs"}
)  # not title words
_CONTEXT = (
    "kl=",
    "bold=",
    "speaker_label",
    "by_Name",
    "names=",
    "rule=",
    "kind_first",
    "time=",
    "link=",
    "section_word",
    "words=",
    "hrank=",
)


# ---------------------------------------------------------------- span tagger


def token_features(
    window: list[tuple[int, Unit, list[Token]]], rule_spans: dict[tuple[int, int], str]
) -> list[list[str]]:
    """Features for the tokens of a talk head and the lines after it.

    ``window``: (line index in the window, unit, its tokens); ``rule_spans``: (block, token start) →
    TITLE/SPEAKER from an old detector's hit on these lines.
    """
    return join_token_rows(*token_parts(window, rule_spans))


TokenParts = tuple[list[tuple[str, ...]], list[tuple[tuple[str, ...], ...]], list[tuple[int, int]]]


def token_parts(window: list[tuple[int, Unit, list[Token]]], rule_spans: dict[tuple[int, int], str]) -> TokenParts:
    """What :func:`token_features` joins into rows: each token's own features, how its neighbours (-2, -1, +1,
    +2) see it, and the tokens of each line ([first, end)). The tuples are shared between calls (never changed):
    the span tagger (:mod:`kb.ingest.talks.fastcrf`) reads each one's attributes once."""
    rows: list[tuple[str, ...]] = []  # each token's own features
    views: list[tuple[tuple[str, ...], ...]] = []  # … and how the neighbours -2, -1, +1, +2 see them
    spans: list[tuple[int, int]] = []  # the tokens of each line: [first, end)
    cache = _TOKENS if len(_TOKENS) < _MAX_TOKENS else _TOKENS.clear() or _TOKENS
    for n, u, toks in window:
        first = len(rows)
        line, kind, level, bold, block = min(n, 3), u.kind, u.level if u.kind == "heading" else "", u.bold, u.block
        for j, t in enumerate(toks):
            # A token's row and views are a pure function of its word and its own few feature values: made once.
            key = (t.text, line, kind, level, t.emph, t.link, min(j, 9), bold, rule_spans.get((block, t.start), "O"))
            got = cache.get(key)
            if got is None:
                got = cache[key] = _token_row(key)
            rows.append(got[0])
            views.append(got[1])
        spans.append((first, len(rows)))
    return rows, views, spans


def join_token_rows(
    rows: list[tuple], views: list[tuple[tuple, ...]], spans: list[tuple[int, int]], edges: tuple | None = None
) -> list[list]:
    """Each token's row: its own features, then what the neighbours on its line see, in the order -2, -1, +1,
    +2, a line's edge past its first or last token. ``edges``: what stands for the edges -2, -1, +1, +2 (their
    feature strings, or what the caller mapped :func:`token_parts`' strings to)."""
    edge_l2, edge_l1, edge_r1, edge_r2 = _EDGE_ROWS if edges is None else edges
    base = []
    for first, end in spans:
        for k in range(first, end):
            row = [*rows[k]]
            row += views[k - 2][0] if k - 2 >= first else edge_l2
            row += views[k - 1][1] if k - 1 >= first else edge_l1
            row += views[k + 1][2] if k + 1 < end else edge_r1
            row += views[k + 2][3] if k + 2 < end else edge_r2
            base.append(row)
    return base


_TOKENS: dict[tuple, tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = {}  # see token_features
_MAX_TOKENS = 50_000


def _token_row(key: tuple) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """A token's own features and how each neighbour (-2, -1, +1, +2) sees them, from (its word, line in the
    window, unit kind, heading level, emphasis, link, position, bold line, the rule detectors' label)."""
    word = _word_features(key[0])
    part = key[1:]
    # The token's own features take few values: made once per process, with how neighbours see them.
    got = _PARTS.get(part)
    if got is None:
        early = (f"line={part[0]}", f"ukind={part[1]}{part[2]}")
        late = (f"emph={part[3]}", f"link={part[4]}", _POS[part[5]], f"ubold={part[6]}", f"rule={part[7]}")
        got = _PARTS[part] = (early, late, _seen_as(early, late))
    early, late, own = got
    wf = word.features
    # The context features in the order the row has them, as each neighbour sees them (a word's own part is
    # cached with the word, the token's own part with the few values it takes).
    seen = []
    for d in _SIDES:
        first, second, rest = word.seen[d]
        mine, more = own[d]
        seen.append(first + mine + second + more + rest)
    return (wf[0], *early, wf[1], *late, *wf[2:]), tuple(seen)


_SIDES = (-2, -1, 1, 2)
_EDGE = {d: f"{d}:bol" if d < 0 else f"{d}:eol" for d in _SIDES}  # a side past the line's start or end
_EDGE_ROWS = tuple((_EDGE[d],) for d in _SIDES)
_POS = [f"pos={bucket(j, (0, 1, 2, 3, 5, 8))}" for j in range(10)]  # a token's position on its line, 9 = more
# a token's own feature values → (its early and late features, how each neighbour sees them); ≤ ~15k keys
_PARTS: dict[tuple, tuple[tuple[str, ...], tuple[str, ...], dict[int, tuple[tuple[str, ...], tuple[str, ...]]]]] = {}


def _seen_as(early: tuple[str, ...], late: tuple[str, ...]) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """A token's own context features, as the neighbour ``d`` tokens away sees them: ``"-1:emph=True"``."""
    return _sides_view((early, late))


def _sides_view(parts: tuple) -> dict[int, tuple[tuple[str, ...], ...]]:
    """Each part's context features (those that start with one of :data:`_TOKEN_CONTEXT`), as the neighbour
    ``d`` tokens away sees them: ``"-1:w=doe"``. The parts are filtered once, not once per side."""
    ctx = [[x for x in part if x.startswith(_TOKEN_CONTEXT)] for part in parts]
    return {d: tuple([tuple([pre + x for x in c]) for c in ctx]) for d, pre in _SIDE_PREFIX}


_TOKEN_CONTEXT = ("w=", "shape=", "given", "speaker_cue", "kind", "emph=", "link=", "rule=")
_SIDE_PREFIX = tuple((d, f"{d}:") for d in _SIDES)
_TOKEN_GROUPS = ("kind", "speaker_cue", "affiliation", "honorific", "particle", "title_cue")


@dataclass(frozen=True)
class _Word:
    features: tuple[str, ...]  # w=, shape=, then given name, rarity, lexicon groups, suffix
    seen: dict[int, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]  # neighbour d → its context parts


@lru_cache(maxsize=65536)
def _word_features(w: str) -> _Word:
    """What a token's features say of its word alone: ``w=``, ``shape=``, then given name, rarity, lexicon
    groups and suffix (a pure function of the word, asked again for every window it appears in), and how
    each neighbour sees them (``-1:w=doe``)."""
    lex = lexicon()
    lw = w.lower().rstrip(".")
    f = [f"w={lw}", f"shape={token_shape(w)}"]
    if w in given_names():
        f.append("given")
    if w[:1].isalpha():
        f.append(f"rare={rarity(w)}")
    for group in _TOKEN_GROUPS:
        if lw in lex[group]:
            f.append(group)
    if len(w) > 3:
        f.append(f"suf={lw[-3:]}")
    parts = ([f[0]], [f[1]], f[2:])  # the row puts the token's own line features between w= and shape=, and after
    return _Word(tuple(f), _sides_view(parts))


@lru_cache(maxsize=65536)
def token_shape(w: str) -> str:
    """``Doe`` → ``Xxx``, ``ICML2024`` → ``XXdd``: capitals X, small letters x, digits d, runs cut to two, five
    characters at most. The two letter classes (``[A-ZÀ-ÖØ-Þ]``, ``[a-zß-öø-ÿ]``) are a character table (their
    ranges are spelled out); digits are ``\\d``, any Unicode decimal, as before. No class's replacement is in
    another class, so mapping them at once is mapping them one after another."""
    return _RUNS.sub(r"\1\1", _DIGIT.sub("d", w.translate(_LETTER_SHAPES)))[:5]


_LETTER_SHAPES = {
    c: shape
    for shape, ranges in (("X", ("AZ", "ÀÖ", "ØÞ")), ("x", ("az", "ßö", "øÿ")))
    for lo, hi in ranges
    for c in range(ord(lo), ord(hi) + 1)
}
_DIGIT = re.compile(r"\d")
_RUNS = re.compile(r"(.)\1+")


def window_tokens(
    blocks: list[Block], units: list[Unit], head: int, stop: int, size: int = 3
) -> list[tuple[int, Unit, list[Token]]]:
    """The head unit and up to ``size`` lines after it, not past ``stop`` (the next head)."""
    out = []
    for n, k in enumerate(range(head, min(head + size + 1, stop, len(units)))):
        u = units[k]
        if n and u.kind == "heading" and (units[head].kind != "heading" or u.level <= units[head].level):
            break
        out.append((n, u, tokens(blocks[u.block], u.start, u.end)))
    return out
