"""What changed between two versions of a draft: paragraph by paragraph, words within.

Two renderings: a short chat text with "+"/"−" lines and counts, and a .docx where inserted
words are underlined in blue and deleted words struck through in red.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from bot.documents.context import filename
from bot.documents.docx_text import paragraphs
from bot.documents.render import BuiltDocument, render
from bot.documents.settings import DocumentSettings
from bot.fmt import format_datetime
from bot.texts import t
from bot.workflow.model import Case

if TYPE_CHECKING:
    from docxtpl import RichText

CHAT_LIMIT = 3500
EXCERPT_WORDS = 8  # words of context kept around a change inside a long paragraph
MAX_LINE = 300
MINUS = "−"  # U+2212, as printed in the chat
INSERTED = {"underline": True, "color": "1F4E99"}
DELETED = {"strike": True, "color": "C00000"}
_PASAL = re.compile(r"^Pasal\s+\d+[A-Z]?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Change:
    """One changed block: paragraphs removed from the old version, added in the new one."""

    old: tuple[str, ...]
    new: tuple[str, ...]
    old_where: tuple[str, ...]  # the "Pasal n" each old paragraph sits in, or ""
    new_where: tuple[str, ...]


@dataclass(frozen=True)
class DraftDiff:
    old: tuple[str, ...]
    new: tuple[str, ...]
    opcodes: tuple[tuple[str, int, int, int, int], ...]

    def _blocks(self) -> list[tuple[int, int]]:
        """(old paragraphs, new paragraphs) of each changed block."""
        return [(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in self.opcodes if op != "equal"]

    @property
    def changed(self) -> int:
        """Paragraphs rewritten in place."""
        return sum(min(old, new) for old, new in self._blocks())

    @property
    def added(self) -> int:
        """Paragraphs only in the new version."""
        return sum(max(0, new - old) for old, new in self._blocks())

    @property
    def removed(self) -> int:
        """Paragraphs only in the old version."""
        return sum(max(0, old - new) for old, new in self._blocks())

    def changes(self) -> list[Change]:
        """The changed blocks in document order."""
        return [
            Change(
                self.old[i1:i2],
                self.new[j1:j2],
                tuple(_where(self.old, i) for i in range(i1, i2)),
                tuple(_where(self.new, j) for j in range(j1, j2)),
            )
            for op, i1, i2, j1, j2 in self.opcodes
            if op != "equal"
        ]


def diff_drafts(old: bytes, new: bytes) -> DraftDiff:
    """Compare two .docx drafts paragraph by paragraph (raises UnreadableDocument)."""
    before, after = tuple(paragraphs(old)), tuple(paragraphs(new))
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    return DraftDiff(before, after, tuple(matcher.get_opcodes()))


def _where(text: tuple[str, ...], index: int) -> str:
    """The `Pasal n` a paragraph belongs to ("" for a heading itself or before any)."""
    if _PASAL.match(text[index]):
        return ""
    for paragraph in reversed(text[:index]):
        found = _PASAL.match(paragraph)
        if found:
            return found.group(0)
    return ""


def _line(sign: str, where: str, text: str) -> str:
    return f"{sign} [{where}] {text}" if where else f"{sign} {text}"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _excerpt(old: str, new: str) -> tuple[str, str]:
    """The changed stretch of two versions of a paragraph, with a little context."""
    a, b = old.split(), new.split()
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    opcodes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not opcodes:
        return _clip(old), _clip(new)
    first, last = opcodes[0], opcodes[-1]
    i1, i2 = max(0, first[1] - EXCERPT_WORDS), min(len(a), last[2] + EXCERPT_WORDS)
    j1, j2 = max(0, first[3] - EXCERPT_WORDS), min(len(b), last[4] + EXCERPT_WORDS)
    return (
        _clip(("… " if i1 else "") + " ".join(a[i1:i2]) + (" …" if i2 < len(a) else "")),
        _clip(("… " if j1 else "") + " ".join(b[j1:j2]) + (" …" if j2 < len(b) else "")),
    )


def _change_lines(change: Change) -> list[str]:
    lines: list[str] = []
    pairs = min(len(change.old), len(change.new))
    for k in range(pairs):
        before, after = _excerpt(change.old[k], change.new[k])
        lines += [
            _line(MINUS, change.old_where[k], before),
            _line("+", change.new_where[k], after),
        ]
    for k in range(pairs, len(change.old)):
        lines.append(_line(MINUS, change.old_where[k], _clip(change.old[k])))
    for k in range(pairs, len(change.new)):
        lines.append(_line("+", change.new_where[k], _clip(change.new[k])))
    return lines


def chat_text(diff: DraftDiff, old_version: int, new_version: int, limit: int = CHAT_LIMIT) -> str:
    """A chat message: counts, then "+"/"−" lines, cut to `limit` characters."""
    header = t(
        "diff.header",
        old=old_version,
        new=new_version,
        added=diff.added,
        removed=diff.removed,
        changed=diff.changed,
    )
    changes = diff.changes()
    if not changes:
        return "\n".join([header, t("diff.none")])
    out = [header, ""]
    used = len(header) + 1
    for shown, change in enumerate(changes):
        block = "\n".join(_change_lines(change))
        more = t("diff.more", count=len(changes) - shown)
        if used + len(block) + 1 + len(more) + 1 > limit:
            out.append(more)
            break
        out.append(block)
        used += len(block) + 1
    return "\n".join(out)


def _rich(old: str | None, new: str | None) -> RichText:
    """One paragraph with its word-level marks."""
    from docxtpl import RichText  # loaded when first used: not on the start-up path

    rich = RichText()
    if old is None or new is None:
        rich.add(old if new is None else new, **(DELETED if new is None else INSERTED))
        return rich
    a, b = old.split(), new.split()
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        # The space between words stays unmarked, so a mark covers the words only.
        if op in ("delete", "replace"):
            rich.add(" ".join(a[i1:i2]), **DELETED)
            rich.add(" ")
        if op in ("insert", "replace"):
            rich.add(" ".join(b[j1:j2]), **INSERTED)
            rich.add(" ")
        if op == "equal":
            rich.add(" ".join(a[i1:i2]) + " ")
    return rich


def _marked(diff: DraftDiff) -> list[RichText]:
    from docxtpl import RichText

    out: list[RichText] = []
    for op, i1, i2, j1, j2 in diff.opcodes:
        old, new = diff.old[i1:i2], diff.new[j1:j2]
        if op == "equal":
            out += [RichText(p) for p in new]
            continue
        pairs = min(len(old), len(new))
        out += [_rich(a, b) for a, b in zip(old[:pairs], new[:pairs], strict=True)]
        out += [_rich(a, None) for a in old[pairs:]]
        out += [_rich(None, b) for b in new[pairs:]]
    return out


def version_diff_docx(
    diff: DraftDiff,
    case: Case,
    settings: DocumentSettings,
    *,
    at: datetime,
    old_version: int,
    new_version: int,
) -> BuiltDocument:
    """The new version with changes marked: insertions underlined, deletions struck."""
    context: dict[str, Any] = {
        "ref": case.ref,
        "subject": case.subject,
        "partner": case.partner,
        "old_label": t("diff.version", n=old_version),
        "new_label": t("diff.version", n=new_version),
        "summary": t("diff.summary", added=diff.added, removed=diff.removed, changed=diff.changed),
        "paragraphs": _marked(diff),
        "printed": format_datetime(at),
    }
    data = render("perbandingan_versi.docx", context, directory=settings.templates_dir, at=at)
    name = filename(f"perubahan-v{old_version}-v{new_version}", case.ref)
    return BuiltDocument(data, name)
