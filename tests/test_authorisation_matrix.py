"""Who may do what in chat: every command and every button kind against every role of the SOP,
an unregistered sender and a deactivated person.

Each cell starts from a prepared office state (on the fakes, copied per cell) and sends one
update through the conversation core. An allowed sender gets the action done; anyone else gets
the catalogue's refusal and nothing changes: no state, no audit row, no stored file.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from bot import actions
from bot.chat.core import COMMANDS, ChatCore
from bot.chat.model import Answer, Incoming, Sender
from bot.clock import FixedClock
from bot.config import Settings
from bot.documents import DocumentSettings
from bot.documents.service import CaseDocuments
from bot.ports import Prompt
from bot.sop.loader import load_sop
from bot.uploads import DOCX_MEDIA_TYPE, UploadPolicy
from bot.workflow import commands as c
from bot.workflow.model import Case, Outcome
from tests.fakes import FakeDB, MemoryFileStore, fake_uow_factory
from tests.office import Office
from tests.telegram_office import docx_bytes

SOP = load_sop()
ROLES = tuple(SOP.roles)  # admin, walikota, sekda, kabag, ketua_tim, tkksd
SENDERS = (*ROLES, "unregistered", "deactivated")
EVERYONE = frozenset(ROLES)
PERSON_OF_ROLE = {
    "admin": "admin",
    "kabag": "kabag",
    "ketua_tim": "ketua",
    "tkksd": "tkksd",
    "sekda": "sekda",
    "walikota": "walikota",
}
DOCUMENTS = DocumentSettings.from_settings(Settings(_env_file=None))
UPLOAD = docx_bytes("Lembar disposisi Kabag")
ARTIFACTS = list(SOP.artifacts)
NOT_YOURS, NOT_PERMITTED = "error.not_your_task", "error.not_permitted"


def channel_id(key: str) -> str:
    return f"tg-{key}"


# --- prepared states ---------------------------------------------------------------------------


@dataclass
class Stage:
    """A committed office state: copied for every cell that starts from it."""

    db: FakeDB
    blobs: dict[str, bytes]
    ids: dict[str, int]
    now: datetime
    case_id: int
    case_ref: str
    code: str  # an unused invite code (role tkksd)


async def _intake(office: Office, case: Case) -> None:
    """Step 1 just assigned to the Kabag: nothing chosen, nothing attached."""


async def _assigned(office: Office, case: Case) -> None:
    """Step 1 with the Ketua Tim chosen, the disposition still to make."""
    cmd = c.AssignPerformer(
        office.ids["kabag"], case.id or 0, "penugasan", None, "ketua_tim", office.ids["ketua"]
    )
    await office.workflow.handle(cmd)


async def _step1_ready(office: Office, case: Case) -> None:
    await _assigned(office, case)
    await office.attach("kabag", case, "penugasan", "disposisi_kabag")


async def _step2(office: Office, case: Case) -> None:
    await office.assign_and_dispose(case)


async def _step4(office: Office, case: Case) -> None:
    """At penyusunan (which asks for confirmation) with the initialled draft attached."""
    await office.assign_and_dispose(case)
    await office.prepare(case)
    office.clock.set(datetime(2026, 3, 4, 10, 30, tzinfo=office.clock.now().tzinfo))
    await office.attach("ketua", case, "rapat_koordinasi", "notulensi")
    await office.attach("ketua", case, "rapat_koordinasi", "draft_rancangan")
    await office.act("ketua", c.Complete, case, "rapat_koordinasi")
    await office.attach("ketua", case, "penyusunan", "rancangan_berparaf")


async def _step5(office: Office, case: Case) -> None:
    await _step4(office, case)
    await office.act("ketua", c.Complete, case, "penyusunan")


async def _sekda(office: Office, case: Case) -> None:
    await office.until_sekda(case)


async def _returned(office: Office, case: Case) -> None:
    """Back at penyampaian after the Sekda's return, not yet fixed."""
    await office.until_sekda(case)
    await office.act("sekda", c.Return, case, "telaah_sekda", note="Pasal 3 perlu diperbaiki")


