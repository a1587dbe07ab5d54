"""The artifacts of a draft: each named once, found again when the same words recur."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.sop.importer.wording import key_of, normal, sentence

_SIMILAR = 0.9  # difflib ratio above which two labels are taken for the same artifact


@dataclass
class Artifact:
    key: str
    label: str
    kind: str
    produced_by: int | None = None  # index of the first step that produces it


def guess_kind(label: str) -> str:
    """datetime for a time or a schedule, text for a place or a number, else document."""
    words = normal(label)
    if re.match(r"(rencana |jadwal )?(waktu|jadwal|tanggal|hari tanggal)\b", words):
        return "datetime"
    if re.match(r"(tempat|lokasi|nomor|no)\b", words):
        return "text"
    return "document"


class Artifacts:
    """Labels to keys; aliases are other words for an artifact already named."""

    def __init__(self) -> None:
        self.items: dict[str, Artifact] = {}
        self._by_words: dict[str, str] = {}

    def find(self, label: str) -> str | None:
        """The artifact named with exactly these words (case and punctuation aside)."""
        return self._by_words.get(normal(label))

    def similar(self, label: str) -> str | None:
        """An artifact named with nearly these words (a typo, a dropped letter)."""
        close = difflib.get_close_matches(normal(label), list(self._by_words), 1, _SIMILAR)
        return self._by_words[close[0]] if close else None

    def add(self, label: str, kind: str, produced_by: int | None) -> str:
        """A new artifact; its key comes from its first words."""
        key = key_of(label, self.items)
        self.items[key] = Artifact(key, sentence(label), kind, produced_by)
        self._by_words[normal(label)] = key
        return key

    def alias(self, label: str, key: str) -> None:
        """Other words for an artifact already named."""
        self._by_words.setdefault(normal(label), key)

    def label(self, key: str) -> str:
        """The label of an artifact."""
        return self.items[key].label


def contained(smaller: str, larger: str) -> bool:
    """Whether the two or more words of `smaller` are all among the more words of `larger`."""
    few, many = normal(smaller).split(), set(normal(larger).split())
    return len(few) >= 2 and set(few) <= many and len(few) < len(many)
