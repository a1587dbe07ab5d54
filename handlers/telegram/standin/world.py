"""What the stand-in's Telegram knows: the bot, chats, their messages, files, button presses."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.telegram.standin.model import (
    JSON,
    SimCallback,
    SimFile,
    SimMessage,
    bad_request,
    forbidden,
)
from handlers.telegram.standin.updates import UpdateQueue


@dataclass
class Person:
    """A simulated Telegram user."""

    id: int
    first_name: str
    last_name: str = ""
    username: str | None = None
    language_code: str | None = "id"

    def as_json(self) -> JSON:
        """The User object."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass
class Chat:
    """A private chat between the bot and one person."""

    person: Person
    blocked: bool = False
    started: bool = False  # the person wrote to the bot at least once
    messages: list[SimMessage] = field(default_factory=list)
    callbacks: list[SimCallback] = field(default_factory=list)
    next_message_id: int = 1

    @property
    def id(self) -> int:
        """Private chats share the person's id."""
        return self.person.id

    def as_json(self) -> JSON:
        """The Chat object."""
        user = self.person.as_json()
        chat: JSON = {"id": self.id, "type": "private"}
        chat.update({k: user[k] for k in ("first_name", "last_name", "username") if k in user})
        return chat


class World:
    """Chats, messages and files, shared by the API methods and the simulated users."""

    def __init__(self, bot: JSON, wall_clock: Callable[[], float]) -> None:
        self.bot = bot
        self.wall_clock = wall_clock
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, SimFile] = {}
        self.paths: dict[str, SimFile] = {}
        self.callbacks: dict[str, SimCallback] = {}
        self.queue = UpdateQueue()
        self._file_counter = 0
        self._callback_counter = 0

    def now(self) -> int:
        """Unix time for message dates."""
        return int(self.wall_clock())

    def bot_user(self) -> JSON:
        """The bot as a User object."""
        return {key: self.bot[key] for key in ("id", "is_bot", "first_name", "username")}

    def chat(self, chat_id: object) -> Chat:
        """The chat, or Telegram's "chat not found"."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, chat_id: object) -> Chat:
        """A chat the bot may write to, or the 403 Telegram gives."""
        chat = self.chat(chat_id)
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        return chat

    def add_message(self, chat: Chat, *, from_bot: bool, **fields: object) -> SimMessage:
        """Append a message to the chat with the chat's next message id."""
        message = SimMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_bot=from_bot,
            date=self.now(),
            **fields,  # type: ignore[arg-type]
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        return message

    def find(self, chat: Chat, message_id: object) -> SimMessage | None:
        """A message of the chat that was not deleted."""
        for message in chat.messages:
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def next_callback_id(self) -> str:
        """A fresh callback query id."""
        self._callback_counter += 1
        return f"cbq-{self._callback_counter}"

    def store_file(self, filename: str, data: bytes, mime_type: str, folder: str) -> SimFile:
        """Keep a file so getFile and the download URL can serve it."""
        self._file_counter += 1
        extension = mimetypes.guess_extension(mime_type) or ""
        if "." in filename:
            extension = "." + filename.rsplit(".", 1)[1]
        stored = SimFile(
            file_id=f"standin-{folder}-{self._file_counter}",
            file_unique_id=hashlib.sha256(data).hexdigest()[:16],
            filename=filename,
            data=data,
            mime_type=mime_type,
            file_path=f"{folder}/file_{self._file_counter}{extension}",
        )
        self.files[stored.file_id] = stored
        self.paths[stored.file_path] = stored
        return stored

    def message_json(self, message: SimMessage, *, with_reply: bool = True) -> JSON:
        """The Message object as Telegram returns it."""
        chat = self.chats[message.chat_id]
        sender = self.bot_user() if message.from_bot else chat.person.as_json()
        body: JSON = {
            "message_id": message.message_id,
            "from": sender,
            "chat": chat.as_json(),
            "date": message.date,
        }
        media = message.document or message.photo
        text_key, entities_key = ("caption", "caption_entities") if media else ("text", "entities")
        if message.text:
            body[text_key] = message.text
        if message.entities:
            body[entities_key] = message.entities
        if message.document is not None:
            body["document"] = _document_json(message.document)
        if message.photo is not None:
            body["photo"] = [_photo_json(message.photo)]
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            body["reply_markup"] = message.reply_markup
        if message.link_preview_options:
            body["link_preview_options"] = message.link_preview_options
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        target = self.find(chat, message.reply_to_message_id) if with_reply else None
        if target is not None:
            body["reply_to_message"] = self.message_json(target, with_reply=False)
        return body

    def file_json(self, stored: SimFile) -> JSON:
        """The File object getFile returns."""
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }


def _document_json(stored: SimFile) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": stored.filename,
        "mime_type": stored.mime_type,
        "file_size": stored.size,
    }


def _photo_json(stored: SimFile) -> JSON:
    width, height = _image_size(stored.data)
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": width,
        "height": height,
        "file_size": stored.size,
    }


def _image_size(data: bytes) -> tuple[int, int]:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1, 1  # good enough for PTB; a JPEG's size is not worth a parser here
