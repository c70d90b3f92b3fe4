"""Tokens and CRF features for reference strings.

A token is a whitespace-separated piece of the string (fields in the AnyStyle
data always break at whitespace), further split where a Markdown link's text
meets its target (``prior](https://…)``), with its character span so labelled
fields can be cut from the original string.

>>> [t.text for t in tokenize("He, K. [Deep](https://x.org) 2016.")]
['He,', 'K.', '[Deep]', '(https://x.org)', '2016.']
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import tempfile
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import NamedTuple

from kb.ingest.refparse import rules

_TOKEN = re.compile(r"\S+")
_LINK_SPLIT = re.compile(r"(?<=\])(?=\()")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_SHAPE_MAP = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "A" * 26 + "a" * 26 + "0" * 10,
)

# Lexicons: small, hand-written word lists (lower case, edge punctuation removed),
# with the French, German, Spanish, Italian and Portuguese forms references use.
MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december spring summer autumn fall winter "
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre "
    "decembre januar februar märz maerz juni juli oktober dezember enero febrero marzo abril mayo junio "
    "julio agosto septiembre setiembre octubre noviembre diciembre gennaio febbraio aprile maggio giugno "
    "luglio settembre ottobre dicembre janeiro fevereiro março maio junho julho setembro outubro novembro "
    "dezembro januari februari maart mei augustus juin-juillet printemps été automne hiver frühjahr herbst "
    "jan. febr févr avr juil déc sommer".split()
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
    "institute inc ltd co company books "
    "éditions editions édition editora editorial editore editori edições ediciones presses universitaires "
    "universitaria universitat universität université universidad universidade università gmbh ag sa llc "
    "corp corporation group media house hall pub publ pubs blackwell palgrave macmillan penguin norton harper "
    "basic random vintage bloomsbury brill gruyter mohr siebeck suhrkamp gallimard seuil puf fayard flammarion "
    "armand colin dunod hachette karthala harmattan l'harmattan laterza einaudi mulino feltrinelli "
    "center centre agency association society institut instituto istituto foundation council ministry "
    "department bureau office organization organisation service survey museum library laboratory "
    "commission government ieee acm siam ams crc thieme karger lippincott williams wilkins saunders "
    "mosby churchill livingstone humana lawrence erlbaum guilford jossey-bass greenwood praeger "
    "westview rowman littlefield beck".split()
)
PLACE = frozenset(
    "new york london berlin heidelberg cham boston amsterdam paris oxford cambridge chicago "
    "seoul tokyo beijing montreal vancouver toronto sydney vienna zurich munich madrid barcelona "
    "rome milan lisbon stockholm copenhagen singapore dordrecht philadelphia princeton "
    "usa uk ma ca ny nj germany france italy japan china canada australia switzerland".split()
)
EDITOR = frozenset("ed eds editor editors edited hrsg hg dir".split())
PAGES = frozenset("pp p pages page s str blz pág pag págs pgs sp col cols".split())
VOLUME = frozenset(
    "vol volume vols no nr issue number num iss v t tome tomo bd band heft jg jahrgang fasc fascicule "
    "cahier suppl supplement pt part numéro numero núm nº n° vol. série serie no°".split()
)
NOTE = frozenset(
    "retrieved available accessed online submitted appear forthcoming preprint unpublished "
    "manuscript from at via cited".split()
)
GENRE = frozenset(
    "thesis phd ph.d dissertation report technical tech tr master's masters msc diss "
    "habilitation memo memorandum white paper thèse these doctorat doctoral tesi tesis dissertação "
    "diplomarbeit manuscript rep working personal communication mémoire memoire motion picture "
    "film web blog podcast".split()
)
EDITION = frozenset(
    "edition edn 1st 2nd 3rd 4th 5th 6th 7th 8th 9th 10th second third fourth fifth revised rev auflage "
    "aufl éd édition edición edizione ed reprint reprinted expanded enlarged 11th 12th 13th 14th 15th 20th "
    "sixth seventh eighth ninth tenth 1ère 2ème 2e 3e 4e 2nd. ª".split()
)
FUNCTION = frozenset("in and & et al of the for on a an to with by from der die und la le de".split())
_ROMAN = re.compile(r"^(?=[ivxlcdm]+$)m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
# Numeric dates other than a bare year: 2010/06/01, 2017.6, 09/2013.
_DATELIKE = re.compile(
    r"^[(\[]?(?:(?:1[5-9]|20)\d\d[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.](?:\d{1,2}[-/.])?(?:1[5-9]|20)\d\d)"
    r"[)\]]?[,.;:)]*$"
)


PLACES_PATH = Path(__file__).with_name("data") / "places.txt"


def cache_dir() -> Path:
    """The reference parser's folder in the user's cache (``$XDG_CACHE_HOME/kb/refparse``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kb" / "refparse"


def _load_places(path: Path = PLACES_PATH) -> tuple[frozenset[str], frozenset[str]]:
    """Place names from GeoNames (``data/places.txt``, see NOTICE.md): one-word
    names of cities with 15,000+ people, countries and US states (tier 1), and
    the words of their longer names ("francisco", "horizonte"; tier 2).

    Read back from a JSON copy in the user's cache, named by the file's sha256, when there is one (~8 ms
    instead of ~17 ms splitting 44,000 lines, at every start of ``kb refs parse``); written when there is not."""
    data = path.read_bytes()
    try:
        cache = cache_dir() / f"places-v1-{hashlib.sha256(data).hexdigest()[:32]}.json"
        full, parts = json.loads(cache.read_bytes())
        if isinstance(full, list) and isinstance(parts, list):
            return frozenset(full), frozenset(parts)
    except (OSError, ValueError, TypeError):  # missing, torn or foreign: built from the file below
        pass
    places: tuple[set[str], set[str]] = (set(), set())
    for line in data.decode("utf-8").splitlines():
        word, _, tier = line.partition("\t")
        places[0 if tier == "1" else 1].add(word)
    _save_json(cache, [sorted(places[0]), sorted(places[1])])
    return frozenset(places[0]), frozenset(places[1])


def _save_json(path: Path, value: object) -> None:
    """Write ``value`` as JSON atomically; a cache that cannot be written is simply not kept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass


GAZETTEER, GAZETTEER_PARTS = _load_places()


class Token(NamedTuple):
    text: str
    start: int
    end: int


_new_tuple = tuple.__new__  # what Token(...) calls, without its Python-level __new__


def tokenize(text: str) -> list[Token]:
    """Whitespace tokens with spans; Markdown ``[text](url)`` splits at ``](``."""
    out: list[Token] = []
    if "](" not in text:  # no link to split: str.split's whitespace is the regex's (str.isspace), each piece
        pos = 0  # found where the one before it ends
        find = text.find
        for piece in text.split():
            start = find(piece, pos)
            pos = start + len(piece)
            out.append(_new_tuple(Token, (piece, start, pos)))
        return out
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


_SHAPES: dict[str, str] = {}  # a word's classes ("Aaaaaaa,") -> its shape ("Aa,"): few distinct, many words


def _shape(word: str) -> str:
    """ "Vedaldi," → "Aa,"; "1312.6034" → "0.0" (runs of one class collapse)."""
    classes = word.translate(_SHAPE_MAP)
    shape = _SHAPES.get(classes)
    if shape is None:
        shape = "".join(k for k, _ in groupby(classes))
        if len(_SHAPES) < 100_000:
            _SHAPES[classes] = shape
    return shape


def _core(token: str) -> str:
    """Token without edge punctuation or Markdown markers: '_Proceedings' → 'Proceedings'."""
    if token[:1].isalnum() and token[-1:].isalnum():  # nothing to strip ([\W_] is what str.isalnum is not)
        return token
    return _EDGE.sub("", token)


# Bits of TokenInfo.bits: what the context pass needs to know about a token.
Q_OPEN, Q_CLOSE, EM_OPEN, EM_CLOSE, YEAR, INITIAL, STOP, COLON = (1 << i for i in range(8))
URL = 1 << 13
_SEG_FLAGS = (
    ("s_year", YEAR),
    ("s_init", INITIAL),
    ("s_q", Q_OPEN),
    ("s_em", EM_OPEN),
    ("s_venue", 1 << 8),
    ("s_pub", 1 << 9),
    ("s_place", 1 << 10),
    ("s_digits", 1 << 11),
    ("s_editor", 1 << 12),
    ("s_url", 1 << 13),
)
_LEXICONS = (
    ("month", MONTHS, 0),
    ("venue", VENUE, 1 << 8),
    ("pub", PUBLISHER, 1 << 9),
    ("place", PLACE, 1 << 10),
    ("editor", EDITOR, 1 << 12),
    ("pagew", PAGES, 0),
    ("volw", VOLUME, 0),
    ("notew", NOTE, 0),
    ("genre", GENRE, 0),
    ("edition", EDITION, 0),
    ("func", FUNCTION, 0),
)
# word -> (the names of the lexicons it is in, in _LEXICONS order; their bits): one look-up for all eleven
_IN_LEXICONS: dict[str, tuple[tuple[str, ...], int]] = {}
for _name, _lexicon, _bit in _LEXICONS:
    for _word in _lexicon:
        _names, _bits = _IN_LEXICONS.get(_word, ((), 0))
        _IN_LEXICONS[_word] = ((*_names, _name), _bits | _bit)
del _name, _lexicon, _bit, _word, _names, _bits
_LEN = tuple(f"len={i}" for i in range(9))
_DIGITS = tuple(f"digits={i}" for i in range(6))
_STOP_END = (".", ".”", '."', "?", "!", "?”", "!”", ".’")


class TokenInfo(NamedTuple):
    own: tuple[str, ...]  # features of the token itself
    shared: tuple[str, ...]  # the subset that neighbours see, as "-1:" + f etc.
    bits: int  # flags for the context pass
    opens_paren: int  # "(" minus ")" count


@lru_cache(maxsize=200_000)
def token_features(token: str) -> TokenInfo:
    """Features of one token by itself, and the neighbour-window copies of a subset.

    Cached: tokens repeat a lot across references, so this is what makes
    tagging fast.

    >>> "kind=year" in token_features("(2015).").own
    True
    """
    first, last = token[0], token[-1]
    # (_core and _shape, inline)
    core = token if first.isalnum() and last.isalnum() else _EDGE.sub("", token)
    classes = token.translate(_SHAPE_MAP)
    shape = _SHAPES.get(classes) or _shape(token)
    low = core.lower()
    feats = [
        "b",
        "w=" + low,
        "sh=" + shape,
        "csh=" + (shape if core == token else _shape(core)),
        "p3=" + low[:3],
        "s3=" + low[-3:],
        "s2=" + low[-2:],
        "lp=" + (first if not first.isalnum() else "a"),
        "rp=" + (last if not last.isalnum() else "a"),
        _LEN[min(len(core), 8)],
    ]
    bits = 0
    has_digit = False
    if core[:1].isupper():
        feats.append("cap")
        if core.isupper() and len(core) > 1:
            feats.append("allcap")
    elif core[:1].islower():
        feats.append("lower")
    if core.isdigit():
        feats.append(_DIGITS[min(len(core), 5)])
        bits |= 1 << 11
    elif not core.isalpha() and rules.has_digit(core):
        feats.append("hasdigit")
        has_digit = True
    lexicons = _IN_LEXICONS.get(low)
    if lexicons is not None:
        feats += lexicons[0]
        bits |= lexicons[1]
    if low and not low.strip("ivxlcdm") and _ROMAN.match(low):
        feats.append("roman")
    if has_digit and _DATELIKE.match(token):
        feats.append("datelike")
    if low in GAZETTEER:
        feats.append("gaz")
    elif low in GAZETTEER_PARTS:
        feats.append("gazp")
    kind = rules.token_kind(token)
    if kind:
        feats.append("kind=" + kind)
        bits |= YEAR if kind == "year" else (1 << 13 if kind == "url" else 0)
    if len(core) == 1 and core.isupper() and token.endswith("."):
        feats.append("initial")
        bits |= INITIAL
    # (each test on the last character first: most tokens end in a letter, a digit or a comma)
    if first in "_*":
        feats.append("em_open")
        bits |= EM_OPEN
    if last in ".,;:)_*" and token.rstrip(".,;:)").endswith(("_", "*")):
        feats.append("em_close")
        bits |= EM_CLOSE
    if first in "\"“‘'«":
        feats.append("q_open")
        bits |= Q_OPEN
    if last in '.,;:"”’»' and (token.rstrip(".,;:").endswith(('"', "”", "’", "»")) or token.endswith(('"', "”"))):
        feats.append("q_close")
        bits |= Q_CLOSE
    if last in '.”"?!’' and token.endswith(_STOP_END) and not bits & INITIAL:
        bits |= STOP
    if last == ":":
        bits |= COLON
    # Only the most telling features are copied to neighbours, to keep the
    # model small and tagging fast.
    # Neighbours see the word, its shape, edge punctuation and the flags.
    shared = (feats[1], feats[2], feats[7], feats[8], *feats[10:])
    return _new_tuple(TokenInfo, (tuple(feats), shared, bits, token.count("(") - token.count(")")))


OFFSETS = ("-2", "-1", "+1", "+2")


@lru_cache(maxsize=200_000)
def window_features(token: str) -> tuple[tuple[str, ...], ...]:
    """A token's shared features as seen from offsets -2, -1, +1 and +2."""
    shared = token_features(token).shared
    return tuple(tuple(f"{off}:{f}" for f in shared) for off in OFFSETS)


_SEG_BITS = sum(bit for _, bit in _SEG_FLAGS)  # (distinct bits: their sum is their union)
_SUMMARIES: dict[tuple[int, int, int, bool], tuple[str, ...]] = {}  # each distinct segment summary, made once
_BITS = operator.itemgetter(2)  # of a TokenInfo


def _summary(idx: int, size: int, acc: int, s_in: bool) -> tuple[str, ...]:
    key = (idx, size, acc, s_in)
    summary = _SUMMARIES.get(key)
    if summary is None:
        feats = [f"sidx={idx}", f"slen={size}"]
        feats += [name for name, bit in _SEG_FLAGS if acc & bit]
        if s_in:
            feats.append("s_in")
        summary = _SUMMARIES.setdefault(key, tuple(feats))
    return summary


def _segments(infos: list[TokenInfo], texts: list[str]) -> list[tuple[str, ...]]:
    """Sentence-like segments (split after a full stop that is not an initial,
    or a colon) and what each contains; every token gets its segment's summary.
    A title is a segment without digits; a venue segment has venue words; a
    name list is full of initials and commas."""
    out: list[tuple[str, ...]] = []
    start = 0
    last = len(infos) - 1
    idx = 0
    acc = 0
    for i, bits in enumerate(map(_BITS, infos)):
        acc |= bits
        if bits & (STOP | COLON) or i == last:
            size = i + 1 - start
            s_in = texts[start].strip("_*“\"'(").lower() in ("in", "in:")
            out += [_summary(min(idx, 4), size if size < 6 else (8 if size < 12 else 12), acc & _SEG_BITS, s_in)] * size
            start, acc = i + 1, 0
            idx += 1
    return out


_POS = tuple(f"pos={i}" for i in range(10))
_STOPS = tuple(f"stops={i}" for i in range(5))


# What the context pass carries from token to token, as bits of one int (with the tail's own bits below):
_BOS, _EOS, _INQ, _INEM, _INPAREN = 1, 2, 4, 8, 16
_STOP_STEP = 32  # the stops seen so far (at most 4) times this
_AFTER_YEAR, _AFTER_QUOTE, _AFTER_COLON = 256, 512, 1024
_POS_SHIFT = 11
_MOVES = Q_OPEN | Q_CLOSE | EM_OPEN | EM_CLOSE | YEAR | COLON | STOP
_TAILS: dict[int, tuple[str, ...]] = {}


def _tail(code: int) -> tuple[str, ...]:
    """The context features after the segment summary, from their bits."""
    feats = []
    if code & _BOS:
        feats.append("BOS")
    if code & _EOS:
        feats.append("EOS")
    if code & _INQ:
        feats.append("inq")
    if code & _INEM:
        feats.append("inem")
    if code & _INPAREN:
        feats.append("inparen")
    feats.append(_POS[code >> _POS_SHIFT])
    feats.append(_STOPS[(code // _STOP_STEP) & 7])
    if code & _AFTER_YEAR:
        feats.append("after_year")
    if code & _AFTER_QUOTE:
        feats.append("after_quote")
    if code & _AFTER_COLON:
        feats.append("after_colon")
    return _TAILS.setdefault(code, tuple(feats))


def context_features(tokens: list[Token]) -> tuple[list[TokenInfo], list[tuple[str, ...]]]:
    """Token infos and, per token, the features that depend on the whole
    string: segment summary, position, quotes, emphasis, brackets, and what
    has been seen so far."""
    texts = [t.text for t in tokens]
    infos = [token_features(t) for t in texts]
    return infos, token_contexts(texts, infos)


def token_contexts(texts: list[str], infos: list[TokenInfo]) -> list[tuple[str, ...]]:
    """:func:`context_features` of tokens whose infos are known: each token's segment summary, then BOS, EOS,
    inq, inem, inparen, its position, the stops before it, after_year, after_quote, after_colon (those that
    hold). The running state is kept as bits of one int, and each distinct tail is made once."""
    segments = _segments(infos, texts)
    n = len(texts)
    last = n - 1
    out: list[tuple[str, ...]] = []
    tails = _TAILS
    state = 0  # _INQ: in a quote, _INEM: in emphasis, stops, _AFTER_*
    paren = 0
    for i, info in enumerate(infos):
        bits = info.bits
        code = state | (10 * i // n) << _POS_SHIFT
        if i == 0:
            code |= _BOS
        if i == last:
            code |= _EOS
        if bits & Q_OPEN:
            code |= _INQ
        if bits & EM_OPEN:
            code |= _INEM
        if paren > 0 or texts[i].startswith("("):
            code |= _INPAREN
        tail = tails.get(code)
        out.append(segments[i] + (tail if tail is not None else _tail(code)))
        # Update the running state after this token.
        if bits & _MOVES:
            if bits & Q_OPEN and not (bits & Q_CLOSE and len(texts[i]) > 1):
                state |= _INQ
            elif bits & Q_CLOSE:
                state = (state & ~_INQ) | _AFTER_QUOTE
            if bits & EM_OPEN and not (bits & EM_CLOSE and texts[i].strip("_*.,;:")):
                state |= _INEM
            elif bits & EM_CLOSE:
                state &= ~_INEM
            if bits & YEAR:
                state |= _AFTER_YEAR
            if bits & COLON:
                state |= _AFTER_COLON
            if bits & STOP and (state // _STOP_STEP) & 7 < 4:
                state += _STOP_STEP
        if info.opens_paren:
            paren = max(paren + info.opens_paren, 0)
    return out


def sequence_features(tokens: list[Token]) -> list[list[str]]:
    """Per-token feature lists for crfsuite: own features, neighbour windows
    and context (the fast tagger in model.py scores the same features without
    building these lists)."""
    infos, contexts = context_features(tokens)
    windows = [window_features(t.text) for t in tokens]
    n = len(infos)
    out: list[list[str]] = []
    for i, info in enumerate(infos):
        feats = list(info.own)
        feats.extend(contexts[i])
        if i >= 2:
            feats.extend(windows[i - 2][0])
        if i >= 1:
            feats.extend(windows[i - 1][1])
        if i + 1 < n:
            feats.extend(windows[i + 1][2])
        if i + 2 < n:
            feats.extend(windows[i + 2][3])
        out.append(feats)
    return out
