"""The conversation core: one entry point for every channel's incoming update.

Adapters turn a platform update into an `Incoming` and render the `Answer`; everything else —
who the sender is, what they may do, which dialogue is pending — is decided here, once. The
handlers it dispatches to work with `bot.chat.session.Chat`, which this class extends.
"""

from __future__ import annotations

import logging

from bot import actions, cards
from bot.chat import buttons, commands, dialogues
from bot.chat.model import Answer, Incoming
from bot.chat.session import Chat, Turn
from bot.errors import SopbotError
from bot.replies import Reply
from bot.workflow.model import Person

logger = logging.getLogger(__name__)

COMMANDS = ("start", "daftar", "tugas", "baru", "status", "riwayat", "lapor", "laporan",
            "batal", "bantuan", "sop", "saluran")  # fmt: skip


def parse_command(text: str) -> tuple[str | None, str]:
    """`/tugas@sopbot KB-1` → ("tugas", "KB-1"); plain command words work too (WhatsApp)."""
    head, _, rest = text.strip().partition(" ")
    word = head.lstrip("/").split("@", 1)[0].lower()
    if (head.startswith("/") or word in COMMANDS) and word:
        return word, rest.strip()
    return None, text.strip()


class ChatCore(Chat):
    """Answers every incoming update; the same code serves Telegram and WhatsApp."""

    async def handle(self, incoming: Incoming) -> Answer:
        """Answer one update; domain errors become their Indonesian text, never a traceback."""
        try:
            return await self._handle(incoming)
        except SopbotError as error:
            reply = Reply(error.text_key, dict(error.params))
            return Answer(toast=reply) if incoming.action else Answer([reply])

    async def respond(self, incoming: Incoming, *, edits: bool, toasts: bool) -> Answer:
        """Answer one update and queue the answer for the chat it came from.

        Run inside the update's transaction (`UnitOfWorkFactory.atomic`): the answer is sent
        by the outbox only once everything the update changed is committed with it.
        """
        from bot.chat.outgoing import answer_messages

        if incoming.update_id is None:
            raise ValueError("an answer is queued under the update's id")
        async with self.uow() as uow:
            since = await uow.outbox.newest()
        answer = await self.handle(incoming)
        sender = incoming.sender
        async with self.uow() as uow:
            person = await uow.people.by_identity(sender.channel, sender.external_id)
            person_id = person.id if person is not None else None
            messages = answer_messages(incoming, answer, person_id, edits=edits, toasts=toasts)
            messages = await cards.place(uow, messages)
            # It answers the person: it comes before the notices its update caused.
            await uow.outbox.add_ahead(messages, self.clock.now(), since)
            await uow.commit()
        return answer

    async def _handle(self, incoming: Incoming) -> Answer:
        command, arg = parse_command(incoming.text or "")
        if incoming.action is not None or incoming.file is not None:
            command = None
        person = await self.person_of(incoming.sender)
        if person is not None and not person.active:
            # Deactivation is the administrator's decision: not even an invite code undoes it.
            return Answer.say("chat.deactivated")
        if command in ("start", "daftar"):
            return await commands.start(self, incoming.sender, person, arg)
        if person is None:
            return Answer.say("chat.unregistered")
        turn = Turn(person, incoming)
        if command is not None and await self._is_answer(person, incoming.text or ""):
            command = None
        if incoming.action is not None:
            return await buttons.press(self, turn, actions.decode(incoming.action))
        if incoming.file is not None:
            return await dialogues.on_file(self, turn)
        if command is not None:
            return await commands.run(self, turn, command, arg)
        return await dialogues.on_text(self, turn, incoming.text or "")

    async def _is_answer(self, person: Person, text: str) -> bool:
        """A plain command word ("status …") answering a pending question is just an answer.

        Only "/command" always counts; "batal" alone always cancels.
        """
        plain = text.strip()
        if plain.startswith("/") or plain.lower() == "batal":
            return False
        return await self.prompt_of(person) is not None

