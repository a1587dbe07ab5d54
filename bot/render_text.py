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
