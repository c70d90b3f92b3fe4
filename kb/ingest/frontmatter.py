"""Front matter: YAML between ``---`` lines or TOML between ``+++`` lines; between ``---`` lines also an
Elixir map (``%{title: "…", tags: ~w(a b)}``), as NimblePublisher blogs (Elixir's) write it.

>>> fm, body, offset = split_front_matter("---\\ntitle: X\\n---\\nHello")
>>> fm, body, offset
({'title': 'X'}, 'Hello', 3)
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import tomllib
from typing import Any

import yaml

from kb.errors import BadFrontMatter

MAX_FRONT_MATTER = 64 * 1024
MAX_FLOW_NESTING = 50  # "[[[[…" thousands deep costs PyYAML seconds before it gives up: refuse up front
_KEY_LINE = re.compile(r"^\s*[A-Za-z_][\w-]*\s*[:=]")


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases: no "billion laughs" expansion."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases are not allowed in front matter", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node):  # type: ignore[override]
        """An impossible date ("2020-0-30", found by fuzzing: a ValueError escaped) stays the text it is."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _NoAliasLoader.construct_yaml_timestamp)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return _ENTITY.sub(lambda m: html.unescape(m.group()), value) if "&" in value else value
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return str(value)


# An HTML character reference closed by ";" (Jekyll titles: "KDD 2016 &ndash; graphs"). Only closed ones:
# html.unescape alone would also read "&copy" in "?a=1&copy=2" as ©.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def split_front_matter(text: str, path: str = "<post>") -> tuple[dict[str, Any], str, int]:
    """Return (front matter, body, number of lines before the body).

    Raises :class:`BadFrontMatter` (with the line) when a front matter block
    is opened but never closed, or does not parse.
    """
    stripped = text.lstrip("\ufeff")
    first, _, rest = stripped.partition("\n")
    delim = first.strip()
    if delim not in ("---", "+++"):
        return {}, text, 0
    lines = rest.split("\n")
    close = next(
        (i for i, line in enumerate(lines) if line.strip() in (delim, "..." if delim == "---" else delim)), None
    )
    if close is None:
        following = next((line for line in lines if line.strip()), "")
        if delim == "+++" or _KEY_LINE.match(following):
            raise BadFrontMatter(path, f"front matter opened with '{delim}' is never closed", line=1)
        return {}, text, 0  # a horizontal rule, not front matter
    raw = "\n".join(lines[:close])
    if len(raw) > MAX_FRONT_MATTER:
        raise BadFrontMatter(path, f"front matter is larger than {MAX_FRONT_MATTER // 1024} KiB", line=1)
    body = "\n".join(lines[close + 1 :])
    offset = close + 2
    if delim == "+++":
        try:
            data: Any = tomllib.loads(raw)
        except RecursionError:
            raise BadFrontMatter(path, "TOML front matter is nested too deeply", line=1) from None
        except tomllib.TOMLDecodeError as exc:
            line = _toml_line(str(exc))
            raise BadFrontMatter(path, f"TOML front matter: {exc}", line=line + 1 if line else 1) from None
    else:
        if _flow_depth(raw) > MAX_FLOW_NESTING:
            raise BadFrontMatter(path, "YAML front matter is nested too deeply", line=1)
        try:
            data = _load_yaml(raw)
        except RecursionError:  # "[[[[…" thousands deep: PyYAML recurses per level
            raise BadFrontMatter(path, "YAML front matter is nested too deeply", line=1) from None
        except yaml.YAMLError as exc:
            elixir = _elixir_map(raw)
            if elixir is not None:
                return _jsonable(elixir), body, offset
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 2 if mark is not None else 1
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise BadFrontMatter(path, f"YAML front matter: {problem}", line=line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        if any(_KEY_LINE.match(line) for line in lines[:close]):
            raise BadFrontMatter(path, "front matter is not a mapping of keys to values", line=2)
        return {}, text, 0
    return _jsonable(data), body, offset


_ELIXIR_PAIR = re.compile(r'^\s*"?([A-Za-z_][\w-]*)"?\s*(?::|=>)\s*(.*?)\s*,?\s*$')
_ELIXIR_WORDS = re.compile(r"^~w[(\[{<|/\"'](.*)[)\]}>|/\"'][a-z]*$")
_ELIXIR_SIGIL = re.compile(r"^~[A-Z][(\[{<|/\"'](.*)[)\]}>|/\"']$")  # ~D[2020-01-02], ~N[…], ~U[…]


def _elixir_map(raw: str) -> dict[str, Any] | None:
    """``%{title: "Notes", date: ~D[2023-04-27], tags: ~w(elixir conf)}`` → a dict; None when ``raw`` is
    not such a map. One key a line, as NimblePublisher posts write it; a value kb cannot read stays text."""
    body = raw.strip()
    if not (body.startswith("%{") and body.endswith("}")):
        return None
    out: dict[str, Any] = {}
    for line in body[2:-1].split("\n"):
        m = _ELIXIR_PAIR.match(line)
        if m:
            out[m.group(1)] = _elixir_value(m.group(2))
    return out


def _elixir_value(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return json.loads(text)  # Elixir's string escapes are JSON's, for what front matter holds
        except ValueError:
            return text[1:-1]
    if m := _ELIXIR_WORDS.match(text):
        return m.group(1).split()
    if m := _ELIXIR_SIGIL.match(text):
        return m.group(1)
    if text.startswith("[") and text.endswith("]"):
        return [_elixir_value(v.strip()) for v in text[1:-1].split(",") if v.strip()]
    if text in ("true", "false"):
        return text == "true"
    if text == "nil":
        return None
    return int(text) if re.fullmatch(r"-?\d+", text) else text


_TAB_AFTER_KEY = re.compile(r"^([ ]*[\w\-]+:)[ \t]*\t[ \t]*", re.MULTILINE)


def _load_yaml(raw: str) -> Any:
    """PyYAML, and once more with a tab after a key read as a space: "subtitle:<TAB>Summary" is a
    common slip that Jekyll reads and PyYAML refuses ("found character '\\t' that cannot start any token")."""
    try:
        return yaml.load(raw, Loader=_NoAliasLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError:
        fixed = _TAB_AFTER_KEY.sub(r"\1 ", raw)
        if fixed == raw:
            raise
        return yaml.load(fixed, Loader=_NoAliasLoader)  # noqa: S506 - safe loader subclass


def _flow_depth(raw: str) -> int:
    """Deepest nesting of [ and { (an upper bound: brackets inside quotes count too)."""
    depth = deepest = 0
    for ch in re.sub(r"[^\[\]{}]+", "", raw):
        depth = depth + 1 if ch in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def _toml_line(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def front_matter_date(fm: dict[str, Any]) -> str | None:
    """The post date as ISO ``YYYY-MM-DD`` when it can be read (unpadded dates accepted)."""
    for key in ("date", "published_at", "pubDate", "created", "created_at"):
        value = fm.get(key)
        if not value:
            continue
        m = re.match(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", str(value))
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return dt.date(y, mo, d).isoformat()
            except ValueError:
                return None
    return None


def is_draft(fm: dict[str, Any]) -> bool:
    if fm.get("draft") in (True, "true", "True", "yes"):
        return True
    return fm.get("published") in (False, "false", "False", "no")
