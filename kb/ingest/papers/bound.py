"""An exact upper bound on the paper-mention classifier's score, to reject candidate spans before their
costly features are built.

The classifier (:mod:`kb.ingest.papers.tagger`) is crfsuite over one-item sequences with two labels and
no transitions, so the probability of P is ``1 / (1 + exp(-d))`` with ``d`` the sum, over the item's
attributes (each of value 1, repeats counted), of ``w(attr, P) - w(attr, N)``: a linear score. A
candidate's features come in two groups (:mod:`kb.ingest.papers.features`): the early ones, known
cheaply, and the late ones, from families that each add at most one attribute (``caps=…``,
``person`` …). Read from the model file when it is loaded, :class:`ScoreBound` knows each attribute's
``d`` and, per late family, the most it can add (never below 0: a value the model has no weight for,
or the feature's absence, adds 0). The early score plus those maxima bounds ``d`` from above, so a
candidate whose bound stays under the threshold's logit cannot pass, whatever its late features are.

The weights come from crfsuite's model dump, which prints six decimals: each attribute's ``d`` may be
off by 1e-6. :data:`MARGIN` (1e-2 in logit units) covers that for up to 10,000 attributes per
candidate (a candidate has ~40), and the floating-point error of both sums many times over; a
candidate inside the margin is scored by the model as before. Pruning changes which candidates are
scored, never a score: the survivors' full features go to crfsuite as before.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from itertools import repeat

import pycrfsuite

POSITIVE, NEGATIVE = "P", "N"
MARGIN = 1e-2

_lock = threading.Lock()
_bounds: dict[tuple[int, tuple[str, ...]], tuple[pycrfsuite.Tagger, ScoreBound | None]] = {}


def family(attr: str) -> str:
    """``caps=3`` → ``caps``; a flag (``person``) is its own family."""
    return attr.split("=", 1)[0]


@dataclass(frozen=True)
class ScoreBound:
    delta: dict[str, float]  # attribute → w(attr, P) - w(attr, N), for the attributes the model weighs
    late_max: float  # the most the late families can add together (each ≥ 0)

    @classmethod
    def from_tagger(cls, tagger: pycrfsuite.Tagger, late: tuple[str, ...]) -> ScoreBound | None:
        """None when the model is not the two-label, transition-free classifier this bound is exact for."""
        info = tagger.info()
        if set(tagger.labels()) != {POSITIVE, NEGATIVE} or info.transitions:
            return None
        delta: dict[str, float] = {}
        for (attr, label), w in info.state_features.items():
            delta[attr] = delta.get(attr, 0.0) + (w if label == POSITIVE else -w)
        best = dict.fromkeys(late, 0.0)
        for attr, d in delta.items():
            f = family(attr)
            if f in best and d > best[f]:
                best[f] = d
        return cls(delta, sum(best.values()))

    def score(self, attrs: list[str]) -> float:
        """The part of ``d`` these attributes make (repeats counted, as crfsuite counts them)."""
        return sum(map(self.delta.get, attrs, repeat(0.0)))  # the same additions in the same order as a list's

    def may_pass(self, early: float, threshold: float) -> bool:
        """Can a candidate whose early attributes score ``early`` reach probability ``threshold``?
        False only when it certainly cannot (a threshold of 0 or 1 and above prunes nothing)."""
        if not 0.0 < threshold < 1.0:
            return True
        return early + self.late_max >= logit(threshold) - MARGIN


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def score_bound(tagger: pycrfsuite.Tagger, late: tuple[str, ...]) -> ScoreBound | None:
    """The bound of this tagger's model (built once per tagger, when first asked for). Keyed by the
    tagger, not the path: training writes fold models over one path and opens a new tagger for each."""
    key = (id(tagger), late)
    got = _bounds.get(key)
    if got is None or got[0] is not tagger:
        with _lock:
            got = _bounds.get(key)
            if got is None or got[0] is not tagger:
                got = _bounds[key] = (tagger, _from_tagger(tagger, late))  # holds the tagger: its id stays its own
    return got[1]


def _from_tagger(tagger, late: tuple[str, ...]) -> ScoreBound | None:
    """The bound, or None (every candidate scored: the same decisions, slower) when crfsuite cannot dump
    the model: ``Tagger.info()`` writes it to a temporary file, which fails on a full disk or under a
    file-size limit (an import that stops on a full disk must still have read each post whole)."""
    try:
        return ScoreBound.from_tagger(tagger, late)
    except (RuntimeError, OSError):
        return None