WALKS: dict[str, Callable[[Office, Case], Awaitable[None]]] = {
    "intake": _intake,
    "assigned": _assigned,
    "step1_ready": _step1_ready,
    "step2": _step2,
    "step4": _step4,
    "step5": _step5,
    "sekda": _sekda,
    "returned": _returned,
    "held": _intake,
}
_STAGES: dict[str, Stage] = {}


async def stage(name: str) -> Stage:
    """The prepared state `name`, built once per test session."""
    if name not in _STAGES:
        db, files = FakeDB(), MemoryFileStore()
        files.put(UPLOAD)  # a file someone sent, waiting to be filed (upload_prompt)
        office = await Office(fake_uow_factory(db), files, sop=SOP).hire()
        async with office.uow() as uow:
            for key, person_id in office.ids.items():
                await uow.people.bind_identity(person_id, "telegram", channel_id(key))
            await uow.commit()
        # "held": a ministry as partner, waiting for its approval before step 1 (precondition).
        case = await (office.open(kind="kl_lpnk") if name == "held" else office.open())
        await WALKS[name](office, case)
        code, _ = await office.admin.create_invite("tkksd")
        _STAGES[name] = Stage(
            db, dict(files.blobs), dict(office.ids), office.clock.now(), case.id or 0, case.ref,
            code,
        )  # fmt: skip
    return _STAGES[name]


# --- what is sent, and what an allowed sender gets ---------------------------------------------


@dataclass
class Cell:
    """Everything a cell's checks may look at: the state before and after, and the answer."""

    stage: Stage
    office: Office
    files: MemoryFileStore
    sender: Sender
    person_id: int | None
    state: FakeDB  # committed state, live
    before: FakeDB = field(default_factory=FakeDB)
    blobs_before: dict[str, bytes] = field(default_factory=dict)
    answer: Answer = field(default_factory=Answer)

    def case(self) -> Case:
        return self.state.cases[self.stage.case_id]

    def run(self, step: str) -> Any:
        return self.case().latest_run(step)

    def seen(self) -> list[str]:
        """Text keys the sender sees: new messages, the edited message, the toast."""
        answer = self.answer
        found = [reply.text_key for reply in answer.replies]
        found += [answer.edit.text_key] if answer.edit else []
        found += [answer.toast.text_key] if answer.toast else []
        return found

    def prompt(self) -> Prompt | None:
        return self.state.prompts.get(self.person_id or 0)

    def audited(self) -> bool:
        return len(self.state.audit) > len(self.before.audit)


Check = Callable[[Cell], None]


def replied(key: str, prompt: str | None = None) -> Check:
    def check(cell: Cell) -> None:
        assert key in cell.seen(), cell.seen()
        if prompt is not None:
            found = cell.prompt()
            assert found is not None and found.kind == prompt

    return check


def finished(step: str, outcome: Outcome) -> Check:
    def check(cell: Cell) -> None:
        assert cell.run(step).outcome is outcome
        assert cell.audited()

    return check


def recorded(artifact: str) -> Check:
    def check(cell: Cell) -> None:
        assert cell.case().has(artifact)
        assert cell.audited()

    return check


def answered_without_refusal(cell: Cell) -> None:
    assert cell.seen() and not set(cell.seen()) & REFUSALS, cell.seen()


def registered_as_tkksd(cell: Cell) -> None:
    assert "chat.welcome" in cell.seen()
    person_id = cell.state.identities[("telegram", cell.sender.external_id)]
    assert "tkksd" in cell.state.people[person_id].roles


def assigned_ketua(cell: Cell) -> None:
    assert cell.case().assignments["ketua_tim"] == cell.stage.ids["ketua"]
    assert cell.audited()


def opened_another_case(cell: Cell) -> None:
    assert len(cell.state.cases) == len(cell.before.cases) + 1
    assert cell.audited()


def reported(cell: Cell) -> None:
    assert "chat.report_sent" in cell.seen()
    assert cell.audited()


def toggled(cell: Cell) -> None:
    found = cell.prompt()
    assert "people.question" in cell.seen()
    assert found is not None and found.data["chosen"] == []


REFUSALS = {NOT_YOURS, NOT_PERMITTED, "chat.unregistered", "chat.deactivated",
            "error.stale_action"}  # fmt: skip


