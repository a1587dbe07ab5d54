"""Plain-text rendering of core replies, for the terminal (demo, logs, CLI previews)."""

from __future__ import annotations

from bot.replies import Reply
from bot.texts import t


def render(reply: Reply) -> str:
    """The reply's text, its buttons as `[Label]` and its files as `📎 name`."""
    lines = [t(reply.text_key, **reply.params)]
    if reply.choices:
        lines.append("  ".join(f"[{t(c.label_key, **c.params)}]" for c in reply.choices))
    lines += [f"📎 {f.filename}" for f in reply.files]
    return "\n".join(lines)


def chunks(text: str, limit: int) -> list[str]:
    """Split a long text into messages at line breaks; a line longer than a message is split
    at the last space that fits, and only a single word longer than a message inside it."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            cut = line.rfind(" ", 1, limit + 1)
            cut = cut if cut > 0 else limit
            parts.append(line[:cut].rstrip())
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    parts.append(current)
    return [p for p in parts if p.strip()] or [text[:limit] or "-"]
