"""What every chat handler works with: the services behind the conversation and the turn.

The handlers (`commands`, `buttons`, `dialogues`, …) take a `Chat`; `bot.chat.core.ChatCore`
adds the dispatch on top of it. So the handlers import this module and each other in a tree,
never the dispatcher.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot import actions, cards
from bot.admin import Admin
from bot.chat.model import Answer, Incoming, Sender
from bot.errors import InvalidInvite, NotYourTask
from bot.ports import Clock, FileStore, Prompt, UnitOfWork, UnitOfWorkFactory
from bot.replies import Choice, Reply
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.uploads import UploadPolicy
from bot.views import ViewContext
from bot.workflow.model import Case, Person, StepRun
from bot.workflow.service import Result, StoredFile, UpdateKey, Workflow

logger = logging.getLogger(__name__)

# The SOP version the update being answered works on (`Chat.sop`): every handler reads the
# SOP through `core.sop`, and a case runs on its own SOP version to the end. Set when the
# turn loads a case; `ChatCore.handle` starts each update without one.
_TURN_SOP: ContextVar[Sop | None] = ContextVar("turn_sop", default=None)


class DocumentMaker(Protocol):
    """What the conversation needs from the document builders."""

    CHECKED: frozenset[str]
    QUESTIONS: Mapping[str, tuple[str, ...]]

    async def generate(
        self, key: str, case: Case, person: Person, answers: Mapping[str, str] | None = None
    ) -> StoredFile: ...
    # Build and record on the step in one transaction (a naskah takes its agenda number there).
    async def issue(
        self,
        key: str,
        case: Case,
        step_code: str,
        person: Person,
        answers: Mapping[str, str] | None = None,
        *,
        update: UpdateKey | None = None,
        after: Callable[[UnitOfWork], Awaitable[None]] | None = None,
    ) -> Result: ...
    async def report(self, case: Case) -> StoredFile: ...
    async def check(self, case: Case, data: bytes) -> Checklist: ...
    async def changes(
        self, case: Case, old: tuple[str, int], new: tuple[str, int]
    ) -> Comparison | None: ...


class CheckPoint(Protocol):
    @property
    def text(self) -> str: ...


class Checklist(Protocol):
    def as_text(self) -> str: ...
    def failed(self) -> Sequence[CheckPoint]: ...


class Comparison(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def file(self) -> StoredFile: ...


@dataclass(frozen=True)
class Turn:
    """One incoming update as the handlers see it: who, what, and how to dedupe it."""

    person: Person
    incoming: Incoming

    @property
    def update(self) -> UpdateKey | None:
        """The platform update's key, so a redelivery is acted on once."""
        if self.incoming.update_id is None:
            return None
        return UpdateKey(self.incoming.sender.channel, self.incoming.update_id)


def tagged(choices: tuple[Choice, ...], tag: int) -> tuple[Choice, ...]:
    """Dialogue buttons bound to the dialogue with `tag` (other buttons as they are)."""
    out = []
    for choice in choices:
        action = actions.decode(choice.action)
        if action.verb in actions.PROMPT_BOUND:
            data = actions.encode(action.verb, *action.args[:-1], tag)
            choice = Choice(choice.label_key, data, choice.params)
        out.append(choice)
    return tuple(out)


