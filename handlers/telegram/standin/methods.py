"""The Bot API methods the stand-in implements, with Telegram's checks and error texts."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from handlers.standin.pulse import Pulse
from handlers.telegram.standin.flood import FloodControl
from handlers.telegram.standin.markup import Formatted, check_reply_markup, format_text
from handlers.telegram.standin.model import (
    JSON,
    MAX_CAPTION,
    MAX_DOWNLOAD,
    MAX_TEXT,
    MAX_UPLOAD,
    ApiError,
    SimFile,
    SimMessage,
    Upload,
    Version,
    bad_request,
)
from handlers.telegram.standin.world import Chat, World

Method = Callable[[JSON], Any]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass
class Webhook:
    """The webhook set with setWebhook; an empty url means long polling."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class BotApi:
    """Answers Bot API methods against the world's chats, messages and files."""

    def __init__(self, world: World, flood: FloodControl, changed: Pulse) -> None:
        self.world = world
        self.flood = flood
        self.changed = changed
        self.webhook = Webhook()
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.polling = 0  # getUpdates requests waiting right now
        self._poll_generation = 0
        table: dict[str, Method] = {
            "getMe": lambda p: self.world.bot,
            "logOut": lambda p: True,
            "close": lambda p: True,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": lambda p: self.commands.get(_scope_key(p), []),
            "deleteMyCommands": self.delete_my_commands,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendDocument": lambda p: self._send_file(p, "document", "documents"),
            "sendPhoto": lambda p: self._send_file(p, "photo", "photos"),
            "sendChatAction": self.send_chat_action,
            "getFile": self.get_file,
        }
        self._methods = {name.lower(): (name, method) for name, method in table.items()}

    def lookup(self, name: str) -> tuple[str, Method] | None:
        """The canonical name and implementation; Telegram's names are case-insensitive."""
        return self._methods.get(name.lower())

    async def get_updates(self, p: JSON) -> list[JSON]:
        """Long polling: wait until an update arrives or `timeout` seconds pass."""
        if self.webhook.url:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        queue, loop = self.world.queue, asyncio.get_running_loop()
        offset = p.get("offset")
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        deadline = loop.time() + max(float(p.get("timeout") or 0), 0.0)
        if "allowed_updates" in p:
            queue.allowed = frozenset(p["allowed_updates"] or ()) or None
        self._poll_generation += 1
        generation = self._poll_generation
        queue.arrived.pulse()  # an older long poll wakes up and loses with 409
        self.polling += 1
        try:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(409, _CONFLICT_POLLING)
                batch = queue.take(offset if isinstance(offset, int) else None, limit)
                self.changed.pulse()
                remaining = deadline - loop.time()
                if batch or remaining <= 0:
                    return batch
                await queue.arrived.wait(remaining)
        finally:
            self.polling -= 1

    def set_webhook(self, p: JSON) -> bool:
        """Switch to webhook delivery (an empty url switches back to polling)."""
        url = str(p.get("url") or "")
        if url and not re.match(r"https?://", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        self.webhook = Webhook(url, secret, int(p.get("max_connections") or 40))
        if p.get("drop_pending_updates"):
            self.world.queue.clear()
        if "allowed_updates" in p:
            self.world.queue.allowed = frozenset(p["allowed_updates"] or ()) or None
        return True

    def delete_webhook(self, p: JSON) -> bool:
        """Back to long polling."""
        self.webhook = Webhook()
        if p.get("drop_pending_updates"):
            self.world.queue.clear()
        return True

    def get_webhook_info(self, p: JSON) -> JSON:
        """The WebhookInfo object."""
        hook, queue = self.webhook, self.world.queue
        info: JSON = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": queue.pending,
        }
        if hook.url:
            info["max_connections"] = hook.max_connections
        if queue.allowed:
            info["allowed_updates"] = sorted(queue.allowed)
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        return info

    def set_my_commands(self, p: JSON) -> bool:
        """Store the command list for its scope and language."""
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[_scope_key(p)] = commands
        return True

    def delete_my_commands(self, p: JSON) -> bool:
        """Forget the command list of a scope and language."""
        self.commands.pop(_scope_key(p), None)
        return True

    def send_message(self, p: JSON) -> JSON:
        """A text message, optionally with a keyboard and as a reply."""
        formatted = self._text(p, "text", "entities", MAX_TEXT)
        markup = self._markup(p)
        chat = self.world.writable_chat(p.get("chat_id"))
        reply_to = self._reply_target(chat, p)
        self.flood.admit(chat.id)
        message = self.world.add_message(
            chat,
            from_bot=True,
            text=formatted.text,
            raw_text=str(p["text"]),
            parse_mode=p.get("parse_mode"),
            entities=formatted.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            link_preview_options=_link_preview(p),
        )
        return self.world.message_json(message)

    def edit_message_text(self, p: JSON) -> JSON:
        """New text; without reply_markup the inline keyboard goes away, as on Telegram."""
        message = self._editable(p)
        if message.document is not None or message.photo is not None:
            raise bad_request("there is no text in the message to edit")
        formatted = self._text(p, "text", "entities", MAX_TEXT)
        markup = _inline(self._markup(p))
        if (formatted.text, formatted.entities, markup) == (
            message.text,
            message.entities,
            _inline(message.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED)
        _keep_version(message)
        message.text, message.entities = formatted.text, formatted.entities
        message.raw_text, message.parse_mode = str(p["text"]), p.get("parse_mode")
        message.reply_markup = markup
        message.link_preview_options = _link_preview(p)
        message.edit_date = self.world.now()
        return self.world.message_json(message)

    def edit_message_reply_markup(self, p: JSON) -> JSON:
        """A new inline keyboard, or none."""
        message = self._editable(p)
        markup = _inline(self._markup(p))
        if markup == _inline(message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        _keep_version(message)
        message.reply_markup = markup
        message.edit_date = self.world.now()
        return self.world.message_json(message)

    def delete_message(self, p: JSON) -> bool:
        """Mark a message deleted; it leaves the user's inbox."""
        chat = self.world.chat(p.get("chat_id"))
        message = self.world.find(chat, p.get("message_id"))
        if message is None:
            raise bad_request("message to delete not found")
        message.deleted = True
        return True

    def answer_callback_query(self, p: JSON) -> bool:
        """Record the toast or alert the user sees after a press."""
        callback = self.world.callbacks.get(str(p.get("callback_query_id")))
        if callback is None or callback.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        callback.answered = True
        callback.text = None if text is None else str(text)
        callback.show_alert = bool(p.get("show_alert"))
        callback.url = p.get("url")
        return True

    def send_chat_action(self, p: JSON) -> bool:
        """ "typing…" and friends."""
        self.world.writable_chat(p.get("chat_id"))
        if p.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def get_file(self, p: JSON) -> JSON:
        """The File object with its download path; bots may download up to 20 MB."""
        stored = self.world.files.get(str(p.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return self.world.file_json(stored)

    def _send_file(self, p: JSON, field: str, folder: str) -> JSON:
        caption = self._text(p, "caption", "caption_entities", MAX_CAPTION, required=False)
        markup = self._markup(p)
        chat = self.world.writable_chat(p.get("chat_id"))
        stored = self._input_file(p, field, folder)
        reply_to = self._reply_target(chat, p)
        self.flood.admit(chat.id)
        message = self.world.add_message(
            chat,
            from_bot=True,
            text=caption.text,
            raw_text=str(p.get("caption") or ""),
            parse_mode=p.get("parse_mode"),
            entities=caption.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            **{field: stored},
        )
        return self.world.message_json(message)

    def _input_file(self, p: JSON, field: str, folder: str) -> SimFile:
        value = p.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value.removeprefix("attach://"))
        if isinstance(value, Upload):
            if not value.data:
                raise bad_request("file must be non-empty")
            if len(value.data) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            return self.world.store_file(value.filename, value.data, value.mime_type, folder)
        if value is None:
            raise bad_request(f"there is no {field} in the request")
        stored = self.world.files.get(str(value))
        if stored is not None:
            return stored
        if str(value).startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _text(
        self, p: JSON, key: str, entities_key: str, limit: int, *, required: bool = True
    ) -> Formatted:
        raw = p.get(key)
        if raw is None or raw == "":
            if required:
                raise bad_request("message text is empty")
            return Formatted("")
        formatted = format_text(str(raw), p.get("parse_mode"), p.get(entities_key))
        if required and not formatted.text:
            raise bad_request("message text is empty")
        if len(formatted.text) > limit:
            raise bad_request("message is too long" if required else "message caption is too long")
        return formatted

    def _markup(self, p: JSON) -> JSON | None:
        markup = p.get("reply_markup")
        if markup is not None and not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        check_reply_markup(markup)
        return markup

    def _reply_target(self, chat: Chat, p: JSON) -> int | None:
        parameters = p.get("reply_parameters") or {}
        target = parameters.get("message_id", p.get("reply_to_message_id"))
        if target is None:
            return None
        if self.world.find(chat, target) is not None:
            return int(target)
        if parameters.get("allow_sending_without_reply", p.get("allow_sending_without_reply")):
            return None
        raise bad_request("message to be replied not found")

    def _editable(self, p: JSON) -> SimMessage:
        if p.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not simulated
        chat = self.world.writable_chat(p.get("chat_id"))
        message = self.world.find(chat, p.get("message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message


async def call(method: Method, params: JSON) -> Any:
    """Run a method implementation, awaiting it when it is a coroutine function."""
    result = method(params)
    if isinstance(result, Awaitable):
        return await result
    return result


def _scope_key(p: JSON) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")


def _inline(markup: JSON | None) -> JSON | None:
    return markup if markup and "inline_keyboard" in markup else None


def _link_preview(p: JSON) -> JSON | None:
    options = p.get("link_preview_options")
    if options is None and p.get("disable_web_page_preview"):
        return {"is_disabled": True}
    return options if isinstance(options, dict) else None


def _keep_version(message: SimMessage) -> None:
    message.history.append(Version(message.text, message.buttons))
