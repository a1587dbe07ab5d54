"""The bot's update queue with getUpdates semantics."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from handlers.standin.pulse import Pulse
from handlers.telegram.standin.model import JSON

# Update kinds Telegram sends when allowed_updates is empty or was never given.
_DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class Entry:
    """One update waiting in the queue."""

    update_id: int
    update: JSON
    forced: bool = False  # re-queued by redeliver(): survives offsets until delivered
    delivered: int = 0

    @property
    def kind(self) -> str:
        """The update's type: message, callback_query, my_chat_member..."""
        return next(key for key in self.update if key != "update_id")


class UpdateQueue:
    """Updates not yet confirmed by the bot, in the order Telegram would hand them out."""

    def __init__(self, first_update_id: int = 1) -> None:
        self._entries: list[Entry] = []
        self._history: dict[int, JSON] = {}
        self._next_id = first_update_id
        self.allowed: frozenset[str] | None = None
        self.arrived = Pulse()
        self.listeners: list[Callable[[], None]] = []

    def create(self, kind: str, payload: JSON) -> int:
        """Queue a new update of `kind`; returns its update_id."""
        update_id = self._next_id
        self._next_id += 1
        update = {"update_id": update_id, kind: payload}
        self._history[update_id] = update
        self._entries.append(Entry(update_id, update))
        self._arrival()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Queue an update again, with the same update_id."""
        if update_id not in self._history:
            raise KeyError(f"no update {update_id} was ever created")
        update = copy.deepcopy(self._history[update_id])
        self._entries.append(Entry(update_id, update, forced=True))
        self._arrival()

    def created(self) -> list[int]:
        """Every update id created so far."""
        return list(self._history)

    def history(self, update_id: int) -> JSON:
        """The update created with this id."""
        return self._history[update_id]

    def take(self, offset: int | None, limit: int) -> list[JSON]:
        """Confirm what `offset` confirms, then hand out the next batch (ids increasing)."""
        self._confirm(offset)
        self._drop_unwanted()
        batch: list[Entry] = []
        for entry in self._entries:
            # A redelivered update goes in a batch of its own so that the bot's next
            # offset (last id + 1) confirms exactly what it was given.
            if len(batch) >= limit or (batch and entry.update_id <= batch[-1].update_id):
                break
            batch.append(entry)
        for entry in batch:
            entry.delivered += 1
        return [copy.deepcopy(entry.update) for entry in batch]

    def first(self) -> Entry | None:
        """The next update to push to a webhook."""
        self._drop_unwanted()
        return self._entries[0] if self._entries else None

    def remove(self, entry: Entry) -> None:
        """Forget an update the webhook acknowledged."""
        if entry in self._entries:
            self._entries.remove(entry)

    def clear(self) -> None:
        """Drop every pending update (drop_pending_updates)."""
        self._entries.clear()

    @property
    def pending(self) -> int:
        """Updates not yet confirmed."""
        return len(self._entries)

    def pending_ids(self) -> list[int]:
        """Their update ids, in queue order."""
        return [entry.update_id for entry in self._entries]

    def _arrival(self) -> None:
        self.arrived.pulse()
        for listener in self.listeners:
            listener()

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            # A negative offset keeps the last -offset updates and forgets the rest.
            self._entries = self._entries[offset:]
            return
        self._entries = [
            e for e in self._entries if e.update_id >= offset or (e.forced and not e.delivered)
        ]

    def _drop_unwanted(self) -> None:
        allowed = self.allowed
        self._entries = [
            e
            for e in self._entries
            if (e.kind in allowed if allowed else e.kind not in _DEFAULT_EXCLUDED)
        ]