@dataclass(frozen=True)
class Act:
    """One row of the matrix: what is sent in which state, who may, and what that does."""

    stage: str
    send: Callable[[Stage], dict[str, str]]
    owners: frozenset[str]
    allowed: Check
    refusal: str = NOT_YOURS
    plant: Callable[[Stage], Prompt] | None = None  # a dialogue the sender is already in


def text(body: Callable[[Stage], str]) -> Callable[[Stage], dict[str, str]]:
    return lambda s: {"text": body(s)}


def press(verb: str, *args: Callable[[Stage], int] | int) -> Callable[[Stage], dict[str, str]]:
    def data(s: Stage) -> dict[str, str]:
        values = [arg(s) if callable(arg) else arg for arg in args]
        return {"action": actions.encode(verb, *values)}

    return data


def case_id(s: Stage) -> int:
    return s.case_id


def run_version(step: str) -> Callable[[Stage], int]:
    return lambda s: s.db.cases[s.case_id].latest_run(step).version


def artifact(key: str) -> int:
    return ARTIFACTS.index(key)


def upload_prompt(s: Stage) -> Prompt:
    sha = hashlib.sha256(UPLOAD).hexdigest()
    data = {"sha256": sha, "size": len(UPLOAD), "filename": "disposisi.docx",
            "media_type": DOCX_MEDIA_TYPE}  # fmt: skip
    return Prompt("upload", data, s.now)


def people_prompt(s: Stage) -> Prompt:
    data = {"case_id": s.case_id, "number": 2, "artifact": "peserta_rapat",
            "chosen": [s.ids["tkksd"]], "typed": []}  # fmt: skip
    return Prompt("people", data, s.now)


def note_prompt(s: Stage) -> Prompt:
    """A return note typed and shown back, waiting for Ya, kembalikan."""
    data = {"verb": "return", "case_id": s.case_id, "number": 7, "message_ref": None,
            "version": run_version("telaah_sekda")(s), "note": "Pasal 3 perlu diperbaiki"}
    return Prompt("noted", data, s.now)  # fmt: skip


def new_case_prompt(stage_name: str, **data: Any) -> Callable[[Stage], Prompt]:
    base = {"partner": "Kementerian Dalam Negeri", "facts": {}, "stage": stage_name}
    return lambda s: Prompt("baru", {**base, **data}, s.now)


LATER = new_case_prompt(
    "fact:persetujuan_kl",
    partner_kind="kl_lpnk",
    subject="Kerja sama data kependudukan",
    facts={"surat_jawaban": "415/1-Tapem", "disposisi_walikota": "Disposisi 005/9"},
)

KABAG, KETUA, SEKDA = frozenset({"kabag"}), frozenset({"ketua_tim"}), frozenset({"sekda"})
COMMAND_ACTS: dict[str, Act] = {
    "start": Act("step2", text(lambda s: f"/start {s.code}"), EVERYONE, registered_as_tkksd),
    "daftar": Act("step2", text(lambda s: f"daftar {s.code}"), EVERYONE, registered_as_tkksd),
    "tugas": Act("step2", text(lambda s: "/tugas"), EVERYONE, answered_without_refusal),
    "baru": Act("step2", text(lambda s: "/baru"), frozenset({"kabag"}),
                replied("baru.ask_partner", "baru"), NOT_PERMITTED),
    "status": Act("step2", text(lambda s: f"/status {s.case_ref}"), EVERYONE,
                  replied("status.case")),
    "riwayat": Act("step2", text(lambda s: f"/riwayat {s.case_ref}"), EVERYONE,
                   replied("history.text")),
    # The performer of an open task, or someone the case assigned (here the Ketua Tim).
    "lapor": Act("step2", text(lambda s: f"/lapor {s.case_ref} Undangan sedang disusun"),
                 KETUA, reported, NOT_PERMITTED),
    "laporan": Act("step2", text(lambda s: f"/laporan {s.case_ref}"), EVERYONE,
                   replied("chat.report_file")),
    "batal": Act("step2", text(lambda s: "/batal"), EVERYONE, replied("chat.nothing_to_cancel")),
    "bantuan": Act("step2", text(lambda s: "/bantuan"), EVERYONE, replied("help.text")),
    "sop": Act("step2", text(lambda s: "/sop"), EVERYONE, replied("sop.text")),
    "saluran": Act("step2", text(lambda s: "/saluran"), EVERYONE, replied("channel.only_one")),
}  # fmt: skip