class Chat:
    """The services a conversation uses, and the helpers every handler shares."""

    def __init__(
        self,
        workflow: Workflow,
        admin: Admin,
        files: FileStore,
        policy: UploadPolicy,
        documents: DocumentMaker | None = None,
    ) -> None:
        self.workflow = workflow
        self.admin = admin
        self.files = files
        self.policy = policy
        self.documents = documents

    @property
    def sop(self) -> Sop:
        """The SOP version this turn works on: that of the case it loaded last (`case`), or
        the one chosen for a new case (`scope`); before either, the deployment's first SOP."""
        return _TURN_SOP.get() or self.workflow.sop

    @property
    def sops(self) -> SopRegistry:
        """Every SOP of the deployment, in every version its cases run on."""
        return self.workflow.sops

    def scope(self, sop: Sop | None) -> None:
        """Work on `sop` for the rest of this turn (None: the deployment's first SOP)."""
        _TURN_SOP.set(sop)

    async def case(self, case_id: int) -> Case:
        """A case by id; the rest of the turn reads the SOP version the case runs on."""
        case = await self.workflow.get(case_id)
        self.scope(self.sops.for_case(case))
        return case

    async def scope_case(self, case_id: int) -> None:
        """Work on the SOP version of that case, if it exists (a press or an answer on it)."""
        from bot.errors import CaseNotFound

        try:
            await self.case(case_id)
        except CaseNotFound:
            return

    def scope_prompt(self, prompt: Prompt | None) -> None:
        """A new-case dialogue works on the SOP chosen for it (`data["sop"]`)."""
        code = prompt.data.get("sop") if prompt is not None else None
        if isinstance(code, str) and (sop := self.sops.find(code)) is not None:
            self.scope(sop)

    def view_of(self, case: Case, view: ViewContext) -> ViewContext:
        """`view` read against the case's own SOP version (for lists across SOPs)."""
        return replace(view, sop=self.sops.for_case(case))

    @property
    def clock(self) -> Clock:
        """The workflow's clock."""
        return self.workflow.clock

    @property
    def uow(self) -> UnitOfWorkFactory:
        """The unit of work factory."""
        return self.workflow.uow

    async def person_of(self, sender: Sender) -> Person | None:
        """The registered person behind a chat account, if any."""
        async with self.uow() as uow:
            return await uow.people.by_identity(sender.channel, sender.external_id)

    async def prompt_of(self, person: Person) -> Prompt | None:
        """The dialogue question waiting for this person's answer."""
        async with self.uow() as uow:
            return await uow.prompts.get(person.id)

    async def ask(self, turn: Turn, kind: str, reply: Reply, **data: Any) -> Answer:
        """Store what the next answer is for, and ask for it (with a Batal button).

        The question's buttons carry its dialogue's tag (`actions.PROMPT_BOUND`): a dialogue
        going on keeps its tag (`data["_tag"]`), a new one gets a new tag, so the buttons of
        a discarded dialogue are told apart from the current one's. The question is kept
        (`data["_question"]`) to be asked again when the person chooses to go on with it.
        """
        async with self.uow() as uow:
            if turn.update and await uow.updates.seen(
                turn.update.channel, turn.update.update_id, self.clock.now()
            ):
                return Answer()
            tag = data.get("_tag") or await self._new_tag(uow, turn.person)
            choices = tagged(reply.choices, tag)
            cancel = Choice("button.cancel", actions.encode("cancel", tag))
            if cancel not in choices:
                choices = (*choices, cancel)
            question = Reply(reply.text_key, reply.params, choices, card=cards.QUESTION)
            data = {**data, "_tag": tag, "_question": question.to_json()}
            await uow.prompts.put(turn.person.id, Prompt(kind, data, self.clock.now()))
            await uow.commit()
        return Answer([question])

    @staticmethod
    async def _new_tag(uow: UnitOfWork, person: Person) -> int:
        """A tag for a new dialogue, never the one of the dialogue it replaces."""
        old = await uow.prompts.get(person.id)
        current = old.data.get("_tag") if old is not None else None
        while (tag := secrets.randbelow(999_999) + 1) == current:
            continue
        return tag

    async def bound_prompt(self, person: Person, tag: int) -> Prompt | None:
        """The pending dialogue a button with that tag belongs to, or None when it is gone."""
        prompt = await self.prompt_of(person)
        if prompt is None or prompt.data.get("_tag", 0) != tag:
            return None
        return prompt

    def clearing(self, person: Person) -> Callable[[UnitOfWork], Awaitable[None]]:
        """An after-hook that ends the person's dialogue in the command's own transaction."""

        async def clear(uow: UnitOfWork) -> None:
            await uow.prompts.clear(person.id)

        return clear

    async def clear_prompt(self, person: Person) -> None:
        """End the person's dialogue."""
        async with self.uow() as uow:
            await uow.prompts.clear(person.id)
            await uow.commit()

    async def authorise_task(
        self, person: Person, case: Case, step_code: str, key: str | None = None
    ) -> None:
        """Raise NotYourTask (or StaleAction) unless `person` may act on the step's open task
        (with `key`: may record that input, as someone a return names to fix it may).

        For presses that only start a dialogue or build a file: the engine checks every command
        again, but nobody should be asked questions or get work done for a task not theirs.
        """
        from bot.workflow import commands, rules

        roster = await self.workflow.roster()
        probe = commands.RecordFact(person.id, case.id or 0, step_code)
        if key is None:
            rules.open_task(case, probe, self.sop, roster, self.clock.now(), pinned=False)
        else:
            rules.open_input(case, probe, key, self.sop, roster, self.clock.now())

    async def performs(self, person: Person, case: Case, step_code: str) -> bool:
        """Whether the step's open task is `person`'s own (or theirs as Plt./Plh.)."""
        try:
            await self.authorise_task(person, case, step_code)
        except NotYourTask:
            return False
        return True

    async def authorise(self, person: Person, permission: str) -> None:
        """Raise NotPermitted unless `person` (or whom they act for) holds the permission."""
        from bot.workflow import rules

        roster = await self.workflow.roster()
        rules.authorise_permission(person.id, permission, self.sop, roster, self.clock.now())

    async def view(self) -> ViewContext:
        """Everything a task view needs, as of now."""
        async with self.uow() as uow:
            ctx = await self.workflow.context(uow)
        return ViewContext(self.sop, ctx.roster, ctx.calendar, ctx.now, self.workflow.generated)

    async def case_by_ref(self, ref: str) -> Case:
        """A case by its reference number, as typed (`kb-2026-0001` works too); the rest of
        the turn reads the SOP version the case runs on."""
        case = await self.workflow.get(ref.strip().upper())
        self.scope(self.sops.for_case(case))
        return case

    def step_code(self, number: int) -> str:
        """The code of the step with that SOP number (StaleAction if there is none)."""
        from bot.errors import StaleAction

        for step in self.sop.steps:
            if step.number == number:
                return step.code
        raise StaleAction()

    async def run_of(self, case_id: int, number: int) -> tuple[Case, StepRun | None]:
        """A case and the open run of the step with that number."""
        case = await self.case(case_id)
        return case, case.current_run(self.step_code(number))

    async def registered(self, sender: Sender, code: str) -> Person | None:
        """Redeem an invite code; a redelivered /start of an already used code is no error."""
        try:
            return await self.admin.accept_invite(
                code, sender.channel, sender.external_id, sender.name
            )
        except InvalidInvite as error:
            person = await self.person_of(sender)
            if person is not None and error.params.get("reason") == "used":
                return person
            raise

    async def admin_chats(self, channel: str) -> list[str]:
        """Where to send tracebacks: the active admins' accounts on a channel."""
        roster = await self.workflow.roster()
        chats = []
        async with self.uow() as uow:
            for person in roster.holders("admin"):
                chats += [ext for ch, ext in await uow.people.identities_of(person.id)
                          if ch == channel]  # fmt: skip
        return chats

    async def result_answer(self, result: Result, edit: Reply | None) -> Answer:
        """After a command: the pressed message's new content (or nothing on a duplicate)."""
        if result.duplicate:
            return Answer()
        return Answer(edit=edit) if edit is not None else Answer()
