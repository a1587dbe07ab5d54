"""Core replies planned as WhatsApp messages: texts, reply buttons, lists and documents.

WhatsApp's limits (Cloud API): a text has at most 4096 characters; the body of an interactive
message at most 1024; reply buttons are at most 3 with titles of at most 20 characters; a list
has at most 10 rows with titles of at most 24 characters and descriptions of at most 72. A
template parameter may not contain a line break. The plan is pure data; `sender.py` sends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.render_text import chunks as split_text
from bot.replies import Choice, FileRef, Reply
from bot.texts import t

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_TEMPLATE_TEXT = 300  # a notice, not the message: the whole message follows on reply
ELLIPSIS = "…"


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Buttons:
    """A message with up to three reply buttons: (title, id) pairs."""

    text: str
    buttons: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Row:
    title: str
    id: str
    description: str | None = None


@dataclass(frozen=True)
class Listing:
    """A message whose button opens a list of up to ten rows."""

    text: str
    button: str
    section: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Document:
    file: FileRef
    caption: str = ""


Part = Text | Buttons | Listing | Document


MAX_CAPTION = 1024

# WhatsApp reads *bold*, _italic_, ~strike~ and `code` in a message. A formatting character
# opens only at the start of a word: a word joiner (invisible) before each one in what people
# typed (names, subjects, notes) keeps it a plain character, shown as it was typed.
FORMATTING = re.compile(r"([*_~`])")
WORD_JOINER = "\u2060"


def literal(value: object) -> object:
    """A parameter as WhatsApp shows it: typed text with its formatting characters inert."""
    if isinstance(value, str):
        return FORMATTING.sub(WORD_JOINER + r"\1", value)
    return value


def text_of(reply: Reply) -> str:
    """The reply's text from the catalogue, what people typed in it shown literally."""
    return t(reply.text_key, **{key: literal(value) for key, value in reply.params.items()})


def label_of(choice: Choice) -> str:
    """A choice's label from the catalogue."""
    return t(choice.label_key, **choice.params)


def plan(reply: Reply) -> list[Part]:
    """The messages that show a reply: its text, then the files it explains; with choices the
    files first, so that the text with its choices is the newest message."""
    texts = chunks(text_of(reply))
    if (
        len(reply.files) == 1
        and not reply.choices
        and len(texts) == 1
        and len(texts[0]) <= MAX_CAPTION
    ):
        return [Document(reply.files[0], texts[0])]  # a document with its one-line caption
    parts: list[Part] = [Document(f) for f in reply.files]
    if not reply.choices:
        return [Text(x) for x in texts] + parts
    if len(texts[-1]) > MAX_BODY:  # an interactive body is shorter than a text
        texts = texts[:-1] + chunks(texts[-1], MAX_BODY)
    parts += [Text(x) for x in texts[:-1]]
    return parts + choice_messages(texts[-1], reply.choices)


def choice_messages(body: str, choices: tuple[Choice, ...]) -> list[Part]:
    """Reply buttons when they fit, else lists of at most ten rows each."""
    labelled = _unique([(label_of(c), c.action) for c in choices])
    labels = [label for label, _ in labelled]
    fits = all(len(x) <= MAX_BUTTON_TITLE for x in labels) and len(set(labels)) == len(labels)
    if len(labelled) <= MAX_BUTTONS and fits:  # button titles must also differ
        return [Buttons(body, tuple(labelled))]
    rows = _rows(labelled)
    pages = [rows[i : i + MAX_ROWS] for i in range(0, len(rows), MAX_ROWS)]
    button, section = t("whatsapp.list_button"), t("whatsapp.list_section")
    out: list[Part] = []
    for index, page in enumerate(pages, start=1):
        text = body if index == 1 else t("whatsapp.more_choices", index=index, total=len(pages))
        out.append(Listing(text, button, section, tuple(page)))
    return out


def _rows(labelled: list[tuple[str, str]]) -> list[Row]:
    """List rows: a long label shortened at a word, in full below it. When shortening would
    leave two rows with one title (two SOPs whose titles begin alike) or no whole word fits,
    every row is numbered by its place, so that no two titles are equal and no word is cut."""
    shortened = [whole_words(label, MAX_ROW_TITLE) for label, _ in labelled]
    titles = [title for title in shortened if title is not None]
    if len(set(titles)) < len(labelled):  # a repeated title, or one with no whole word
        titles = [_numbered(label, place) for place, (label, _) in enumerate(labelled, start=1)]
    return [
        Row(title, action, None if title.endswith(label) else shorten(label, MAX_ROW_DESCRIPTION))
        for title, (label, action) in zip(titles, labelled, strict=True)
    ]


def _numbered(label: str, place: int) -> str:
    """`2. Fasilitasi…`: the row's place, then as many whole words of its label as fit."""
    prefix = t("whatsapp.row_place", place=place)
    words = whole_words(label, MAX_ROW_TITLE - len(prefix))
    return prefix + words if words else t("whatsapp.row_only_place", place=place)


def _unique(labelled: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One entry per action (WhatsApp rejects repeated ids in one message)."""
    seen: set[str] = set()
    out = []
    for label, action in labelled:
        if action not in seen:
            seen.add(action)
            out.append((label, action))
    return out


def whole_words(text: str, limit: int) -> str | None:
    """The text in at most `limit` characters: whole, or its first whole words with an
    ellipsis; None when not even its first word fits."""
    if len(text) <= limit:
        return text
    space = text.rfind(" ", 0, limit)  # the words before it fit with the ellipsis
    head = text[:space].rstrip(" ,;:-(") if space > 0 else ""
    return head + ELLIPSIS if head else None


def shorten(text: str, limit: int) -> str:
    """The text cut to `limit` characters at a word boundary, with an ellipsis when cut (a
    single word longer than that is cut inside it)."""
    found = whole_words(text, limit)
    return found if found is not None else text[: limit - 1] + ELLIPSIS


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long text into messages of at most `limit` characters."""
    return split_text(text, limit)


def template_values(reply: Reply, sources: list[str], recipient: str = "") -> list[str]:
    """The template's body parameters: each source is `recipient` (the person's name), `text`
    (the message) or a parameter of the reply."""
    values = []
    for source in sources:
        raw: Any = reply.params.get(source)
        if source in ("text", "recipient"):
            raw = text_of(reply) if source == "text" else recipient
        value = one_line(str(raw)) if raw not in (None, "") else ""
        values.append(shorten(value, MAX_TEMPLATE_TEXT) or "-")
    return values


def one_line(text: str) -> str:
    """Line breaks, tabs and runs of spaces made single spaces (template parameters need it)."""
    return re.sub(r"\s+", " ", text).strip()
