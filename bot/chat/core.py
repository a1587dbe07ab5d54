"""The conversation core: one entry point for every channel's incoming update.

Adapters turn a platform update into an `Incoming` and render the `Answer`; everything else —
who the sender is, what they may do, which dialogue is pending — is decided here, once. The
handlers it dispatches to work with `bot.chat.session.Chat`, which this class extends.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot import actions, cards
from bot.chat import buttons, commands, dialogues, tasks
from bot.chat.model import Answer, Incoming
from bot.chat.session import Chat, Turn
from bot.errors import SopbotError
from bot.ports import OutgoingMessage, Prompt, UnitOfWork
from bot.replies import Reply
from bot.sop.model import ArtifactKind
from bot.views import own_inputs, waiting_for
from bot.workflow import commands as c
from bot.workflow.model import Person

logger = logging.getLogger(__name__)

# Items the bot asks one after another once a card's first one is answered.
ASKED = (ArtifactKind.TEXT, ArtifactKind.DATETIME, ArtifactKind.DATE, ArtifactKind.PEOPLE)

COMMANDS = ("start", "daftar", "tugas", "baru", "status", "riwayat", "lapor", "laporan",
            "batal", "bantuan", "sop", "saluran")  # fmt: skip


async def _close_settled(
    uow: UnitOfWork, person_id: int, messages: list[OutgoingMessage]
) -> list[OutgoingMessage]:
    """The question this update settled loses its buttons, unless a new question replaces it
    (that one retires it as it is placed)."""
    if any(m.reply.card == cards.QUESTION and m.edit_ref is None for m in messages):
        return messages
    if not messages or await uow.prompts.get(person_id) is not None:
        return messages  # still asked (a wrong answer, a participant toggled)
    close = replace(cards.closing(person_id), key=f"{messages[0].key}:closed",
                    chat=messages[0].chat)  # fmt: skip
    return [close, *messages]


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
        self.scope(None)  # nothing of the update answered before this one
        try:
            return await self._handle(incoming)
        except SopbotError as error:
            reply = Reply(error.text_key, dict(error.params))
            return Answer(toast=reply) if incoming.action else Answer([reply])
        finally:
            self.scope(None)

    async def respond(self, incoming: Incoming, *, edits: bool, toasts: bool) -> Answer:
        """Answer one update and queue the answer for the chat it came from.

        Run inside the update's transaction (`UnitOfWorkFactory.atomic`): the answer is sent
        by the outbox only once everything the update changed is committed with it.
        """
        from bot.chat.outgoing import answer_messages

        if incoming.update_id is None:
            raise ValueError("an answer is queued under the update's id")
        sender = incoming.sender
        async with self.uow() as uow:
            since = await uow.outbox.newest()
            person = await uow.people.by_identity(sender.channel, sender.external_id)
            asked = await uow.prompts.get(person.id) if person and person.id else None
        answer = await self.handle(incoming)
        async with self.uow() as uow:
            person = await uow.people.by_identity(sender.channel, sender.external_id)
            person_id = person.id if person is not None else None
            messages = answer_messages(incoming, answer, person_id, edits=edits, toasts=toasts)
            if asked is not None and person_id is not None:
                messages = await _close_settled(uow, person_id, messages)
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
        asked = await self.prompt_of(person)
        await self._scope(incoming, asked)
        if command is not None and await self._is_answer(person, incoming.text or ""):
            command = None
        if incoming.action is not None:
            answer = await buttons.press(self, turn, actions.decode(incoming.action))
        elif incoming.file is not None:
            answer = await dialogues.on_file(self, turn)
        elif command is not None:
            return await commands.run(self, turn, command, arg)
        else:
            answer = await dialogues.on_text(self, turn, incoming.text or "")
        if asked is not None and asked.kind in ("input", "people"):
            try:
                return await self._next_question(turn, asked, answer)
            except SopbotError:  # the answer itself is committed; the card still offers the rest
                logger.info("no follow-up question after %s", asked.kind, exc_info=True)
        return answer

    async def _scope(self, incoming: Incoming, asked: Prompt | None) -> None:
        """Read the SOP version of the case the update is about: a button names it first, a
        pending question keeps it (or the SOP chosen for a new case)."""
        if incoming.action is not None:
            try:
                action = actions.decode(incoming.action)
            except SopbotError:
                return
            if action.verb in actions.CASE_FIRST and action.args:
                await self.scope_case(action.args[0])
                return
        if asked is not None and isinstance(case_id := asked.data.get("case_id"), int):
            await self.scope_case(case_id)
        self.scope_prompt(asked)

    async def _next_question(self, turn: Turn, asked: Prompt, answer: Answer) -> Answer:
        """After an item of a card is answered, what follows at once: the people to choose
        come chosen (the whole TKKSD), a document the bot can now build from the answers is
        built (the surat undangan, once time and place are set), and the card's next item to
        type is asked, so the person answers on without looking for the next button."""
        if answer.edit is None or answer.edit.card is None:
            return answer
        if await self.prompt_of(turn.person) is not None:
            return answer  # answered wrongly, or a new question is already asked
        case_id, number = asked.data["case_id"], asked.data["number"]
        case, run = await self.run_of(case_id, number)
        if run is None:
            return answer
        view = await self.view()
        step = self.sop.step(run.step_code)
        for key in own_inputs(step, self.sop):
            artifact = self.sop.artifacts[key]
            holders = view.roster.holders(artifact.role or "")
            if artifact.kind is ArtifactKind.PEOPLE and holders and not case.has(key):
                # The whole team is invited unless the person changes it (Ubah isian).
                names = "; ".join(person.name for person in holders)
                command = c.RecordFact(turn.person.id, case_id, step.code, None, key, names)
                update = self._follow_up(turn, key).update
                result = await self.workflow.handle(command, update=update)
                chosen = await tasks.refreshed(self, result, step.code, new_message=True)
                answer = replace(answer, edit=chosen.edit or answer.edit)
                case = result.case or case
        ready = [
            key for key in own_inputs(step, self.sop)
            if not case.has(key) and key in view.generated and self.sop.artifacts[key].after
            and not waiting_for(case, key, self.sop) and self.documents is not None
            and not self.documents.QUESTIONS.get(key)
        ]  # fmt: skip
        for key in ready:
            built = await tasks.build(self, self._follow_up(turn, key), case, step.code, key, {})
            answer = replace(answer, replies=[*answer.replies, *built.replies],
                             edit=built.edit or answer.edit)  # fmt: skip
            case, run = await self.run_of(case_id, number)
            if run is None:
                return answer
        keys = list(self.sop.artifacts)
        for key in own_inputs(step, self.sop):
            if case.has(key) or self.sop.artifacts[key].kind not in ASKED or key in view.generated:
                continue
            action = actions.Action("input", (case.id or 0, step.number, keys.index(key)))
            follow = await buttons.press(self, self._follow_up(turn, "next"), action)
            return replace(answer, replies=[*answer.replies, *follow.replies])
        return answer

    @staticmethod
    def _follow_up(turn: Turn, what: str) -> Turn:
        """A turn for work that follows an answer, under its own update key (the answered
        update is already marked as handled; a redelivery of it repeats neither)."""
        update_id = f"{turn.incoming.update_id}:{what}" if turn.incoming.update_id else None
        return Turn(turn.person, replace(turn.incoming, update_id=update_id, message_ref=None))

    async def _is_answer(self, person: Person, text: str) -> bool:
        """A plain command word ("status …") answering a pending question is just an answer.

        Only "/command" always counts; "batal" alone always cancels.
        """
        plain = text.strip()
        if plain.startswith("/") or plain.lower() == "batal":
            return False
        return await self.prompt_of(person) is not None

