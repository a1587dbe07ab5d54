"""Text the way Telegram reads it: parse_mode markup into plain text and entities, keyboards."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.telegram.standin.model import JSON, MAX_CALLBACK_DATA, ApiError, bad_request

_HTML_KINDS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_HTML_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r"""([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = {
    "*": ("bold", "Bold"), "_": ("italic", "Italic"), "__": ("underline", "Underline"),
    "~": ("strikethrough", "Strikethrough"), "||": ("spoiler", "Spoiler"),
}  # fmt: skip
_LEGACY = re.compile(
    r"\*([^*]*)\*|_([^_]*)_|```(.*?)```|`([^`]*)`|\[([^\]]*)\]\(([^)]*)\)", re.DOTALL
)
_BUTTON_KINDS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Formatted:
    """Text after markup parsing, with its entities."""

    text: str
    entities: list[JSON] = field(default_factory=list)


def format_text(raw: str, parse_mode: str | None, entities: list[JSON] | None) -> Formatted:
    """Parse `raw` like Telegram: markup to entities, then trim surrounding whitespace."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parsed = _Html(raw).parse()
    elif mode == "markdownv2":
        parsed = _MarkdownV2(raw).parse()
    elif mode == "markdown":
        parsed = _legacy_markdown(raw)
    elif mode:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    else:
        parsed = Formatted(raw, list(entities or []))
    return _trim(parsed)


def check_reply_markup(markup: JSON | None) -> None:
    """Reject keyboards Telegram rejects, with its error text."""
    if markup is None or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        if "callback_data" in button:
            data = str(button["callback_data"]).encode("utf-8")
            if not 1 <= len(data) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
        elif "url" in button:
            if not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                raise bad_request("BUTTON_URL_INVALID")
        elif not any(kind in button for kind in _BUTTON_KINDS):
            raise bad_request("text buttons are unallowed in the inline keyboard")


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _trim(parsed: Formatted) -> Formatted:
    text = parsed.text
    lead = utf16_len(text) - utf16_len(text.lstrip())
    stripped = text.strip()
    size = utf16_len(stripped)
    entities = []
    for entity in parsed.entities:
        start = min(max(entity["offset"] - lead, 0), size)
        end = min(max(entity["offset"] + entity["length"] - lead, 0), size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return Formatted(stripped, entities)


class _Builder:
    """Collects the plain text and the entities while a parser walks the markup."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.chars: list[str] = []
        self.offset = 0
        self.entities: list[JSON] = []

    def add(self, text: str) -> None:
        self.chars.append(text)
        self.offset += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: str) -> None:
        if self.offset > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.offset - start, **extra}
            )

    def byte_offset(self, index: int) -> int:
        return len(self.raw[:index].encode("utf-8"))

    def result(self) -> Formatted:
        ordered = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return Formatted("".join(self.chars), ordered)


@dataclass
class _Open:
    tag: str
    start: int
    extra: dict[str, str]


class _Html(_Builder):
    def parse(self) -> Formatted:
        raw, i = self.raw, 0
        stack: list[_Open] = []
        while i < len(raw):
            if raw[i] == "<":
                end = raw.find(">", i)
                if end < 0:
                    raise _parse_error(f"Unclosed start tag at byte offset {self.byte_offset(i)}")
                self._tag(raw[i + 1 : end].strip(), i, stack)
                i = end + 1
            elif (match := _HTML_ENTITY.match(raw, i)) is not None:
                self.add(_entity_char(match.group(1)))
                i = match.end()
            else:
                self.add(raw[i])
                i += 1
        if stack:
            raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
        return self.result()

    def _tag(self, inner: str, index: int, stack: list[_Open]) -> None:
        at = self.byte_offset(index)
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise _parse_error(f'Unexpected end tag at byte offset {at}, found "</{name}>"')
            top = stack.pop()
            if top.tag != name:
                raise _parse_error(
                    f'Unmatched end tag at byte offset {at}, expected "</{top.tag}>", '
                    f'found "</{name}>"'
                )
            self._close(top, stack)
            return
        name_match = re.match(r"[A-Za-z][\w-]*", inner)
        name = name_match.group(0).lower() if name_match else ""
        attrs = {m[1].lower(): m[2] or m[3] or m[4] for m in _ATTR.finditer(inner, len(name))}
        if name not in _HTML_KINDS or (name == "span" and attrs.get("class") != "tg-spoiler"):
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {at}')
        stack.append(_Open(name, self.offset, attrs))

    def _close(self, top: _Open, stack: list[_Open]) -> None:
        kind, extra = _HTML_KINDS[top.tag], {}
        if top.tag == "a":
            extra = {"url": top.extra.get("href") or ""}
        elif top.tag == "code" and stack and stack[-1].tag == "pre":
            language = (top.extra.get("class") or "").removeprefix("language-")
            if language:
                stack[-1].extra["language"] = language
            return  # <pre><code class="language-x"> is one pre entity
        elif top.tag == "pre" and top.extra.get("language"):
            extra = {"language": top.extra["language"]}
        elif top.tag == "blockquote" and "expandable" in top.extra:
            kind = "expandable_blockquote"
        elif top.tag == "tg-emoji":
            extra = {"custom_emoji_id": top.extra.get("emoji-id") or ""}
        self.entity(kind, top.start, **extra)


