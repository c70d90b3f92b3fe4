"""The review screen's people and papers keys: fix a name, merge, unmerge, answer identity candidates.

A mixin of :class:`kb.tui.review.ReviewScreen` (it uses ``current``, ``selected``, ``data`` and the
``correct`` worker). Each key acts on the highlighted person or paper, or on a speaker of the
highlighted talk. The work is :func:`kb.curation.edit_field` (a name), :func:`kb.curation.merge` (the
merge dialog, :class:`kb.tui.dialogs.PickScreen`, lists the identity candidates first),
:func:`kb.merges.unmerge` and :func:`kb.merges.keep_apart`: durable user edits that re-imports and
``kb sync`` keep. They correct identities, not the post's extraction, so they leave the post's training
example (:class:`~kb.models.Annotation`) as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kb.tui.safe import clean
from kb.tui.source import ChoiceScreen


def _name(kind: str, item: dict[str, Any]) -> str:
    return clean(item["name"] if kind == "person" else item["title"]) or "(untitled)"


class IdentityKeys:
    """Keys n (fix name), m (merge…), u (unmerge…), i (possible duplicates) of the review screen."""

    def _keep(self, kind: str, row_id: int) -> str:
        """The row to select afterwards: the talk the key was pressed on, else ``kind:row_id``."""
        current = self.current()
        return f"talk:{current[1]['id']}" if current and current[0] == "talk" else f"{kind}:{row_id}"

    def _target(self, then: Callable[[str, dict[str, Any]], None], why: str) -> None:
        """The highlighted person or paper; for a talk, one of its speakers (asked when several)."""
        current = self.current()
        if current is None:
            self.notify("Nothing selected.", severity="warning")
            return
        kind, item = current
        if kind != "talk":
            then(kind, item)
            return
        people = {p["name"]: p for p in self.data.get("people", [])}
        names = [n for n in item["speakers"] if n in people]
        if not names:
            self.notify("This talk names no speaker.", severity="warning")
        elif len(names) == 1:
            then("person", people[names[0]])
        else:
            self.app.push_screen(ChoiceScreen(why, names), lambda n: then("person", people[n]) if n else None)

    # --- n: fix a name ----------------------------------------------------------------------------
    def action_fix_name(self) -> None:
        self._target(self._fix_name, "Whose name?")

    def _fix_name(self, kind: str, item: dict[str, Any]) -> None:
        from kb import curation
        from kb.tui.dialogs import EditScreen

        field = "name" if kind == "person" else "title"
        keep = self._keep(kind, item["id"])

        def save(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            value = result[1]
            self.correct(
                lambda s: curation.edit_field(s, kind, item["id"], field, value),
                f"Saved the {kind}'s {field}: kept on every re-import.",
                select=lambda _e: keep,
            )

        self.app.push_screen(
            EditScreen(kind, {field: item["name"] if kind == "person" else item["title"]}, focus_value=True), save
        )

    # --- m: merge ---------------------------------------------------------------------------------
    def action_merge(self) -> None:
        self._target(self._merge, "Merge which speaker?")

    def _merge(self, kind: str, item: dict[str, Any]) -> None:
        from kb.tui.dialogs import PickScreen

        name = _name(kind, item)

        def picked(other: int | None) -> None:
            if other is not None:
                self._confirm_merge(kind, other, item["id"], None, name)

        self.app.push_screen(PickScreen(kind, item["id"], f"Merge which {kind} into “{name}”?"), picked)

    def _confirm_merge(self, kind: str, from_id: int, into_id: int, from_name: str | None, into_name: str) -> None:
        from kb import curation, queries
        from kb.tui.dialogs import ConfirmScreen

        keep = self._keep(kind, into_id)
        if from_name is None:
            with self.session() as s:
                other = queries.person_detail(s, from_id) if kind == "person" else queries.paper_detail(s, from_id)
            from_name = clean((other or {}).get("name") or (other or {}).get("title") or "?")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.correct(
                    lambda s: curation.merge(s, kind, from_id, into_id),
                    f"Merged “{from_name}” into “{into_name}” (u undoes it).",
                    select=lambda _m: keep,
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Merge “{from_name}” into “{into_name}”?\n\nIts talks, papers, "
                "citations and aliases move there. Re-imports keep the merge; "
                "u (unmerge) undoes it."
            ),
            confirmed,
        )

    # --- u: unmerge -------------------------------------------------------------------------------
    def action_unmerge(self) -> None:
        self._target(self._unmerge, "Unmerge from which speaker?")

    def _unmerge(self, kind: str, item: dict[str, Any]) -> None:
        from kb import merges

        merged = item.get("merged") or []
        if not merged:
            self.notify(f"Nothing was merged into “{_name(kind, item)}”.", severity="warning")
            return

        keep = self._keep(kind, item["id"])

        def undo(choice: str | None) -> None:
            if choice is None:
                return
            m = merged[labels.index(choice)]
            self.correct(
                lambda s: merges.unmerge(s, kind, m["key"]),
                f"“{clean(m['name'])}” is its own {kind} again.",
                select=lambda _row: keep,
            )

        labels = [f"Split “{clean(m['name'])}” off “{_name(kind, item)}”" for m in merged]
        self.app.push_screen(ChoiceScreen("Undo which merge? (kept on re-import and kb sync)", labels), undo)

    # --- i: identity candidates -------------------------------------------------------------------
    def action_identities(self) -> None:
        found = list((self.data or {}).get("candidates") or [])
        if not found:
            self.notify("No possible duplicates among this post's people and papers.")
            return
        current = self.current()
        if current and current[0] in ("person", "paper"):  # the highlighted one's pairs first
            mine = current[1]["id"]
            found.sort(key=lambda c: not (c["entity"] == current[0] and mine in (c["a"], c["b"])))
        labels = [
            f"{clean(c['a_name'])}  ≟  {clean(c['b_name'])}  ({c['entity']}: {clean(c['reason'])})" for c in found
        ]

        def chosen(label: str | None) -> None:
            if label is not None:
                self._decide(found[labels.index(label)])

        self.app.push_screen(ChoiceScreen("Possible duplicates: the same one, or two?", labels), chosen)

    def _decide(self, c: dict[str, Any]) -> None:
        from kb import curation, merges

        a, b = clean(c["a_name"]), clean(c["b_name"])
        kind = c["entity"]
        answers = [
            f"The same: merge “{b}” into “{a}”",
            f"The same: merge “{a}” into “{b}”",
            "Not the same: keep them apart",
        ]

        def answered(answer: str | None) -> None:
            if answer == answers[0]:
                self.correct(
                    lambda s: curation.merge(s, kind, c["b"], c["a"]),
                    f"Merged “{b}” into “{a}”.",
                    select=lambda _m: f"{kind}:{c['a']}",
                )
            elif answer == answers[1]:
                self.correct(
                    lambda s: curation.merge(s, kind, c["a"], c["b"]),
                    f"Merged “{a}” into “{b}”.",
                    select=lambda _m: f"{kind}:{c['b']}",
                )
            elif answer == answers[2]:
                self.correct(lambda s: merges.keep_apart(s, kind, c["a"], c["b"]), f"“{a}” and “{b}” stay apart.")

        self.app.push_screen(ChoiceScreen(f"“{a}” and “{b}”: {clean(c['reason'])}", answers), answered)
