"""`sopbot demo`: the real bot, offline, against the Bot API stand-in; five officials, one case.

The Kabag, the Ketua Tim, the Sekda, the Wali Kota and a TKKSD member are simulated Telegram
users. They walk SOP 54/2025 from the disposition to the signing schedule, with one return by
the Sekda, on a clock that moves through real 2026 office days. The conversation is printed as
it happens and every document, the compliance report and its chart are written to a folder.
Then the bot starts again with a second SOP (the Perjanjian Kerja Sama sample) beside SOP
54/2025, and the Kabag opens a case of it: /baru first asks which SOP.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from docx import Document

from bot.casefile import describe
from bot.clock import JAKARTA, FixedClock
from bot.config import Settings
from bot.documents import DocumentSettings
from bot.reports.chart import timeline_png
from bot.reports.service import Reports
from bot.workflow.model import Case
from handlers.telegram.standin import SimUser, StandIn

CAST: dict[str, tuple[int, str, str, str]] = {
    "kabag": (1001, "kabag", "Drs. Budi Santoso, M.Si.", "Kabag Tapem"),
    "ketua": (1002, "ketua_tim", "Siti Rahmawati, S.H.", "Ketua Tim"),
    "tkksd": (1005, "tkksd", "Rina Marlina, S.E.", "TKKSD"),
    "sekda": (1003, "sekda", "Dr. Hendra Wijaya, M.M.", "Sekda"),
    "walikota": (1004, "walikota", "H. Sachrudin", "Wali Kota"),
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SOP54 = Path(str(resources.files("bot.sop") / "sop54_2025.yaml"))
PKS = Path(str(resources.files("bot.sop") / "samples" / "pks_2025.yaml"))


class Stage:
    """The stand-in, the bot and a printer of everything that passes between them."""

    def __init__(self, say: Callable[[str], None], data_dir: Path) -> None:
        self.say = say
        self.data_dir = data_dir
        self.clock = FixedClock(datetime(2026, 3, 16, 8, 0, tzinfo=JAKARTA))
        self.standin = StandIn()
        self.users: dict[str, SimUser] = {}
        self.names = {user_id: label for user_id, _, _, label in CAST.values()}
        self._printed = 0
        self.sop_dir: Path | None = None  # the second act's SOPs beside SOP 54/2025
        # Set by the composition root when it starts the bot on this stage (bot.bootstrap).
        self.app: Any  # bot.bootstrap.App
        self.service: Any  # bot.bootstrap.Service

    def settings(self) -> Settings:
        """Settings for an offline run: the stand-in's URLs, a throw-away data folder."""
        settings = Settings(
            telegram_bot_token="123456:DEMO",  # type: ignore[arg-type]
            telegram_base_url="http://standin/bot",
            telegram_base_file_url="http://standin/file/bot",
            sopbot_data_dir=self.data_dir,
            database_url=None,
        )
        if self.sop_dir is None:
            return settings
        # The second act: the shipped SOP 54/2025 first, the SOPs of `sop_dir` beside it.
        second = {"sopbot_sop_file": SOP54, "sopbot_sop_dir": self.sop_dir}
        return settings.model_copy(update=second)

    def at(self, iso: str) -> None:
        """Move the clock and print the new time."""
        self.clock.set(datetime.fromisoformat(iso).replace(tzinfo=JAKARTA))
        self.say(f"\n— {self.clock.now():%d-%m-%Y %H.%M} WIB —")

    async def send(self, who: str, text: str) -> None:
        """A person types a message."""
        self.say(f"👤 {CAST[who][3]}: {text}")
        self.users[who].send(text)
        await self._settle()

    async def press(self, who: str, label: str) -> None:
        """A person presses a button on the newest message that has it."""
        self.say(f"👤 {CAST[who][3]}: [{label}]")
        self.users[who].press(label)
        await self._settle()

    async def upload(self, who: str, filename: str, data: bytes) -> None:
        """A person sends a .docx file."""
        self.say(f"👤 {CAST[who][3]}: 📎 {filename}")
        self.users[who].upload(filename, data, DOCX)
        await self._settle()

    async def settle(self) -> None:
        """Wait until the bot has sent what it queued, and print it."""
        await self._settle()

    async def _settle(self) -> None:
        await self.standin.settle()
        for call in self.standin.calls[self._printed :]:
            self._print(call.method, call.params)
        self._printed = len(self.standin.calls)

    def _print(self, method: str, params: dict[str, Any]) -> None:
        who = self.names.get(int(params.get("chat_id", 0) or 0), "?")
        if method == "sendMessage":
            buttons = _labels(params.get("reply_markup"))
            body = str(params.get("text", "")).replace("\n", "\n        ")
            self.say(f"  🤖 → {who}: {body}" + (f"\n        {buttons}" if buttons else ""))
        elif method == "editMessageText":
            self.say(f"  🤖 ✎ {who}: {str(params.get('text', '')).splitlines()[0]}")
        elif method == "sendDocument":
            document = params.get("document")
            name = getattr(document, "filename", None) or "berkas"
            self.say(f"  🤖 → {who}: 📎 {name}")


