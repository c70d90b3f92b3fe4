"""Tokens and CRF features for reference strings.

A token is a whitespace-separated piece of the string (fields in the AnyStyle
data always break at whitespace), further split where a Markdown link's text
meets its target (``prior](https://…)``), with its character span so labelled
fields can be cut from the original string.

>>> [t.text for t in tokenize("He, K. [Deep](https://x.org) 2016.")]
['He,', 'K.', '[Deep]', '(https://x.org)', '2016.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.ingest.refparse import rules

_TOKEN = re.compile(r"\S+")
_LINK_SPLIT = re.compile(r"(?<=\])(?=\()")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_SHAPE_MAP = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "A" * 26 + "a" * 26 + "0" * 10,
)
_RUNS = re.compile(r"(.)\1+")

# Lexicons: small, hand-written word lists (lower case, edge punctuation removed).
MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december spring summer autumn fall winter".split()
)
VENUE = frozenset(
    "proceedings proc conference conf journal j jour transactions trans symposium symp workshop "
    "letters lett review rev annals ann advances bulletin bull quarterly magazine mag arxiv "
    "preprint corr international intl annual meeting congress colloquium acm ieee siam aaai ijcai "
    "neurips nips icml iclr cvpr iccv eccv acl emnlp naacl coling sigmod vldb icde kdd pvldb "
    "science nature research studies communications comm".split()
)
PUBLISHER = frozenset(
    "press springer elsevier wiley publishers publishing publisher verlag university univ "
    "mit cambridge oxford routledge pearson mcgraw-hill academic kluwer sage taylor francis "
    "jmlr pmlr curran associates morgan kaufmann o'reilly addison-wesley prentice birkhäuser "
    "institute inc ltd co company books".split()
)
PLACE = frozenset(
    "new york london berlin heidelberg cham boston amsterdam paris oxford cambridge chicago "
    "seoul tokyo beijing montreal vancouver toronto sydney vienna zurich munich madrid barcelona "
    "rome milan lisbon stockholm copenhagen singapore dordrecht philadelphia princeton "
    "usa uk ma ca ny nj germany france italy japan china canada australia switzerland".split()
)
EDITOR = frozenset("ed eds editor editors edited hrsg hg dir".split())
PAGES = frozenset("pp p pages page s".split())
VOLUME = frozenset("vol volume vols no nr issue number num iss".split())
NOTE = frozenset(
    "retrieved available accessed online submitted appear forthcoming preprint unpublished "
    "manuscript from at via cited".split()
)
GENRE = frozenset(
    "thesis phd ph.d dissertation report technical tech tr master's masters msc diss "
    "habilitation memo memorandum white paper".split()
)
EDITION = frozenset("edition edn 1st 2nd 3rd 4th 5th 6th 7th 8th 9th 10th second third fourth fifth".split())
FUNCTION = frozenset("in and & et al of the for on a an to with by from der die und la le de".split())


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Whitespace tokens with spans; Markdown ``[text](url)`` splits at ``](``."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        piece, base = m.group(0), m.start()
        if "](" in piece:
            pos = 0
            for part in _LINK_SPLIT.split(piece):
                out.append(Token(part, base + pos, base + pos + len(part)))
                pos += len(part)
        else:
            out.append(Token(piece, base, m.end()))
    return out


def _shape(word: str) -> str:
    return _RUNS.sub(r"\1", word.translate(_SHAPE_MAP))


def _core(token: str) -> str:
    """Token without edge punctuation or Markdown markers: '_Proceedings' → 'Proceedings'."""
    return _EDGE.sub("", token)


@lru_cache(maxsize=200_000)
def token_features(token: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Features of one token by itself, and the neighbour-window copies of a subset.

    Returns (own features, (copies for offsets -2, -1, +1, +2)). Cached: tokens
    repeat a lot across references, so this is what makes tagging fast.
    """
    core = _core(token)
    low = core.lower()
    shape = _shape(token)
    feats = [
        "b",
        "w=" + low,
        "sh=" + shape,
        "csh=" + _shape(core),
        "p3=" + low[:3],
        "s3=" + low[-3:],
        "s2=" + low[-2:],
        "lp=" + (token[0] if not token[0].isalnum() else "a"),
        "rp=" + (token[-1] if not token[-1].isalnum() else "a"),
        "len=" + str(min(len(core), 8)),
    ]
    if core[:1].isupper():
        feats.append("cap")
        if core.isupper() and len(core) > 1:
            feats.append("allcap")
    elif core[:1].islower():
        feats.append("lower")
    if core.isdigit():
        feats.append("digits=" + str(min(len(core), 5)))
    elif any(c.isdigit() for c in core):
        feats.append("hasdigit")
    for name, lexicon in (
        ("month", MONTHS), ("venue", VENUE), ("pub", PUBLISHER), ("place", PLACE),
        ("editor", EDITOR), ("pagew", PAGES), ("volw", VOLUME), ("notew", NOTE),
        ("genre", GENRE), ("edition", EDITION), ("func", FUNCTION),
    ):
        if low in lexicon:
            feats.append(name)
    kind = rules.token_kind(token)
    if kind:
        feats.append("kind=" + kind)
    if len(core) == 1 and core.isupper() and token.endswith("."):
        feats.append("initial")
    if token.startswith(("_", "*")):
        feats.append("em_open")
    if token.rstrip(".,;:)").endswith(("_", "*")):
        feats.append("em_close")
    if token.startswith(("\"", "“", "‘", "'", "«")):
        feats.append("q_open")
    if token.rstrip(".,;:").endswith(("\"", "”", "’", "»")) or token.endswith(("\"", "”")):
        feats.append("q_close")
    # Only the most telling features are copied to neighbours, to keep the
    # model small and tagging fast.
    shared = [f for f in feats if not f.startswith(("p3=", "s3=", "s2=", "csh=", "len=", "b"))]
    windows = tuple(tuple(f"{off}:{f}" for f in shared) for off in ("-2", "-1", "+1", "+2"))
    return tuple(feats), windows


