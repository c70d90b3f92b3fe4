"""Talks: where a post's talks are, and their titles and speakers.

``hits`` holds the hand-written detectors (now features of the learned labellers and a fallback);
``units`` cuts a post into lines, ``features`` describes them, ``model`` runs the two trained CRFs
(a line labeller, then a span tagger over each talk head), ``assemble`` turns labels into talks.
"""

from kb.ingest.talks.hits import TalkHit, prose_talks, sentences  # noqa: F401