def _labels(markup: Any) -> str:
    if not isinstance(markup, dict):
        return ""
    rows = markup.get("inline_keyboard") or []
    return "  ".join(f"[{button.get('text')}]" for row in rows for button in row)


def revised(data: bytes, line: str) -> bytes:
    """The same .docx with one paragraph added (a corrected draft)."""
    document = Document(io.BytesIO(data))
    document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def register(stage: Stage) -> None:
    """Everyone redeems a single-use invite code, as with `sopbot invite`."""
    for key, (user_id, role, name, _) in CAST.items():
        code, _ = await stage.app.admin.create_invite(role, name)
        stage.users[key] = stage.standin.user(user_id, name.split()[0])
        await stage.send(key, f"/start {code}")


async def write_outputs(stage: Stage, case: Case, out: Path) -> list[str]:
    """Every document of the case, its compliance report (docx, csv, chart), its history."""
    app = stage.app
    reports = Reports(app.workflow, DocumentSettings.from_settings(app.settings))
    figures = await reports.case(case.id or 0)
    async with app.uow() as uow:
        documents = await uow.documents.list_for_case(case.id or 0)
        trail = await uow.audit.all()
    files = {f"{d.kind}-v{d.version}-{d.filename}": app.files.read(d.sha256) for d in documents}
    for built in (reports.docx(figures), reports.csv(figures)):
        files[built.filename] = built.data
    files[f"{case.ref}-grafik.png"] = timeline_png(figures)
    roster = await app.workflow.roster()
    files[f"{case.ref}-riwayat.txt"] = describe(case, app.sop, roster).encode()
    files["jejak-audit.jsonl"] = "".join(
        json.dumps({"id": r.id, "kind": r.entry.kind, "at": r.entry.at.isoformat(),
                    "actor": roster.name(r.entry.actor_id), "case": r.entry.case_ref,
                    "data": r.entry.data, "hash": r.hash}, ensure_ascii=False) + "\n"
        for r in trail
    ).encode()  # fmt: skip
    verified = await app.admin.verify_audit()
    assert verified.ok, verified
    # The official records: the SRIKANDI registration package and the case archive.
    assert app.records is not None
    for package in (await app.records.srikandi(case.ref), await app.records.archive(case.ref)):
        files[package.filename] = package.data
    save(out, files)
    return sorted(files)