BUTTON_ACTS: dict[str, Act] = {
    "approve": Act("sekda", press("approve", case_id, 7, run_version("telaah_sekda")), SEKDA,
                   replied("guard.approve")),
    "confirm (approve)": Act("sekda", press("confirm", case_id, 7, run_version("telaah_sekda")),
                             SEKDA, finished("telaah_sekda", Outcome.APPROVED)),
    "noted": Act("sekda", press("noted", case_id, 7, run_version("telaah_sekda")), SEKDA,
                 finished("telaah_sekda", Outcome.RETURNED), plant=note_prompt),
    "checks": Act("sekda", press("checks", case_id, 7), EVERYONE, replied("guard.full_check")),
    "return": Act("sekda", press("return", case_id, 7, run_version("telaah_sekda")), SEKDA,
                  replied("chat.ask_return_note", "note")),
    "complete": Act("step1_ready", press("complete", case_id, 1, run_version("penugasan")),
                    KABAG, finished("penugasan", Outcome.COMPLETED)),
    "complete (asks to confirm)": Act(
        "step4", press("complete", case_id, 4, run_version("penyusunan")), KETUA,
        replied("chat.confirm")),
    "confirm": Act("step4", press("confirm", case_id, 4, run_version("penyusunan")), KETUA,
                   finished("penyusunan", Outcome.COMPLETED)),
    "submit": Act("step5", press("submit", case_id, 5, run_version("penyampaian")), KABAG,
                  finished("penyampaian", Outcome.COMPLETED)),
    "unchanged": Act("returned", press("unchanged", case_id, 5, run_version("penyampaian")),
                     KABAG, replied("chat.ask_unchanged_reason", "note")),
    "skip": Act("intake", press("skip", case_id, 1, run_version("penugasan")), KABAG,
                replied("chat.ask_skip_reason", "note")),
    "input": Act("step2", press("input", case_id, 2, artifact("tempat_rapat")), KETUA,
                 replied("chat.ask_text", "input")),
    "input (precondition)": Act(
        "held", press("input", case_id, 1, artifact("persetujuan_kl")),
        frozenset({"kabag", "admin"}), replied("chat.ask_text", "input"), NOT_PERMITTED),
    "generate": Act("assigned", press("generate", case_id, 1, artifact("disposisi_kabag")),
                    KABAG, recorded("disposisi_kabag")),
    "pick": Act("intake", press("pick", case_id, 1, ROLES.index("ketua_tim"),
                                lambda s: s.ids["ketua"]), KABAG, assigned_ketua),
    "date": Act("step2", press("date", case_id, 2, 20260304), KETUA,
                replied("dates.ask_time", "input")),
    "at": Act("step2", press("at", case_id, 2, 202603040800), KETUA, recorded("waktu_rapat")),
    "task": Act("sekda", press("task", case_id, 7), EVERYONE, replied("task.view")),
    "card": Act("sekda", press("card", case_id, 7), EVERYONE, replied("task.view")),
    "amend": Act("step2", press("amend", case_id, 2), KETUA, replied("task.amend")),
    "upload_to": Act("assigned", press("upload_to", case_id, 1, artifact("disposisi_kabag")),
                     KABAG, recorded("disposisi_kabag"), plant=upload_prompt),
    "kind": Act("step2", press("kind", 0, 0), KABAG, replied("baru.ask_subject", "baru"),
                NOT_PERMITTED, plant=new_case_prompt("partner_kind")),
    # With several SOPs /baru asks which first; here the one SOP is pressed.
    "sop": Act("step2", press("sop", 0, 0), KABAG, replied("baru.ask_kind", "baru"),
               NOT_PERMITTED, plant=new_case_prompt("sop")),
    "toggle": Act("step2", press("toggle", case_id, 2, lambda s: s.ids["tkksd"]), KETUA,
                  toggled, plant=people_prompt),
    "done (people chosen)": Act("step2", press("done", 0), KETUA, recorded("peserta_rapat"),
                                plant=people_prompt),
    "done (open case now)": Act("step2", press("done", 0), KABAG, opened_another_case,
                                NOT_PERMITTED, plant=LATER),
    "cancel": Act("step2", press("cancel", 0), EVERYONE, replied("chat.cancelled")),
    # A second /baru in the middle of a dialogue: go on with it, or leave it for a new case.
    "resume": Act("step2", press("resume", 0), EVERYONE, replied("chat.resume_answer", "baru"),
                  plant=new_case_prompt("subject", partner_kind="pemda")),
    "abandon": Act("step2", press("abandon", 0), KABAG, replied("baru.ask_partner", "baru"),
                   NOT_PERMITTED, plant=new_case_prompt("subject", partner_kind="pemda")),
    # /saluran's button: every sender here has a Telegram account only.
    "channel": Act("step2", press("channel", 0), EVERYONE, replied("channel.set")),
    # The records package of a case (the finish notice's button): permissions.export_records.
    "package": Act("step2", press("package", case_id), frozenset({"kabag", "admin"}),
                   replied("records.package_requested"), NOT_PERMITTED),
}  # fmt: skip