_STOP_END = (".", ".”", ".\"", "?", "!", "?”", "!”", ".’", ":")


def _segments(texts: list[str], own: list[tuple[str, ...]]) -> list[list[str]]:
    """Sentence-like segments (split after a full stop that is not an initial,
    or a colon) and what each contains; every token gets its segment's summary.
    A title is a segment without digits; a venue segment has venue words; a
    name list is full of initials and commas."""
    out: list[list[str]] = []
    start = 0
    n = len(texts)
    idx = 0
    for i in range(n):
        if i == n - 1 or (texts[i].endswith(_STOP_END) and "initial" not in own[i]):
            seg = own[start : i + 1]
            size = i + 1 - start
            summary = [f"sidx={min(idx, 4)}", f"slen={min(size, 6) if size < 6 else (8 if size < 12 else 12)}"]
            for flag, test in (
                ("s_year", "kind=year"), ("s_init", "initial"), ("s_venue", "venue"), ("s_pub", "pub"),
                ("s_place", "place"), ("s_digits", "digits="), ("s_q", "q_open"), ("s_em", "em_open"),
                ("s_editor", "editor"), ("s_url", "kind=url"),
            ):
                if any(f.startswith(test) for feats in seg for f in feats[10:]):
                    summary.append(flag)
            first = texts[start].strip("_*“\"'(").lower()
            if first in ("in", "in:"):
                summary.append("s_in")
            out.extend([summary] * size)
            start = i + 1
            idx += 1
    return out


def sequence_features(tokens: list[Token]) -> list[list[str]]:
    """Per-token feature lists: own features, neighbour windows, and context
    that depends on the whole string (position, quotes, emphasis, brackets,
    what has been seen so far)."""
    texts = [t.text for t in tokens]
    n = len(texts)
    cached = [token_features(t) for t in texts]
    segments = _segments(texts, [c[0] for c in cached])
    out: list[list[str]] = []
    in_quote = in_em = False
    paren = 0
    seen_year = seen_quote = seen_colon = False
    stops = 0
    for i, tok in enumerate(texts):
        own, _ = cached[i]
        feats = list(own)
        feats.extend(segments[i])
        if i >= 2:
            feats.extend(cached[i - 2][1][0])
        if i >= 1:
            feats.extend(cached[i - 1][1][1])
        else:
            feats.append("BOS")
        if i + 1 < n:
            feats.extend(cached[i + 1][1][2])
        else:
            feats.append("EOS")
        if i + 2 < n:
            feats.extend(cached[i + 2][1][3])
        opens_q = "q_open" in own
        opens_em = "em_open" in own
        if in_quote or opens_q:
            feats.append("inq")
        if in_em or opens_em:
            feats.append("inem")
        if paren > 0 or tok.startswith("("):
            feats.append("inparen")
        feats.append("pos=" + str(10 * i // n))
        feats.append("stops=" + str(min(stops, 4)))
        if seen_year:
            feats.append("after_year")
        if seen_quote:
            feats.append("after_quote")
        if seen_colon:
            feats.append("after_colon")
        # Update running state after this token.
        if opens_q and not ("q_close" in own and len(tok) > 1):
            in_quote = True
        elif "q_close" in own:
            in_quote, seen_quote = False, True
        if opens_em and not ("em_close" in own and len(tok.strip("_*.,;:")) > 0):
            in_em = True
        elif "em_close" in own:
            in_em = False
        paren += tok.count("(") - tok.count(")")
        paren = max(paren, 0)
        if "kind=year" in own:
            seen_year = True
        if tok.endswith(":"):
            seen_colon = True
        if tok.endswith((".", ".”", ".\"", "?", "!")) and "initial" not in own:
            stops += 1
        out.append(feats)
    return out