def save(out: Path, files: dict[str, bytes]) -> None:
    """Write the files into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)


async def play(stage: Stage) -> Case:
    """SOP 54/2025 from the disposition to the signing schedule, with one return by the Sekda."""
    await stage.send("kabag", "/baru Pemerintah Kota Bandung | Kerja sama pengelolaan sampah")
    await stage.press("kabag", "Pemerintah Daerah lain")
    await stage.send("kabag", "415.4/123-Tapem, 12 Maret 2026")
    await stage.send("kabag", "Disposisi Wali Kota No. 005/123-Tapem")
    await stage.press("kabag", "Siti Rahmawati")
    await stage.press("kabag", "Buat Lembar disposisi")
    await stage.press("kabag", "Selesai")
    stage.at("2026-03-16T10:00")
    await stage.press("ketua", "Isi Tempat rapat")
    await stage.send(
        "ketua", "Ruang Rapat Bagian Tata Pemerintahan Lt. 3; proyektor dan pengeras suara"
    )
    # The card asks on: the time (then the TKKSD are invited and the surat undangan built),
    # the agenda.
    await stage.send("ketua", "2026-03-17 09:00")
    await stage.send("ketua", "Pembahasan rancangan kesepakatan bersama pengelolaan sampah")
    await stage.press("ketua", "Buat Draft rancangan")
    await stage.press("ketua", "Selesai")
    stage.at("2026-03-17T11:00")
    await stage.press("ketua", "Buat Notulensi")
    await stage.send("ketua", "Ruang lingkup pengelolaan sampah\nPembagian biaya operasional")
    await stage.send("ketua", "Draft disempurnakan dan diparaf sebelum 27 Maret")
    await stage.press("ketua", "Selesai")
    # 18–24 March 2026: Nyepi, Idul Fitri and cuti bersama; the work resumes on the 25th.
    stage.at("2026-03-26T14:00")
    opened: Case = await stage.app.workflow.get("KB-2026-0001")
    draft = stage.app.files.read(opened.artifacts["draft_rancangan"].value)
    await stage.press("ketua", "Unggah Rancangan Kesepakatan Bersama berparaf")
    await stage.upload("ketua", "rancangan-kb-paraf.docx", draft)
    await stage.press("ketua", "Selesai")
    await stage.press("ketua", "Ya, Selesai")
    stage.at("2026-03-26T14:10")
    await stage.press("kabag", "Sampaikan")
    stage.at("2026-03-26T14:20")
    await stage.press("sekda", "Kembalikan")
    await stage.send("sekda", "Pasal pembiayaan perlu merinci pembagian biaya operasional.")
    await stage.press("sekda", "Ya, kembalikan")
    stage.at("2026-03-27T09:00")
    fixed = revised(draft, "Biaya operasional ditanggung bersama secara proporsional.")
    await stage.send("kabag", "/tugas")
    await stage.upload("kabag", "rancangan-kb-paraf-v2.docx", fixed)
    await stage.press("kabag", "Sampaikan")
    stage.at("2026-03-27T09:10")
    await stage.press("sekda", "Setujui")
    await stage.press("sekda", "Ya, setujui")
    stage.at("2026-03-27T09:20")
    await stage.press("walikota", "Setujui")
    await stage.press("walikota", "Ya, setujui")
    stage.at("2026-03-27T10:00")
    await stage.press("walikota", "Isi Rencana waktu")
    await stage.send("walikota", "2026-04-06 10:00")
    await stage.press("walikota", "Selesai")
    await sign_and_register(stage)
    finished: Case = await stage.app.workflow.get("KB-2026-0001")
    return finished


async def sign_and_register(stage: Stage) -> None:
    """The agreement is signed on the planned day and takes its number; the Kabag asks for the
    SRIKANDI package with the finish notice's button and receives it."""
    records = stage.app.records
    assert records is not None
    stage.at("2026-04-06T11:00")
    entry = await records.record_signing("KB-2026-0001", date(2026, 4, 6))
    stage.say(f"$ sopbot register sign KB-2026-0001 --on 2026-04-06  → nomor {entry.nomor}")
    await stage.press("kabag", "Paket SRIKANDI")
    await records.process_exports()  # the periodic work of `sopbot run` builds and sends it
    stage.service.runtime.delivery.wake()
    await stage.settle()


async def perform(stage: Stage, out: Path) -> Case:
    """Play the whole case on a started stage and write its documents to `out`."""
    stage.say(f"SOP {stage.app.sop.number}: {stage.app.sop.title}\n")
    await register(stage)
    stage.at("2026-03-16T08:00")
    case = await play(stage)
    written = await write_outputs(stage, case, out)
    stage.say("\n" + "\n".join(f"  {name}" for name in written))
    return case


def second_sops(data_dir: Path) -> Path:
    """A folder holding the sample second SOP (Perjanjian Kerja Sama)."""
    folder = data_dir / "sops"
    folder.mkdir(exist_ok=True)
    (folder / PKS.name).write_bytes(PKS.read_bytes())
    return folder


async def second_act(stage: Stage) -> Case:
    """With a second SOP loaded beside SOP 54/2025, the Kabag opens a Perjanjian Kerja Sama
    case carrying out the agreement just signed: /baru asks which SOP first."""
    pks = stage.app.registry.find("pks-2025")
    records = stage.app.records
    assert pks is not None and records is not None
    [signed] = await records.entries(kind="kb")
    stage.say(f"\nSOP {pks.number}: {pks.title}\n")
    stage.at("2026-04-07T08:00")
    await stage.send("kabag", "/baru Pemerintah Kota Bandung | PKS pengelolaan sampah")
    await stage.press("kabag", pks.title)
    await stage.press("kabag", "Pemerintah Daerah lain")
    await stage.send("kabag", signed.nomor)
    opened: Case = await stage.app.workflow.get(f"{pks.case_prefix}-2026-0001")
    return opened
