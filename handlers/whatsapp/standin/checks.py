"""The Cloud API's limits on a message, checked as Meta does (error 131009 with details).

A text has at most 4096 characters; an interactive body at most 1024, its header and footer
at most 60; reply buttons are 1 to 3 with titles of at most 20 characters and distinct ids; a
list opens with a button title of at most 20 and holds 1 to 10 rows in at most 10 sections,
row titles at most 24 characters, descriptions at most 72, ids distinct.
"""

from __future__ import annotations

from typing import Any

from handlers.whatsapp.standin.model import INVALID_PARAMETER, JSON, GraphError

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_HEADER = 60
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROWS = 10
MAX_SECTIONS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200


def check_message(body: JSON) -> None:
    """Raise the error Meta answers when the message breaks a limit."""
    if body.get("messaging_product") != "whatsapp":
        _invalid("messaging_product must be whatsapp")
    if not (body.get("to") or body.get("recipient")):
        _invalid("the parameter to is required")
    kind = body.get("type")
    if kind == "text":
        text = str((body.get("text") or {}).get("body") or "")
        _length("text.body", text, MAX_TEXT, required=True)
    elif kind == "interactive":
        _interactive(body.get("interactive") or {})
    elif kind == "document":
        document = body.get("document") or {}
        if not (document.get("id") or document.get("link")):
            _invalid("document needs an id or a link")
    elif kind == "template":
        template = body.get("template") or {}
        if not template.get("name") or not (template.get("language") or {}).get("code"):
            _invalid("template needs a name and a language code")


def _interactive(interactive: JSON) -> None:
    kind = interactive.get("type")
    if kind not in ("button", "list"):
        return
    _length("interactive.body.text", _text(interactive, "body"), MAX_BODY, required=True)
    _length("interactive.header.text", _text(interactive, "header"), MAX_HEADER)
    _length("interactive.footer.text", _text(interactive, "footer"), MAX_HEADER)
    action = interactive.get("action") or {}
    if kind == "button":
        _buttons(action.get("buttons") or [])
    else:
        _list(action)


def _buttons(buttons: list[Any]) -> None:
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        _invalid(f"buttons: between 1 and {MAX_BUTTONS}, got {len(buttons)}")
    ids = [str(b["reply"]["id"]) for b in buttons]
    for button in buttons:
        _length("button title", str(button["reply"]["title"]), MAX_BUTTON_TITLE, required=True)
        _length("button id", str(button["reply"]["id"]), MAX_BUTTON_ID, required=True)
    if len(set(ids)) != len(ids):
        _invalid("button ids must be unique")


def _list(action: JSON) -> None:
    _length("action.button", str(action.get("button") or ""), MAX_BUTTON_TITLE, required=True)
    sections = action.get("sections") or []
    rows = [row for section in sections for row in section.get("rows") or []]
    if not 1 <= len(sections) <= MAX_SECTIONS:
        _invalid(f"sections: between 1 and {MAX_SECTIONS}, got {len(sections)}")
    if not 1 <= len(rows) <= MAX_ROWS:
        _invalid(f"rows: between 1 and {MAX_ROWS} in all, got {len(rows)}")
    for row in rows:
        _length("row title", str(row.get("title") or ""), MAX_ROW_TITLE, required=True)
        _length("row description", str(row.get("description") or ""), MAX_ROW_DESCRIPTION)
        _length("row id", str(row.get("id") or ""), MAX_ROW_ID, required=True)
    ids = [str(row.get("id")) for row in rows]
    if len(set(ids)) != len(ids):
        _invalid("row ids must be unique")


def _text(interactive: JSON, part: str) -> str:
    return str((interactive.get(part) or {}).get("text") or "")


def _length(name: str, value: str, limit: int, *, required: bool = False) -> None:
    if required and not value.strip():
        _invalid(f"{name} is required")
    if len(value) > limit:
        _invalid(f"{name} is longer than {limit} characters ({len(value)})")


def _invalid(details: str) -> None:
    raise GraphError(INVALID_PARAMETER, details=details)
