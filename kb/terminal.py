"""Text bound for a terminal: post data is untrusted, database URLs may hold passwords.

Everything the CLI and the TUI print from the knowledge base (titles, names,
paths, error messages quoting a file) goes through :func:`clean`, so an ESC
sequence in front matter or a file name can neither recolour the terminal,
retitle the window, hide text, nor smuggle a hyperlink. JSON output keeps the
data but escapes what a terminal would act on (:func:`json_text`). Database
URLs are shown with the password replaced (:func:`redact_url`).
"""

from __future__ import annotations

import json
import re
from typing import Any

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[@-Z\\-_])")
# C0/C1 controls and DEL, bidi overrides/isolates (they reorder the rest of the line).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on (C0 it escapes itself).
_JSON_RAW = re.compile(r"[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(value: object, newlines: bool = False) -> str:
    """``value`` as plain printable text: escapes and control characters removed, tabs to spaces.

    >>> clean("[bold red]x[/]\\x1b[31m!")
    '[bold red]x[/]!'
    """
    text = "" if value is None else str(value)
    text = _ANSI.sub("", text).replace("\t", "    ")
    if not newlines:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def json_text(data: Any, **kw) -> str:
    """``json.dumps`` (UTF-8 kept) with every control character escaped: lossless and inert on a terminal.

    >>> json_text({"t": "\\x1b[2J\\x9b"})
    '{"t": "\\\\u001b[2J\\\\u009b"}'
    """
    text = json.dumps(data, ensure_ascii=False, **kw)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # only ever inside strings


def redact_url(value: str) -> str:
    """A database URL or path fit to print: the password (also a ``?password=`` parameter) shown as ``***``.

    >>> redact_url("postgresql://kb:s3cret@db.example.org/kb")
    'postgresql://kb:***@db.example.org/kb'
    """
    if "://" not in value or value.startswith("sqlite"):  # a path: nothing secret, and no URL syntax in it
        return value
    from sqlalchemy.engine import make_url

    try:
        url = make_url(value)
    except Exception:  # noqa: BLE001 - unparsable: hide everything between the scheme and the host
        return re.sub(r"(://)[^/@]*@", r"\1***@", value)
    mark = "KBREDACTED"
    query = {k: (mark if k.lower() in ("password", "passwd", "pass") else v) for k, v in url.query.items()}
    return url.set(query=query).render_as_string(hide_password=True).replace(mark, "***")


def redact(message: str, url: str | None) -> str:
    """``message`` with ``url``'s password (a driver error may quote it) replaced by ``***``."""
    if url and "://" in url:
        from sqlalchemy.engine import make_url

        try:
            password = make_url(url).password
        except Exception:  # noqa: BLE001
            password = None
        if password:
            message = message.replace(str(password), "***")
    return message
