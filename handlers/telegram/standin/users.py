"""Simulated people: what a user does in the Telegram app, turned into updates."""

from __future__ import annotations

import re

from handlers.telegram.standin.markup import utf16_len
from handlers.telegram.standin.model import JSON, SimCallback, SimMessage
from handlers.telegram.standin.world import Chat, World

_COMMAND = re.compile(r"/[A-Za-z0-9_]+(?:@\w+)?")


class SimUser:
    """A person chatting with the bot: writes, presses buttons, uploads, reads the inbox."""

    def __init__(self, world: World, chat: Chat) -> None:
        self._world = world
        self._chat = chat

    def __repr__(self) -> str:
        return f"SimUser({self.id}, {self.name!r})"

    @property
    def id(self) -> int:
        """The user id, which is also the private chat id."""
        return self._chat.id

    @property
    def name(self) -> str:
        """First and last name."""
        person = self._chat.person
        return f"{person.first_name} {person.last_name}".strip()

    @property
    def blocked(self) -> bool:
        """Whether the user blocked the bot."""
        return self._chat.blocked

    def send(self, text: str, *, reply_to: SimMessage | None = None) -> SimMessage:
        """Write a text message; a leading "/command" gets a bot_command entity."""
        entities: list[JSON] = []
        command = _COMMAND.match(text)
        if command is not None:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command[0])})
        return self._post(
            text=text,
            raw_text=text,
            entities=entities,
            reply_to_message_id=None if reply_to is None else reply_to.message_id,
        )

    def upload(
        self,
        filename: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str = "",
    ) -> SimMessage:
        """Send a document; the bot can then fetch it with getFile."""
        stored = self._world.store_file(filename, data, mime_type, "documents")
        return self._post(document=stored, text=caption, raw_text=caption)

    def send_photo(self, data: bytes, *, caption: str = "") -> SimMessage:
        """Send a photo."""
        stored = self._world.store_file("photo.jpg", data, "image/jpeg", "photos")
        return self._post(photo=stored, text=caption, raw_text=caption)

    def press(self, label_contains: str, message: SimMessage | None = None) -> SimCallback:
        """Press the button labelled with `label_contains` on the newest message that has one;
        a button labelled exactly so, on any message, goes before one that only contains it
        ("Selesai" on an older task card before "Selesai memilih" on a newer question)."""
        candidates = [message] if message is not None else list(reversed(self.inbox))
        exact = any(label == label_contains for m in candidates for label in m.labels)
        for candidate in candidates:
            if candidate.deleted:
                raise AssertionError(f"message {candidate.message_id} was deleted")
            found = [
                (label, data)
                for row in candidate.buttons
                for label, data in row
                if (label == label_contains if exact else label_contains in label)
            ]
            if len(found) > 1:
                raise AssertionError(
                    f"{label_contains!r} matches several buttons of message "
                    f"{candidate.message_id}: {[label for label, _ in found]}"
                )
            if found:
                label, data = found[0]
                if data is None:
                    raise AssertionError(f"button {label!r} opens a URL, it has no callback data")
                return self.press_data(data, candidate)
        raise AssertionError(
            f"{self.name} has no button containing {label_contains!r}; "
            f"buttons there are: {self._button_listing(candidates)}"
        )

    def press_data(self, data: str, message: SimMessage | None = None) -> SimCallback:
        """Send a callback query with any data (forged or stale) for `message` (default: last)."""
        target = message if message is not None else self.last
        callback = SimCallback(
            id=self._world.next_callback_id(),
            user_id=self.id,
            data=data,
            message=target,
            update_id=0,
        )
        payload: JSON = {
            "id": callback.id,
            "from": self._chat.person.as_json(),
            "chat_instance": f"standin-{self.id}",
            "data": data,
            "message": self._world.message_json(target),
        }
        self._world.callbacks[callback.id] = callback
        self._chat.callbacks.append(callback)
        callback.update_id = self._world.queue.create("callback_query", payload)
        return callback

    def block(self) -> None:
        """Block the bot: sends fail with 403, and the bot gets a my_chat_member update."""
        self._chat.blocked = True
        self._member_update("member", "kicked")

    def unblock(self) -> None:
        """Unblock the bot."""
        self._chat.blocked = False
        self._member_update("kicked", "member")

    @property
    def inbox(self) -> list[SimMessage]:
        """The bot's messages in this chat, oldest first, without deleted ones."""
        return [m for m in self._chat.messages if m.from_bot and not m.deleted]

    @property
    def last(self) -> SimMessage:
        """The bot's newest message in this chat."""
        if not self.inbox:
            raise AssertionError(f"the bot has sent nothing to {self.name}")
        return self.inbox[-1]

    @property
    def callbacks(self) -> list[SimCallback]:
        """Every button press of this user, with the bot's answer."""
        return list(self._chat.callbacks)

    @property
    def alerts(self) -> list[str]:
        """Texts the bot answered presses with as a modal alert."""
        return [c.text for c in self._chat.callbacks if c.show_alert and c.text]

    @property
    def toasts(self) -> list[str]:
        """Texts the bot answered presses with as a passing notification."""
        return [c.text for c in self._chat.callbacks if not c.show_alert and c.text]

    def _post(self, **fields: object) -> SimMessage:
        if self._chat.blocked:
            raise AssertionError(f"{self.name} blocked the bot; call unblock() first")
        self._chat.started = True
        message = self._world.add_message(self._chat, from_bot=False, **fields)
        payload = self._world.message_json(message)
        message.update_id = self._world.queue.create("message", payload)
        return message

    def _member_update(self, old: str, new: str) -> None:
        def member(status: str) -> JSON:
            kicked = {"until_date": 0} if status == "kicked" else {}
            return {"status": status, "user": self._world.bot_user(), **kicked}

        payload = {
            "chat": self._chat.as_json(),
            "from": self._chat.person.as_json(),
            "date": self._world.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self._world.queue.create("my_chat_member", payload)

    @staticmethod
    def _button_listing(messages: list[SimMessage]) -> str:
        listed = [
            f"message {m.message_id} {m.text[:40]!r}: {m.labels}" for m in messages if m.labels
        ][:5]
        return "; ".join(listed) or "none"
