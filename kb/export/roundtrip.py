r"""Reading our own .bib export back: the text-mode commands the ingest decoder leaves behind.

:func:`kb.ingest.bibtex.clean_value` decodes accents (``{\"o}``) and ``\&``
but not text-mode commands such as ``{\textquoteright}``, and it strips the
braces around them, leaving ``BERT\textquoterights``. Without this step a
re-imported export would carry different titles and its papers would no
longer match their own rows. Only the commands :mod:`kb.export.latex` writes
are undone, longest name first, so ``\textquoterights`` reads ``’s``.

(The cleaner fix is for ``clean_value`` to use
:func:`kb.export.latex.decode_latex_value`; until then this runs on .bib imports.)

>>> print(undo_text_commands(r"BERT\textquoterights \textbraceright\textbraceleft\textbackslashend"))
BERT’s }{\end
"""

from __future__ import annotations

import re
from dataclasses import replace

from kb.export.latex import _COMMAND_TEXT
from kb.ingest.records import Name, ParsedReference

# Multi-letter names only: \l, \o, \i … are decoded upstream, and a one-letter
# name glued to the next word (``\Sfoo``) cannot be told apart from another command.
_NAMES = sorted((n for n in _COMMAND_TEXT if len(n) > 2), key=len, reverse=True)
_COMMANDS = re.compile(r"\\(" + "|".join(_NAMES) + r")(?:\{\})?")
_FIELDS = ("title", "venue", "publisher", "volume", "issue", "pages", "location")


def undo_text_commands(text: str) -> str:
    """``\textquoteright`` → ``’``, ``\textbraceleft`` → ``{`` … anywhere in already-cleaned text."""
    if "\\" not in text:
        return text
    return _COMMANDS.sub(lambda m: _COMMAND_TEXT[m.group(1)], text)


def _name(n: Name) -> Name:
    return Name(*(undo_text_commands(part) for part in (n.family, n.given, n.particle, n.suffix)))


def undo_reference_commands(ref: ParsedReference) -> ParsedReference:
    """The reference with :func:`undo_text_commands` applied to its text fields and names."""
    if "\\" not in (ref.raw or ""):
        return ref
    values = {f: undo_text_commands(getattr(ref, f)) for f in _FIELDS if getattr(ref, f)}
    return replace(ref, authors=[_name(a) for a in ref.authors], editors=[_name(a) for a in ref.editors], **values)
