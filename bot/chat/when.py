"""The date-and-time question: a typed date, a date button, the time after it, a refusal.

A date without a time (typed, or a date button) is kept in the pending question and the time is
asked next; a time the SOP or the office calendar refuses is answered with the reason and the
nearest accepted times as buttons, and the question stays open.
"""

from __future__ import annotations

from datetime import date, datetime, time

from bot import actions, dates
from bot.actions import Action
from bot.chat.model import Answer
from bot.chat.session import Chat, Turn
from bot.chat.tasks import refreshed
from bot.clock import JAKARTA
from bot.errors import DateRefused, InvalidInput, StaleAction
from bot.fmt import DAYS, MONTHS, format_date
from bot.ports import Prompt
from bot.replies import Choice, Reply
from bot.sop.model import ArtifactKind
from bot.texts import t
from bot.workflow import commands as c
from bot.workflow import rules
from bot.workflow.model import Case, StepRun


async def not_too_early(core: Chat, case: Case, run: StepRun, key: str) -> None:
    """Refuse at the press what could not be recorded yet (the minutes before the meeting).

    Only for inputs that are not themselves times: those are checked when typed.
    """
    if core.sop.artifacts[key].kind in (ArtifactKind.DATETIME, ArtifactKind.DATE):
        return
    view = await core.view()
    if view.calendar is not None:
        step = core.sop.step(run.step_code)
        rules.check_time(case, step, run, key, "", core.sop, core.clock.now(), view.calendar)


def datetime_key(core: Chat, number: int) -> str:
    """The step's date-and-time input (the meeting time, the signing date)."""
    step = core.sop.step(core.step_code(number))
    for key in step.needs + step.produces + step.collects:
        if core.sop.artifacts[key].kind is ArtifactKind.DATETIME:
            return key
    raise StaleAction()


async def typed(core: Chat, turn: Turn, prompt: Prompt, text: str) -> Answer:
    """A typed answer to the date-and-time question."""
    data = prompt.data
    kept = data.get("day")
    clock = dates.read_time(text) if kept else None
    if kept and clock is not None:
        return await record(core, turn, data, dates.Reading(date.fromisoformat(kept), clock))
    try:
        reading = dates.read(text, core.clock.now())
    except InvalidInput:
        if kept:
            raise InvalidInput(reason=t("dates.time_unreadable", value=text.strip())) from None
        raise
    if reading.clock is None:
        return await ask_time(core, turn, data, reading.day)
    return await record(core, turn, data, reading)


async def ask_time(core: Chat, turn: Turn, data: dict[str, object], day: date) -> Answer:
    """Keep the day in the question and ask for the time only."""
    key = str(data["artifact"])
    reply = Reply(
        "dates.ask_time", {"day": format_date(day), "label": core.sop.artifact_label(key)}
    )
    return await core.ask(turn, "input", reply, **{**data, "day": day.isoformat()})


async def record(
    core: Chat, turn: Turn, data: dict[str, object], reading: dates.Reading
) -> Answer:
    """Record the time, or refuse it with the nearest accepted ones as buttons."""
    case_id, number = int(str(data["case_id"])), int(str(data["number"]))
    key = str(data["artifact"])
    code = core.step_code(number)
    command = c.RecordFact(turn.person.id, case_id, code, None, key, reading.at().isoformat())
    try:
        result = await core.workflow.handle(
            command, update=turn.update, after=core.clearing(turn.person)
        )
    except DateRefused as refused:
        return refusal(case_id, number, refused)
    return await refreshed(core, result, code, new_message=True)


def refusal(case_id: int, number: int, refused: DateRefused) -> Answer:
    """The reason, and the nearest accepted times as buttons (plus Batal)."""
    choices = tuple(
        Choice("button.at", actions.encode("at", case_id, number, _stamp(at)), {"when": short(at)})
        for at in refused.choices
    )
    cancel = Choice("button.cancel", actions.encode("cancel", 0))
    return Answer([Reply("dates.refused", dict(refused.params), (*choices, cancel))])


async def pick_day(core: Chat, turn: Turn, action: Action) -> Answer:
    """A date button under the question: keep the day, ask the time."""
    case_id, number, yyyymmdd = action.args
    day = _day(yyyymmdd)
    case, run = await core.run_of(case_id, number)
    if run is None:
        raise StaleAction()
    await core.authorise_task(turn.person, case, run.step_code)
    data: dict[str, object] = {
        "case_id": case_id, "number": number, "artifact": datetime_key(core, number),
        "message_ref": turn.incoming.message_ref,
    }  # fmt: skip
    return await ask_time(core, turn, data, day)


async def pick_at(core: Chat, turn: Turn, action: Action) -> Answer:
    """One of the nearest accepted times offered with a refusal."""
    case_id, number, stamp = action.args
    day = _day(stamp // 10000)
    hour, minute = stamp // 100 % 100, stamp % 100
    if hour > 23 or minute > 59:
        raise StaleAction()
    data: dict[str, object] = {
        "case_id": case_id,
        "number": number,
        "artifact": datetime_key(core, number),
    }
    return await record(core, turn, data, dates.Reading(day, time(hour, minute)))


def short(at: datetime) -> str:
    """`Sen, 14 Des 09.00`: a time on a button (at most 20 characters)."""
    local = at.astimezone(JAKARTA)
    return f"{DAYS[local.weekday()][:3]}, {local.day} {MONTHS[local.month - 1][:3]} {local:%H.%M}"


def _stamp(at: datetime) -> int:
    return int(at.astimezone(JAKARTA).strftime("%Y%m%d%H%M"))


def _day(yyyymmdd: int) -> date:
    try:
        return date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    except ValueError:
        raise StaleAction() from None
