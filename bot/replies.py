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
    text_key: str
    params: dict[str, Any] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    files: tuple[FileRef, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form for the outbox."""
        return {
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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        """Rebuild a reply stored by `to_json`."""
        return cls(
            text_key=data["text_key"],
            params=dict(data.get("params", {})),
            choices=tuple(Choice(**c) for c in data.get("choices", [])),
            files=tuple(FileRef(**f) for f in data.get("files", [])),
        )
