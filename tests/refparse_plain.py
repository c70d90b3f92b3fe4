"""The reference parser's token pass as it was written before the speed work of issue 16 (``speed8``): plain
code, no caches, kept as the yardstick the faster code in ``kb/ingest/refparse`` is compared with
(``tests/test_refparse_speed.py``): same tokens, same features in the same order, same contexts, same kinds."""

from __future__ import annotations

from itertools import groupby

from kb.ingest.refparse.features import (
    _DATELIKE,
    _EDGE,
    _LEXICONS,
    _LINK_SPLIT,
    _POS,
    _ROMAN,
    _SHAPE_MAP,
    _STOP_END,
    _STOPS,
    _TOKEN,
    COLON,
    EM_CLOSE,
    EM_OPEN,
    GAZETTEER,
    GAZETTEER_PARTS,
    INITIAL,
    Q_CLOSE,
    Q_OPEN,
    STOP,
    YEAR,
    Token,
    TokenInfo,
    _segments,
)
from kb.ingest.refparse.rules import _CUES, _KIND_PATTERNS


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


def shape(word: str) -> str:
    """ "Vedaldi," → "Aa,"; "1312.6034" → "0.0" (runs of one class collapse)."""
    return "".join(k for k, _ in groupby(word.translate(_SHAPE_MAP)))


def strip_edges(token: str) -> str:
    """Token without edge punctuation or Markdown markers: '_Proceedings' → 'Proceedings'."""
    return _EDGE.sub("", token)


def token_features(token: str) -> TokenInfo:
    """Features of one token by itself, and the neighbour-window copies of a subset.

    Cached: tokens repeat a lot across references, so this is what makes
    tagging fast.

    """
    core = strip_edges(token)
    low = core.lower()
    feats = [
        "b",
        "w=" + low,
        "sh=" + shape(token),
        "csh=" + shape(core),
        "p3=" + low[:3],
        "s3=" + low[-3:],
        "s2=" + low[-2:],
        "lp=" + (token[0] if not token[0].isalnum() else "a"),
        "rp=" + (token[-1] if not token[-1].isalnum() else "a"),
        "len=" + str(min(len(core), 8)),
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
        feats.append("digits=" + str(min(len(core), 5)))
        bits |= 1 << 11
    elif not core.isalpha() and any(c.isdigit() for c in core):
        feats.append("hasdigit")
        has_digit = True
    for name, lexicon, bit in _LEXICONS:
        if low in lexicon:
            feats.append(name)
            bits |= bit
    if low and not low.strip("ivxlcdm") and _ROMAN.match(low):
        feats.append("roman")
    if has_digit and _DATELIKE.match(token):
        feats.append("datelike")
    if low in GAZETTEER:
        feats.append("gaz")
    elif low in GAZETTEER_PARTS:
        feats.append("gazp")
    kind = token_kind(token)
    if kind:
        feats.append("kind=" + kind)
        bits |= YEAR if kind == "year" else (1 << 13 if kind == "url" else 0)
    if len(core) == 1 and core.isupper() and token.endswith("."):
        feats.append("initial")
        bits |= INITIAL
    if token.startswith(("_", "*")):
        feats.append("em_open")
        bits |= EM_OPEN
    if token.rstrip(".,;:)").endswith(("_", "*")):
        feats.append("em_close")
        bits |= EM_CLOSE
    if token.startswith(('"', "“", "‘", "'", "«")):
        feats.append("q_open")
        bits |= Q_OPEN
    if token.rstrip(".,;:").endswith(('"', "”", "’", "»")) or token.endswith(('"', "”")):
        feats.append("q_close")
        bits |= Q_CLOSE
    if token.endswith(_STOP_END) and not bits & INITIAL:
        bits |= STOP
    if token.endswith(":"):
        bits |= COLON
    # Only the most telling features are copied to neighbours, to keep the
    # model small and tagging fast.
    # Neighbours see the word, its shape, edge punctuation and the flags.
    shared = (feats[1], feats[2], feats[7], feats[8], *feats[10:])
    return TokenInfo(tuple(feats), shared, bits, token.count("(") - token.count(")"))


def context_features(tokens: list[Token]) -> tuple[list[TokenInfo], list[tuple[str, ...]]]:
    """Token infos and, per token, the features that depend on the whole
    string: segment summary, position, quotes, emphasis, brackets, and what
    has been seen so far."""
    texts = [t.text for t in tokens]
    infos = [token_features(t) for t in texts]
    segments = _segments(infos, texts)
    n = len(texts)
    out: list[tuple[str, ...]] = []
    in_quote = in_em = False
    paren = 0
    seen_year = seen_quote = seen_colon = False
    stops = 0
    for i, info in enumerate(infos):
        bits = info.bits
        ctx = list(segments[i])
        if i == 0:
            ctx.append("BOS")
        if i == n - 1:
            ctx.append("EOS")
        if in_quote or bits & Q_OPEN:
            ctx.append("inq")
        if in_em or bits & EM_OPEN:
            ctx.append("inem")
        if paren > 0 or texts[i].startswith("("):
            ctx.append("inparen")
        ctx.append(_POS[10 * i // n])
        ctx.append(_STOPS[min(stops, 4)])
        if seen_year:
            ctx.append("after_year")
        if seen_quote:
            ctx.append("after_quote")
        if seen_colon:
            ctx.append("after_colon")
        out.append(tuple(ctx))
        # Update running state after this token.
        if bits & Q_OPEN and not (bits & Q_CLOSE and len(texts[i]) > 1):
            in_quote = True
        elif bits & Q_CLOSE:
            in_quote, seen_quote = False, True
        if bits & EM_OPEN and not (bits & EM_CLOSE and texts[i].strip("_*.,;:")):
            in_em = True
        elif bits & EM_CLOSE:
            in_em = False
        paren = max(paren + info.opens_paren, 0)
        seen_year = seen_year or bool(bits & YEAR)
        seen_colon = seen_colon or bool(bits & COLON)
        if bits & STOP:
            stops += 1
    return infos, out


def token_kind(token: str) -> str:
    """The first matching pattern name for a token, or ""."""
    # Most tokens are plain words: skip the patterns when none can match.
    if (
        token[0] not in "[(<"
        and not any(c.isdigit() for c in token)
        and "@" not in token
        and not token.lstrip("_*").lower().startswith(_CUES)
    ):
        return ""
    for name, pattern in _KIND_PATTERNS:
        if pattern.search(token):
            return name
    return ""
