"""Where a line sits and what it heads: features of the line labeller read from the post's outline.

A top-level bullet under "### Lightning Talks" is a talk; the same bullet under "### Takeaways" is
not. A heading whose lines below name a speaker heads a talk; a heading over a list of paper links
heads a reading list; a heading with sub-headings below is a day or a session. The line's own words
cannot tell these apart, its section and its body can:

- ``sec=``: what the heading the line sits under says: a kind word (``sec_kind:lightning``), a
  non-talk section word (``sec=section``), or nothing (``sec=plain``, ``sec=none`` above the first
  heading);
- ``body=``: for a heading, the first line of a list item or a bold paragraph line, how many lines it heads, whether they
  name a speaker, how much of them is links to papers, and (headings) how many sub-headings they hold.
"""

from __future__ import annotations

import re

from kb.ingest.lexicon import lexicon
from kb.ingest.links import classify_url

_WORD = re.compile(r"[^\W\d_]+")
BODY_CAP = 40  # lines of a body looked at: enough to tell a talk's notes from a list of papers


def _parent_signals(text: str) -> tuple[str, ...]:
    lex = lexicon()
    low = [w.lower() for w in _WORD.findall(text)]
    kinds = [w for w in low if w in lex["kind"]]
    if kinds:
        return ("sec=kind", *(f"sec_kind:{w}" for w in kinds[:2]))
    if low and (" ".join(low) in lex["non_talk_section"] or low[0] in lex["non_talk_section"]):
        return ("sec=section",)
    return ("sec=plain",)


def _body_end(units: list, k: int) -> int:
    """One past the last unit the unit ``k`` heads (at most :data:`BODY_CAP` of them)."""
    u = units[k]
    stop = min(len(units), k + 1 + BODY_CAP)
    j = k + 1
    if u.kind == "heading":
        while j < stop and not (units[j].kind == "heading" and units[j].level <= u.level):
            j += 1
    elif u.kind == "item":  # a list item: its own further lines and the items nested in it
        while j < stop and ((units[j].block == u.block) or (units[j].kind == "item" and units[j].level > u.level)):
            j += 1
    else:  # a bold or emphasised paragraph line ("**Fast tests** — Jane Doe"): up to the next line like it
        while j < stop and units[j].kind != "heading" and units[j].shape != u.shape:
            j += 1
    return j


def _paper_line(u, blocks: list) -> bool:
    """The line is mostly links, one of them to a paper ("[Title](https://arxiv.org/abs/…)"): a reading
    list's line."""
    if u.link_cover < 0.5:
        return False
    return any(
        u.start <= s.start < u.end and not s.image and classify_url(s.href) == "paper" for s in blocks[u.block].links
    )


def section_features(units: list, spk: list[bool], blocks: list | None = None) -> list[list[str]]:
    """Per unit, its section and body features. ``spk``: per unit, whether the line names a speaker;
    ``blocks``: the blocks the units were cut from."""
    out: list[list[str]] = []
    stack: list[tuple[int, tuple[str, ...], int]] = []  # open headings: (level, their signals, unit index)
    groups: dict[tuple, list[int]] = {}  # (kind, level, parent heading): the heads of like bodies …
    said: dict[int, bool] = {}  # … and whether each one's body names a speaker
    # running counts of linked lines, paper lines and headings: a body's share is a difference of two
    linked, papers, headings = [0], [0], [0]
    for u in units:
        link = u.link_cover >= 0.5
        linked.append(linked[-1] + link)
        papers.append(papers[-1] + (link and blocks is not None and _paper_line(u, blocks)))
        headings.append(headings[-1] + (u.kind == "heading"))
    for k, u in enumerate(units):
        if u.kind == "heading":
            while stack and stack[-1][0] >= u.level:
                stack.pop()
        f = list(stack[-1][1]) if stack else ["sec=none"]
        parent = stack[-1][2] if stack else -1
        f.append(f"{f[0]}&{u.kind}{u.level if u.kind in ('heading', 'item') else ''}")
        if u.kind == "heading" or (
            u.first and (u.kind == "item" or (u.kind == "paragraph" and (u.bold or u.lead_emph)))
        ):
            end = _body_end(units, k)
            n = end - k - 1
            f.append(f"body={_size(n)}")
            said[k] = any(spk[k + 1 : min(end, k + 9)])
            groups.setdefault((u.kind, u.level, parent if u.kind == "item" else -1), []).append(k)
            if n:
                f.append(f"body_spk={said[k]}")
                f.append(f"body_link={round(4 * (linked[end] - linked[k + 1]) / n)}")
                if blocks is not None:
                    f.append(f"body_papers={round(4 * (papers[end] - papers[k + 1]) / n)}")
                if u.kind == "heading":
                    f.append(f"body_sub={_size(headings[end] - headings[k + 1])}")
        if u.kind == "heading":
            stack.append((u.level, _parent_signals(u.text), k))
        out.append(f)
    # how many of the like heads (same kind and level; items: under the same heading) name a speaker below
    for heads in groups.values():
        if len(heads) >= 3:
            share = f"like_spk={round(4 * sum(said[k] for k in heads) / len(heads))}"
            for k in heads:
                out[k].append(share)
    return out


def _size(n: int) -> str:
    return "0" if n == 0 else "1" if n == 1 else "few" if n <= 4 else "some" if n <= 12 else "many"
