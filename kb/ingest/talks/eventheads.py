"""Events from the line labeller: a line labelled E names an event ("### Lightning Talks",
"**Session 2: Tail Risks**", "## 16:00 – Main Track S15: Time Series I").

The event rules (:mod:`kb.ingest.events`) still read prose ("the [X](url) workshop", "a tutorial on
[Y]()"), where a line labeller cannot see a name inside a sentence; for whole lines the labeller
decides, with the rules' verdict as one of its features: a rule event on a line the labeller did not
call an event (a "Keynote" heading, "Panel Discussion", "Spotlights") is dropped unless the line
says what it is ("Tutorial: X", "Session 2B: Y") or the labeller gives it a fair chance of being one
(``RULE_AND_LABELLER``: the rule and the labeller together), and a line it calls
an event that no rule saw ("Lightning Talks", "Human Systems Immunology I") becomes one.
"""

from __future__ import annotations

import re

from kb.ingest.events import _PREFIX, EVENT_KIND, EVENT_WORDS, LEAD, EventHit, event_from_heading
from kb.ingest.markdown import Block
from kb.ingest.records import Event
from kb.ingest.talks.model import Analysis
from kb.ingest.talks.units import Unit

_MARKUP = re.compile(r"^[#*_\s>]+|[*_\s]+$")
_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\s]*\)")  # "[Lightning Talks](lightning-talks.md)": its text
MAX_WORDS = 14  # a longer line is a sentence about an event, not its name
# a whole-line rule event stays when the labeller gives the line at least this chance of being an event
# (folds over 381 posts, events F1: 0.285 only on the label E, 0.293 at 0.3, 0.301 at 0.2, 0.302 at 0.1)
RULE_AND_LABELLER = 0.2


def _whole_line(e: EventHit, u: Unit) -> bool:
    """The rule event is the line itself (a heading, a line that is the event's name), not a name
    inside a sentence."""
    return e.offset <= u.start + 8 and len(e.event.name) >= 0.5 * len(u.text.strip())


def event_of_line(text: str) -> Event | None:
    """The event a line labelled E names: list labels and time slots off, then the heading rules
    ("Session 1: Tail Risks" → "Tail Risks"); a line they reject is named as it stands."""
    text = _MARKUP.sub("", LEAD.sub("", _MARKUP.sub("", _LINK.sub(r"\1", text.strip())))).strip(" :")
    if not text or len(text.split()) > MAX_WORDS:
        return None
    ev = event_from_heading(text)
    if ev is not None:
        return ev
    km = EVENT_KIND.search(text)
    return Event(
        name=text[0].upper() + text[1:], kind=EVENT_WORDS.get(km.group(1).lower(), "session") if km else "session"
    )


def learned_events(blocks: list[Block], a: Analysis, rule_events: list[EventHit]) -> list[EventHit]:
    """The post's events: the rules' prose events, and the lines the labeller labelled E."""
    if not a.labels:
        return rule_events
    unit_of = {id(e): k for k, es in a.rule_events.items() for e in es}
    out: list[EventHit] = []
    named: set[int] = set()
    for e in rule_events:
        k = unit_of.get(id(e))
        if k is None or not _whole_line(e, a.units[k]):
            out.append(e)  # in prose: the rules read it
        elif (
            a.labels[k] == "E"
            or (a.event_p and a.event_p[k] >= RULE_AND_LABELLER)
            or _PREFIX.match(a.units[k].text.strip(" #*_"))
        ):
            out.append(e)  # the labeller's E, or a line that says so: "## Tutorial: Diffusion Models"
            named.add(k)
    group = max((e.group for e in rule_events), default=0)
    for k, lab in enumerate(a.labels):
        if lab != "E" or k in named:
            continue
        u = a.units[k]
        ev = event_of_line(u.text)
        if ev is None:
            continue
        link = next((s for s in blocks[u.block].links if not s.image and s.href and u.start <= s.start < u.end), None)
        ev.url, ev.line = (link.href if link else None), u.line
        group += 1
        out.append(EventHit(ev, u.block, u.start, group))
    out.sort(key=lambda e: (e.block, e.offset))
    return out
