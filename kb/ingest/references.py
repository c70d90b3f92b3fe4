"""Find a post's references wherever it keeps them and turn each into a ParsedReference.

Places looked at, in this order of confidence:

1. a section headed References / Bibliography / Papers / Citations / Further
   reading … (any heading level, or a bold line standing alone);
2. Markdown footnote definitions that read like a reference (``[^2]: …``);
3. runs of paragraphs or list items that start with ``[n]`` and carry a year;
4. fenced ```bibtex blocks (and code blocks that are plainly BibTeX).

Each entry keeps its raw string and its marker normalised to ``[n]``,
``[^n]`` or ``[key]`` so inline cites can find it. Entries that are only a
link become link-only papers (identifier, no title until enriched).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from kb.ingest.bibtex import parse_bibtex
from kb.ingest.markdown import Block, inline_markdown
from kb.ingest.paper_meta import apply_identifiers, title_from_label
from kb.ingest.records import Name, ParsedReference, Problem
from kb.ingest.text import squash

REF_HEADING = re.compile(
    r"^\W*(?:\d+[.)]?\s*)?(?:references?|bibliography|citations?|cited (?:papers|works)|works cited|"
    r"(?:related |relevant |mentioned |cited |some |interesting |key )?papers?(?: (?:mentioned|cited|referenced|discussed|to read))?|"
    r"further reading|reading list|sources|literature|endnotes|notes and references|"
    r"参考文献|参考资料|引用|文献|références|referencias|bibliografía|bibliografia|literatur|literaturverzeichnis|"
    r"quellen|riferimenti|referências)\W*$",
    re.I,
)
_MARKER = re.compile(r"^\s*(?:\[(\^?[\w:\-]{1,40})\]:?|\(?(\d{1,3})[.)](?=\s)|\^(\d{1,3}))\s*")
_YEAR = re.compile(r"(?<!\d)(?:1[7-9]\d\d|20[0-4]\d)(?!\d)")
_BIBTEX_START = re.compile(r"^\s*@\w+\s*\{", re.M)


@dataclass
class RawReference:
    marker: str | None
    text: str  # inline Markdown of the entry, marker removed
    line: int
    block: Block | None = None


def normalise_marker(marker: str | None) -> str | None:
    """``1.`` / ``1)`` / ``[1]`` → ``[1]``; ``^1`` → ``[^1]``; ``He2016`` → ``[He2016]``."""
    if not marker:
        return None
    m = marker.strip().strip("[]():.")
    return f"[{m}]" if m else None


def _split_marker(text: str) -> tuple[str | None, str]:
    m = _MARKER.match(text)
    if not m:
        return None, text
    label = m.group(1) or m.group(2) or (f"^{m.group(3)}" if m.group(3) else None)
    if label and m.group(1) and not re.fullmatch(r"\^?\d{1,4}|\^?[A-Za-z][\w:\-]*\d{2,4}[a-z]?|\^\w+", label):
        return None, text  # "[Keynote]" or "[Slides]" is not a marker
    return label, text[m.end() :]


def is_reference_heading(block: Block) -> bool:
    if block.kind == "heading" or (block.kind == "paragraph" and block.bold):
        return bool(REF_HEADING.match(block.text.strip()))
    return False


def looks_like_reference(text: str) -> bool:
    """A year plus either a quoted title, an author list or a venue-ish word."""
    if not _YEAR.search(text) and not re.search(r"arxiv|doi|openreview", text, re.I):
        return False
    return bool(
        re.search(
            r"[\"“”]|et al|\b[A-Z][a-z]+, [A-Z]|\b[A-Z]\. [A-Z]|proceedings|conference|journal|arxiv|preprint|"
            r"transactions|\bin\b.*\d{4}|\(\d{4}\)",
            text,
            re.I,
        )
    )


def _entries_of_block(block: Block) -> list[RawReference]:
    """One block may hold several references, one per line, each with its marker."""
    md = inline_markdown(block)
    lines = md.split("\n")
    starts = [i for i, line in enumerate(lines) if _split_marker(line)[0]]
    if block.kind == "footnote":
        return [RawReference(block.marker, squash(md), block.line, block)]
    if len(starts) > 1 or (starts and starts[0] == 0 and len(lines) > 1 and len(starts) == len(lines)):
        chunks = [(i, " ".join(lines[i:j])) for i, j in zip(starts, starts[1:] + [len(lines)], strict=False)]
    elif len(lines) > 1 and not starts and all(_YEAR.search(line) and len(line) > 30 for line in lines):
        chunks = list(enumerate(lines))
    else:
        chunks = [(0, " ".join(lines))]
    out = []
    for offset, chunk in chunks:
        label, rest = _split_marker(chunk)
        if not label and block.marker and block.marker[0].isdigit():
            label = block.marker.rstrip(".)")
        out.append(RawReference(label, squash(rest), block.line + offset, block))
    return out


def find_references(blocks: list[Block]) -> tuple[list[RawReference], list[tuple[Block, str]], set[int]]:
    """(raw references, bibtex code blocks, ids of blocks consumed as references)."""
    refs: list[RawReference] = []
    bibtex: list[tuple[Block, str]] = []
    used: set[int] = set()
    in_section: int | None = None  # heading level of the open references section (99 = bold line)
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            if is_reference_heading(block):
                in_section = block.level
                used.add(i)
                continue
            if in_section is not None and (in_section == 99 or block.level <= in_section):
                in_section = None
        elif block.kind == "paragraph" and block.bold and is_reference_heading(block):
            in_section, _ = 99, used.add(i)
            continue
        if block.kind == "code":
            if block.lang in ("bibtex", "bib", "biblatex") or (
                block.lang in ("", "latex", "tex", "text") and _BIBTEX_START.search(block.text)
            ):
                bibtex.append((block, block.text))
                used.add(i)
            continue
        if in_section is not None and block.kind in ("paragraph", "item", "footnote", "html", "row"):
            if block.text.strip():
                refs.extend(_entries_of_block(block))
                used.add(i)
            continue
        if block.kind == "footnote" and looks_like_reference(block.text):
            refs.extend(_entries_of_block(block))
            used.add(i)
    # Entries outside any heading: a run of 2+ "[n] … year" / "[Key2019] … year" blocks.
    run: list[int] = []
    for i, block in enumerate(blocks + [Block("paragraph", "", 0, 0)]):
        numbered = (
            i not in used
            and block.kind in ("paragraph", "item")
            and bool(re.match(r"^\s*\[(?:\d{1,4}|[A-Za-z][\w\-]*\d{4}[a-z]?)\]\s+\S", block.text))
            and looks_like_reference(block.text)
        )
        if numbered:
            run.append(i)
            continue
        if len(run) >= 2:
            for j in run:
                refs.extend(_entries_of_block(blocks[j]))
                used.add(j)
        run = []
    refs.sort(key=lambda r: r.line)
    return refs, bibtex, used


def link_only_reference(text: str) -> ParsedReference | None:
    """``[Attention is all you need](https://arxiv.org/abs/1706.03762)`` or a bare URL → a paper by identifier."""
    m = re.fullmatch(r"\s*(?:\[([^\]]*)\]\(([^)\s]+)\)|<?((?:https?://|www\.)\S+?)>?)\s*[.,;]?\s*", text)
    if not m:
        return None
    label, url = (m.group(1) or ""), (m.group(2) or m.group(3))
    ref = ParsedReference(raw=text, url=url, title=title_from_label(label) if label else None, confidence=0.5)
    apply_identifiers(ref)
    if ref.arxiv_id and not ref.venue:
        ref.type, ref.venue = "article", f"arXiv preprint arXiv:{ref.arxiv_id}"
    return ref


_PARSE_CACHE: dict[str, ParsedReference] = {}
_PARSE_CACHE_MAX = 20_000


def parse_cached(text: str) -> ParsedReference:
    """The same reference string recurs across posts (famous papers): parse it once per process."""
    from kb.ingest.refparse import parse_reference  # the trained model loads on first use

    hit = _PARSE_CACHE.get(text)
    if hit is None:
        hit = parse_reference(text)
        if len(_PARSE_CACHE) >= _PARSE_CACHE_MAX:
            _PARSE_CACHE.clear()
        _PARSE_CACHE[text] = hit
    return _copy(hit)


_REF_FIELDS = frozenset(ParsedReference.__dataclass_fields__)
_NAME_FIELDS = frozenset(Name.__dataclass_fields__)


def _copy(ref: ParsedReference) -> ParsedReference:
    """``copy.deepcopy(ref)`` for a parsed record, ~2x cheaper: its values are strings, numbers and None but
    for its author and editor lists (of :class:`Name`, strings only) and its ``ids`` (strings to strings); the
    same objects shared stay shared. Anything else (an attribute added, another type) goes to deepcopy."""
    state = vars(ref)
    if type(ref) is not ParsedReference or state.keys() != _REF_FIELDS:
        return copy.deepcopy(ref)
    names: dict[int, Name] = {}
    lists = []
    for people in (ref.authors, ref.editors):
        if type(people) is not list:
            return copy.deepcopy(ref)
        out = []
        for n in people:
            twin = names.get(id(n))
            if twin is None:
                if (
                    type(n) is not Name
                    or vars(n).keys() != _NAME_FIELDS
                    or not all(type(v) is str for v in vars(n).values())
                ):
                    return copy.deepcopy(ref)
                twin = names[id(n)] = copy.copy(n)
            out.append(twin)
        lists.append(out)
    ids = ref.ids
    if type(ids) is not dict or not all(type(k) is str and type(v) is str for k, v in ids.items()):
        return copy.deepcopy(ref)
    mutable = {"authors", "editors", "ids"}
    if not all(v is None or type(v) in (str, int, float, bool) for k, v in state.items() if k not in mutable):
        return copy.deepcopy(ref)
    new = copy.copy(ref)
    new.authors = lists[0]
    new.editors = new.authors if ref.editors is ref.authors else lists[1]
    new.ids = dict(ids)
    return new


def _parse_ahead(texts: list[str]) -> None:
    """Put the references of ``texts`` not parsed yet in the cache, parsed together
    (:func:`kb.ingest.refparse.parse_references`: the same records as one by one, ~2x cheaper a reference).
    Should the batch fail, nothing is kept: :func:`parse_cached` then parses each alone, and reports the one
    that fails, as before."""
    todo = list(dict.fromkeys(t for t in texts if t not in _PARSE_CACHE))
    if len(todo) < 2:
        return
    from kb.ingest.refparse import parse_references

    try:
        parsed = parse_references(todo)
    except Exception:  # noqa: BLE001 - parse_cached meets it again, for the one reference it belongs to
        return
    for text, ref in zip(todo, parsed, strict=True):
        if len(_PARSE_CACHE) >= _PARSE_CACHE_MAX:
            _PARSE_CACHE.clear()
        _PARSE_CACHE[text] = ref


def parse_entries(
    raw_refs: list[RawReference],
    bibtex_blocks: list[tuple[Block, str]],
    source: str,
) -> tuple[list[ParsedReference], list[Problem]]:
    """Parse every found entry; never raises — a failure becomes a Problem and a raw-only reference."""
    papers: list[ParsedReference] = []
    problems: list[Problem] = []
    links = [link_only_reference(raw.text) for raw in raw_refs]
    _parse_ahead([raw.text for raw, ref in zip(raw_refs, links, strict=True) if ref is None])
    for raw, ref in zip(raw_refs, links, strict=True):
        marker = normalise_marker(raw.marker)
        if ref is None:
            try:
                ref = parse_cached(raw.text)
            except Exception as exc:  # noqa: BLE001 - one bad reference must not stop the post
                problems.append(Problem(f"reference {marker or ''} could not be parsed: {exc}", line=raw.line))
                ref = ParsedReference(raw=raw.text, confidence=0.0)
        ref.marker = marker
        ref.raw = raw.text
        apply_identifiers(ref)
        papers.append(ref)
    for block, text in bibtex_blocks:
        refs, probs = parse_bibtex(text, source, line_offset=block.line)
        papers.extend(apply_identifiers(r) for r in refs)
        problems.extend(probs)
    return papers, problems