def _entity_char(name: str) -> str:
    if name.startswith(("#x", "#X")):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


class _MarkdownV2(_Builder):
    def parse(self) -> Formatted:
        raw, i = self.raw, 0
        stack: list[tuple[str, int, int]] = []  # marker, text offset, byte offset
        quote: int | None = None
        while i < len(raw):
            char = raw[i]
            if char == "\\" and i + 1 < len(raw) and 0 < ord(raw[i + 1]) <= 126:
                self.add(raw[i + 1])
                i += 2
            elif char == "`":
                i = self._code(i)
            elif char == ">" and (i == 0 or raw[i - 1] == "\n"):
                quote = self.offset if quote is None else quote
                i += 1
            elif char == "\n" and quote is not None and not raw.startswith(">", i + 1):
                self.entity("blockquote", quote)
                quote = None
                self.add(char)
                i += 1
            elif char in _MD2_RESERVED:
                i = self._marker(i, stack)
            else:
                self.add(char)
                i += 1
        if stack:
            marker, _, at = stack[-1]
            name = "TextUrl" if marker == "[" else _MD2_MARKERS[marker][1]
            raise _parse_error(f"Can't find end of {name} entity at byte offset {at}")
        if quote is not None:
            self.entity("blockquote", quote)
        return self.result()

    def _marker(self, i: int, stack: list[tuple[str, int, int]]) -> int:
        raw, char = self.raw, self.raw[i]
        marker = raw[i : i + 2] if raw.startswith(("__", "||"), i) else char
        if marker in _MD2_MARKERS:
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                self.entity(_MD2_MARKERS[marker][0], start)
            else:
                stack.append((marker, self.offset, self.byte_offset(i)))
            return i + len(marker)
        if char == "[":
            stack.append(("[", self.offset, self.byte_offset(i)))
            return i + 1
        if char == "]" and stack and stack[-1][0] == "[":
            _, start, _ = stack.pop()
            if not raw.startswith("(", i + 1):
                return i + 1
            end = i + 2
            while end < len(raw) and raw[end] != ")":
                end += 2 if raw[end] == "\\" else 1
            if end >= len(raw):
                raise _parse_error(f"Can't find end of a url at byte offset {self.byte_offset(i)}")
            url = re.sub(r"\\(.)", r"\1", raw[i + 2 : end])
            self.entity("text_link", start, url=url)
            return end + 1
        raise _parse_error(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def _code(self, i: int) -> int:
        raw = self.raw
        fence = "```" if raw.startswith("```", i) else "`"
        body_start, language = i + len(fence), ""
        if fence == "```":
            line_end = raw.find("\n", body_start)
            first = raw[body_start:line_end] if line_end >= 0 else ""
            if line_end >= 0 and first and not re.search(r"\s", first):
                language, body_start = first, line_end + 1
        end, start, chars = body_start, self.offset, []
        while end < len(raw) and not raw.startswith(fence, end):
            if raw[end] == "\\" and end + 1 < len(raw) and raw[end + 1] in "`\\":
                end += 1
            chars.append(raw[end])
            end += 1
        if end >= len(raw):
            name, at = ("Pre" if fence == "```" else "Code"), self.byte_offset(i)
            raise _parse_error(f"Can't find end of {name} entity at byte offset {at}")
        self.add("".join(chars))
        if fence == "`":
            self.entity("code", start)
        else:
            self.entity("pre", start, **({"language": language} if language else {}))
        return end + len(fence)


def _legacy_markdown(raw: str) -> Formatted:
    out = _Builder(raw)
    pattern = _LEGACY
    i = 0
    while i < len(raw):
        match = pattern.match(raw, i)
        if match is None and raw[i] in "*_`[":
            raise _parse_error(
                f"Can't find end of the entity starting at byte offset {out.byte_offset(i)}"
            )
        if match is None:
            out.add(raw[i])
            i += 1
            continue
        bold, italic, pre, code, label, url = match.groups()
        start = out.offset
        out.add(next(g for g in (bold, italic, pre, code, label) if g is not None))
        kind = "bold" if bold is not None else "italic" if italic is not None else "pre"
        kind = "code" if code is not None else kind
        if label is not None:
            out.entity("text_link", start, url=url)
        else:
            out.entity(kind, start)
        i = match.end()
    return out.result()
