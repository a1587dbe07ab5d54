"""Core replies rendered for Telegram: message text within 4096 characters, inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render_text import chunks as split_text
from bot.replies import Choice, Reply
from bot.texts import t

MAX_TEXT = 4096
SHORT_LABEL = 18  # buttons this short share a row


def text_of(reply: Reply) -> str:
    """The reply's text from the catalogue."""
    return t(reply.text_key, **reply.params)


def label_of(choice: Choice) -> str:
    """A button's label from the catalogue."""
    return t(choice.label_key, **choice.params)


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long text into messages of at most `limit` characters."""
    return split_text(text, limit)


def keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup | None:
    """Short labels two to a row, long ones alone, in the core's order."""
    if not choices:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for choice in choices:
        label = label_of(choice)
        button = InlineKeyboardButton(label, callback_data=choice.action)
        last = rows[-1] if rows else None
        if (
            last is not None
            and len(last) == 1
            and len(label) <= SHORT_LABEL
            and len(last[0].text) <= SHORT_LABEL
        ):
            last.append(button)
        else:
            rows.append([button])
    return InlineKeyboardMarkup(rows)