def test_the_matrix_covers_every_command_and_every_button_kind():
    pressed = {name.split(" (")[0] for name in BUTTON_ACTS}

    assert set(COMMAND_ACTS) == set(COMMANDS)
    assert pressed == set(actions.VERBS)


# --- running one cell --------------------------------------------------------------------------


def owner(act: Act) -> str:
    """Whose deactivation the `deactivated` column tests: someone the action is meant for."""
    return PERSON_OF_ROLE["kabag" if "kabag" in act.owners else sorted(act.owners)[0]]


async def run_cell(act: Act, sender_name: str) -> Cell:
    prepared = await stage(act.stage)
    db = copy.deepcopy(prepared.db)
    files = MemoryFileStore()
    files.blobs.update(prepared.blobs)
    clock = FixedClock(prepared.now)
    office = Office(fake_uow_factory(db), files, clock=clock, sop=SOP, ids=dict(prepared.ids))
    core = ChatCore(
        office.workflow, office.admin, files, UploadPolicy.from_settings("docx,pdf", 20),
        CaseDocuments(office.workflow, files, DOCUMENTS),
    )  # fmt: skip
    key = {"unregistered": "stranger", "deactivated": owner(act)}.get(
        sender_name, PERSON_OF_ROLE.get(sender_name, "")
    )
    person_id = prepared.ids.get(key)
    if sender_name == "deactivated":
        await office.admin.set_active(str(person_id), False)
    if act.plant is not None and person_id is not None:
        async with office.uow() as uow:
            await uow.prompts.put(person_id, act.plant(prepared))
            await uow.commit()
    cell = Cell(prepared, office, files, Sender("telegram", channel_id(key)), person_id, db)
    cell.before = copy.deepcopy(db)
    cell.blobs_before = dict(files.blobs)
    cell.answer = await core.handle(Incoming(cell.sender, "u-matrix", **act.send(prepared)))
    return cell


def expected_refusal(act: Act, sender_name: str) -> str | None:
    """The refusal this sender must get, or None when the action is theirs to take."""
    if sender_name == "deactivated":
        return "chat.deactivated"
    if sender_name == "unregistered":
        registering = act.send is COMMAND_ACTS["start"].send or act.send is (
            COMMAND_ACTS["daftar"].send
        )
        return None if registering else "chat.unregistered"
    return None if sender_name in act.owners else act.refusal


def cells(acts: dict[str, Act]) -> list[Any]:
    return [
        pytest.param(act, sender, id=f"{name}-by-{sender}")
        for name, act in acts.items()
        for sender in SENDERS
    ]


async def check_cell(act: Act, sender_name: str) -> None:
    cell = await run_cell(act, sender_name)
    refusal = expected_refusal(act, sender_name)

    if refusal is None:
        act.allowed(cell)
    else:
        assert cell.seen() == [refusal]
        assert cell.state == cell.before, "a refused action changed the state"
        assert cell.files.blobs == cell.blobs_before


@pytest.mark.parametrize("act, sender", cells(COMMAND_ACTS))
async def test_command(act: Act, sender: str) -> None:
    await check_cell(act, sender)


@pytest.mark.parametrize("act, sender", cells(BUTTON_ACTS))
async def test_button(act: Act, sender: str) -> None:
    await check_cell(act, sender)
