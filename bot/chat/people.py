"""Choosing people for an input (meeting participants): toggle buttons plus typed names."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from bot import actions, cards
from bot.actions import Action
from bot.chat.model import Answer
from bot.chat.session import Chat, Turn
from bot.chat.tasks import refreshed
from bot.errors import StaleAction
from bot.ports import Prompt
from bot.replies import Choice, Reply
from bot.workflow import commands as c


async def ask(core: Chat, turn: Turn, case_id: int, number: int, key: str) -> Answer:
    """Start choosing: every holder of the artifact's role is offered and chosen (the team
    usually attends whole; a tap leaves one out)."""
    role = core.sop.artifacts[key].role or ""
    everyone = [person.id for person in (await core.workflow.roster()).holders(role)]
    data = {"case_id": case_id, "number": number, "artifact": key, "chosen": everyone,
            "typed": []}  # fmt: skip
    reply = await question(core, data)
    return await core.ask(turn, "people", Reply(reply.text_key, reply.params, reply.choices),
                          **data)  # fmt: skip


async def question(core: Chat, data: dict[str, Any]) -> Reply:
    """The choice as it stands: ✅/⬜ per person, names typed so far, and Selesai memilih."""
    artifact = core.sop.artifacts[data["artifact"]]
    roster = await core.workflow.roster()
    people = roster.holders(artifact.role or "")
    choices = [
        Choice("button.toggle_on" if p.id in data["chosen"] else "button.toggle_off",
               actions.encode("toggle", data["case_id"], data["number"], p.id), {"name": p.name})
        for p in people
    ]  # fmt: skip
    tag = data.get("_tag", 0)
    choices.append(Choice("button.done_choosing", actions.encode("done", tag)))
    typed = ", ".join(data["typed"]) or "-"
    params = {"label": artifact.label, "typed": typed}
    cancel = Choice("button.cancel", actions.encode("cancel", tag))
    return Reply("people.question", params, (*choices, cancel))


async def toggle(core: Chat, turn: Turn, action: Action) -> Answer:
    """Add or remove one person; the question message shows the new state."""
    prompt = await _prompt(core, turn)
    case_id, number, person_id = action.args
    if (case_id, number) != (prompt.data["case_id"], prompt.data["number"]):
        raise StaleAction()
    case = await core.case(case_id)
    await core.authorise_task(turn.person, case, core.step_code(number))
    chosen = list(prompt.data["chosen"])
    if person_id in chosen:
        chosen.remove(person_id)
    else:
        chosen.append(person_id)
    data = {**prompt.data, "chosen": chosen}
    await core.ask(turn, "people", Reply("people.question"), **data)
    return Answer(edit=await question(core, data))


async def typed(core: Chat, turn: Turn, prompt: Prompt, text: str) -> Answer:
    """Names typed in (stakeholders who are not registered), separated by commas or lines."""
    names = [n.strip() for n in re.split(r"[,\n;]", text) if n.strip()]
    data = {**prompt.data, "typed": [*prompt.data["typed"], *names]}
    await core.ask(turn, "people", Reply("people.question"), **data)
    # Below the typed names, as a new copy of the question (the one above loses its buttons).
    return Answer([replace(await question(core, data), card=cards.QUESTION)])


async def done(core: Chat, turn: Turn) -> Answer:
    """Record the chosen and typed names as the step's input."""
    prompt = await _prompt(core, turn)
    data = prompt.data
    roster = await core.workflow.roster()
    names = [roster.name(person_id) for person_id in data["chosen"]] + list(data["typed"])
    if not names:
        return Answer.say("people.none")
    code = core.step_code(data["number"])
    command = c.RecordFact(turn.person.id, data["case_id"], code, None, data["artifact"],
                           "; ".join(names))  # fmt: skip
    result = await core.workflow.handle(
        command, update=turn.update, after=core.clearing(turn.person)
    )
    return await refreshed(core, result, code, new_message=True)


async def _prompt(core: Chat, turn: Turn) -> Prompt:
    prompt = await core.prompt_of(turn.person)
    if prompt is None or prompt.kind != "people":
        raise StaleAction()
    return prompt
