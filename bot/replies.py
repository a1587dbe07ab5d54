"""Channel-neutral answers of the core: a text key with parameters, choices and files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Choice:
    """A button: a catalog label and the encoded action it triggers."""

    label_key: str
    action: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileRef:
    sha256: str
    filename: str
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    """A message of the core.

    `card` names the task card it shows (case, step and run: `bot.cards`): a person has one
    live card per task, edited in place. `edit_only` replies only change an earlier message
    (an old card losing its buttons) and are dropped where there is nothing to change.
    """

    text_key: str
    params: dict[str, Any] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    files: tuple[FileRef, ...] = ()
    card: str | None = None
    edit_only: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form for the outbox."""
        data: dict[str, Any] = {
            "text_key": self.text_key,
            "params": self.params,
            "choices": [
                {"label_key": c.label_key, "action": c.action, "params": c.params}
                for c in self.choices
            ],
            "files": [
                {"sha256": f.sha256, "filename": f.filename, "media_type": f.media_type}
                for f in self.files
            ],
        }
        if self.card is not None:
            data["card"] = self.card
        if self.edit_only:
            data["edit_only"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        """Rebuild a reply stored by `to_json`."""
        return cls(
            text_key=data["text_key"],
            params=dict(data.get("params", {})),
            choices=tuple(Choice(**c) for c in data.get("choices", [])),
            files=tuple(FileRef(**f) for f in data.get("files", [])),
            card=data.get("card"),
            edit_only=bool(data.get("edit_only", False)),
        )
