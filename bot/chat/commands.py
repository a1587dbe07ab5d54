"""Slash commands (Telegram) and command words (WhatsApp): the same words on both."""

from __future__ import annotations

from bot import actions
from bot.address import address_among
from bot.chat import channels, newcase
from bot.chat.model import Answer, Sender
from bot.chat.screens import case_history, case_status, help_text, my_cases, sop_summary
from bot.chat.session import Chat, Turn
from bot.errors import InvalidInput
from bot.replies import Choice, Reply
from bot.sop.model import Step
from bot.texts import t
from bot.views import ViewContext, task_view
from bot.workflow import commands as c
from bot.workflow.model import Case, CaseStatus, Person
from bot.workflow.notify import document_reply
from bot.workflow.queries import WaitingItem, tasks_of


async def start(core: Chat, sender: Sender, person: Person | None, code: str) -> Answer:
    """`/start CODE`: register with an invite code; without one, say how to get one."""
    if not code:
        if person is None:
            return Answer.say("chat.start_how")
        return Answer(
            [Reply("chat.already_registered", {"name": person.name}), help_text(core, person)]
        )
    registered = await core.registered(sender, code)
    assert registered is not None
    # Roles are shared by key across the SOPs; one the SOPs title differently is named by each.
    titles = [" / ".join(core.sops.role_titles(r)) for r in sorted(registered.roles)]
    roles = ", ".join(title for title in titles if title)
    welcome = Reply("chat.welcome", {"address": address_among(registered, core.sops),
                                     "roles": roles})  # fmt: skip
    return Answer([welcome, help_text(core, registered)])


async def run(core: Chat, turn: Turn, command: str, arg: str) -> Answer:
    """Dispatch a command word."""
    handlers = {
        "tugas": tasks,
        "baru": newcase.start_new_case,
        "status": status,
        "riwayat": history,
        "lapor": report,
        "laporan": compliance,
        "batal": cancel,
        "bantuan": show_help,
        "sop": show_sop,
        "saluran": channels.show_or_set,
    }
    handler = handlers.get(command)
    if handler is None:
        return Answer.say("chat.unknown_command", command=command)
    return await handler(core, turn, arg)


async def show_help(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/bantuan`: what I can do here."""
    return Answer([help_text(core, turn.person)])


async def show_sop(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/sop`: the SOP's steps (each SOP's, when several run); `/sop KODE` one SOP's."""
    chosen = core.sops.find(arg) if arg else None
    shown = [chosen] if chosen is not None else list(core.sops.current)
    return Answer([sop_summary(sop) for sop in shown])


async def cancel(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/batal`: forget the pending question."""
    prompt = await core.prompt_of(turn.person)
    await core.clear_prompt(turn.person)
    return Answer.say("chat.cancelled" if prompt else "chat.nothing_to_cancel")


async def tasks(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/tugas`: each open task of mine as its own message with its buttons, across SOPs;
    `/tugas KODE` only those of that SOP."""
    view = await core.view()
    items = await core.workflow.waiting()
    wanted = core.sops.find(arg) if arg else None
    if wanted is not None:
        items = [item for item in items if item.sop_code == wanted.code]
    mine = tasks_of(turn.person.id, items, view.roster, core.clock.now())
    shown: list[Reply] = []
    count = 0
    for item in mine:
        case = await core.case(item.case_id)
        run = case.current_run(item.step_code)
        if run is not None:
            count += 1
            seen = core.view_of(case, view)
            shown.append(task_view(case, run, seen))
            shown += _review_documents(case, seen.sop.step(run.step_code), seen)
    held = await _held_cases(core, turn, items)
    count += len(held)
    if not count:
        return Answer.say("chat.no_tasks")
    return Answer([Reply("chat.tasks_header", {"count": count}), *shown, *held])


def _review_documents(case: Case, step: Step, view: ViewContext) -> list[Reply]:
    """A reviewer's card is followed by what they review: each document the step needs, in
    its latest version, as a file with its caption."""
    if not step.decisions:
        return []
    found = (case.artifacts.get(key) for key in step.needs)
    return [
        document_reply(case, v, view.sop, view.roster)
        for v in found
        if v is not None and v.document_id
    ]


async def _held_cases(core: Chat, turn: Turn, items: list[WaitingItem]) -> list[Reply]:
    """Cases I opened that wait for their precondition, with a button to record it."""
    out = []
    for item in items:
        if item.run_version is None and item.assignee_id == turn.person.id:
            case = await core.case(item.case_id)
            first = core.sop.first_step
            if first.precondition is None:
                continue
            keys = list(core.sop.artifacts)
            choices = tuple(
                Choice("button.fill", actions.encode("input", item.case_id, first.number,
                       keys.index(key)), {"label": core.sop.artifact_label(key)})
                for key in first.precondition.requires
                if not case.has(key)
            )  # fmt: skip
            out.append(Reply("chat.case_waiting", {"ref": case.ref, "subject": case.subject,
                             "description": first.precondition.description}, choices))  # fmt: skip
    return out


async def status(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/status [CASE]`: one case in detail, or my cases in short; `/status KODE` only the
    cases of that SOP."""
    view = await core.view()
    sop = core.sops.find(arg) if arg else None
    if arg and sop is None:
        case = await core.case_by_ref(arg)
        return Answer([case_status(case, core.view_of(case, view))])
    cases = await core.workflow.cases(active_only=True)
    if sop is not None:
        cases = [case for case in cases if core.sops.for_case(case).code == sop.code]
    return Answer([my_cases(cases, turn.person, view, core.sops)])


async def history(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/riwayat CASE`: the case's timeline, every return with its note."""
    if not arg:
        return Answer.say("chat.usage", usage=t("usage.riwayat"))
    case = await core.case_by_ref(arg)
    return Answer([case_history(case, await core.view())])


async def report(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/lapor CASE teks`: a progress report, passed to the reporter's superior."""
    ref, _, text = arg.partition(" ")
    if not ref or not text.strip():
        return Answer.say("chat.usage", usage=t("usage.lapor"))
    case = await core.case_by_ref(ref)
    if case.status not in (CaseStatus.RUNNING, CaseStatus.WAITING):
        raise InvalidInput(reason=t("error.case_closed", ref=case.ref,
                                    status=t(f"status.{case.status}")))  # fmt: skip
    result = await core.workflow.handle(
        c.ReportProgress(turn.person.id, case.id or 0, text.strip()), update=turn.update
    )
    return Answer() if result.duplicate else Answer.say("chat.report_sent", ref=case.ref)


async def compliance(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/laporan CASE`: the compliance report as a file."""
    if not arg:
        return Answer.say("chat.usage", usage=t("usage.laporan"))
    case = await core.case_by_ref(arg)
    if core.documents is None:
        return Answer.say("chat.generate_unavailable")
    stored = await core.documents.report(case)
    from bot.replies import FileRef

    file = FileRef(stored.sha256, stored.filename, stored.media_type)
    return Answer([Reply("chat.report_file", {"ref": case.ref}, files=(file,))])
