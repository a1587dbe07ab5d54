"""Request bodies as the Bot API accepts them: query string, JSON, form and multipart."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, unquote

from handlers.telegram.standin.model import JSON, Upload, bad_request

# Telegram reads each parameter by its declared type; PTB sends non-strings JSON-encoded.
_INT_FIELDS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id",
        "from_chat_id", "max_connections", "cache_time", "message_thread_id", "user_id",
    }
)  # fmt: skip
_BOOL_FIELDS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
        "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
        "disable_content_type_detection", "show_caption_above_media", "allow_paid_broadcast",
    }
)  # fmt: skip
_JSON_FIELDS = frozenset(
    {
        "reply_markup", "reply_parameters", "link_preview_options", "entities",
        "caption_entities", "commands", "scope", "allowed_updates",
    }
)  # fmt: skip
_DISPOSITION_PARAM = re.compile(r'(\w+\*?)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))')
_PERCENT_ESCAPE = re.compile(r"%(22|[01][0-9A-Fa-f])")


def parse_body(content_type: str, body: bytes, query: bytes) -> JSON:
    """Parameters of one request: query string first, then the body overrides."""
    raw: dict[str, Any] = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body:
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(decoded, dict):
            raise bad_request("JSON object expected")
        raw.update(decoded)
    elif kind == "application/x-www-form-urlencoded":
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif kind == "multipart/form-data":
        match = re.search(r'boundary="?([^";]+)"?', content_type)
        if match is None:
            raise bad_request("multipart boundary is missing")
        raw.update(_multipart(body, match.group(1).encode("latin-1")))
    return {name: coerce(name, value) for name, value in raw.items()}


def coerce(name: str, value: Any) -> Any:
    """One parameter read with the type Telegram declares for it."""
    if isinstance(value, Upload):
        return value
    if name in _JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {name.replace('_', ' ')} JSON object") from exc
    if name in _INT_FIELDS and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value  # "@channelusername"; resolving it fails later with "chat not found"
    if name in _BOOL_FIELDS and isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value


def _multipart(body: bytes, boundary: bytes) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, _, data = chunk.partition(b"\r\n\r\n")
        headers = dict(
            (key.strip().lower(), value.strip())
            for key, _, value in (line.partition(":") for line in head.decode().split("\r\n"))
        )
        params = _disposition(headers.get("content-disposition", ""))
        name = params.get("name")
        if name is None:
            continue
        filename = params.get("filename")
        if filename is None:
            fields[name] = data.decode("utf-8")
        else:
            mime = headers.get("content-type", "application/octet-stream")
            fields[name] = Upload(filename=filename, data=data, mime_type=mime)
    return fields


def _disposition(header: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, quoted, bare in _DISPOSITION_PARAM.findall(header):
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted else bare
        if key.lower() == "filename*" and "''" in value:
            params["filename"] = unquote(value.split("''", 1)[1])
        else:
            params[key.lower()] = _PERCENT_ESCAPE.sub(lambda m: chr(int(m[1], 16)), value)
    return params
