"""`sopbot demo`: one whole case of the SOP, offline, on a throw-away database.

Five people walk a case from the Kabag's assignment to the signing schedule, with one return
by the Sekda, on a clock that moves through real 2026 office days. Every message the core
queues is printed as its recipient would read it, and the case record is written to a folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot import bootstrap
from bot.casefile import describe
from bot.clock import JAKARTA, FixedClock
from bot.config import Settings
from bot.fmt import format_datetime
from bot.render_text import render
from bot.views import ViewContext
from bot.workflow import commands as c
from bot.workflow import notify
from bot.workflow.model import Case
from bot.workflow.service import Result

CAST = {
    "kabag": ("Drs. Budi Santoso, M.Si.", "kabag", "Kabag Tapem"),
    "ketua": ("Siti Rahmawati, S.H.", "ketua_tim", "Ketua Tim"),
    "tkksd": ("Rina Marlina, S.E.", "tkksd", "TKKSD"),
    "sekda": ("Dr. Hendra Wijaya, M.M.", "sekda", "Sekda"),
    "walikota": ("H. Sachrudin", "walikota", "Wali Kota"),
}


@dataclass
class Demo:
    app: bootstrap.App
    clock: FixedClock
    say: Callable[[str], None]
    ids: dict[str, int] = field(default_factory=dict)

    async def register(self) -> None:
        """Everyone redeems an invite code, as they would with /start CODE."""
        for key, (name, role, label) in CAST.items():
            code, _ = await self.app.admin.create_invite(role, name)
            person = await self.app.admin.accept_invite(code, "demo", key)
            self.ids[key] = person.id
            self.say(f"👤 {label}: /start {code}   ({name})")

    def at(self, text: str) -> None:
        """Move the clock to a time in Asia/Jakarta and print it."""
        self.clock.set(datetime.fromisoformat(text).replace(tzinfo=JAKARTA))
        self.say(f"\n— {format_datetime(self.clock.now())} —")

    async def show(self, result: Result) -> None:
        """Print every message the action queued, to whom."""
        if result.case is None:
            return
        roster = await self.app.workflow.roster()
        names = {v: CAST[k][2] for k, v in self.ids.items()}
        view = ViewContext(self.app.sop, roster)
        for message in notify.messages_for(result.case, result.events, view):
            body = render(message.reply).replace("\n", "\n        ")
            self.say(f"  🤖 → {names.get(message.recipient_id, '?')}: {body}")

    async def act(self, who: str, line: str, cmd: c.Command) -> Result:
        """One person's action, printed as they typed or pressed it."""
        self.say(f"👤 {CAST[who][2]}: {line}")
        result = (
            await self.app.workflow.open_case(cmd)
            if isinstance(cmd, c.OpenCase)
            else await self.app.workflow.handle(cmd)
        )
        await self.show(result)
        return result

    async def press(
        self, who: str, label: str, verb: type[c.StepCommand], case: Case, step: str, **kwargs: str
    ) -> None:
        """Press a task button, pinned to the task version the button carries."""
        run = (await self.app.workflow.get(case.id or 0)).current_run(step)
        assert run is not None
        await self.act(
            who, f"[{label}]", verb(self.ids[who], case.id or 0, step, run.version, **kwargs)
        )

    async def upload(self, who: str, case: Case, step: str, artifact: str) -> None:
        """Upload a document for a step."""
        name = f"{artifact}_{case.ref}.txt"
        self.say(f"👤 {CAST[who][2]}: 📎 {name}")
        data = f"{artifact} {case.ref} {self.clock.now().isoformat()}".encode()
        await self.show(
            await self.app.workflow.attach(
                case.id or 0, step, self.ids[who], artifact, data, name, "text/plain"
            )
        )

    async def fact(self, who: str, case: Case, step: str, artifact: str, value: str) -> None:
        """Answer one of the bot's questions with text."""
        await self.act(
            who, value, c.RecordFact(self.ids[who], case.id or 0, step, None, artifact, value)
        )


async def play(demo: Demo) -> Case:
    """The script: SOP 54/2025 from disposition to signing schedule, one Sekda return."""
    ids = demo.ids
    demo.at("2026-03-16T08:00")
    opened = await demo.act(
        "kabag",
        "/baru Pemerintah Kota Bandung | Kerja sama pengelolaan sampah",
        c.OpenCase(
            ids["kabag"],
            "Pemerintah Kota Bandung",
            "pemda",
            "Kerja sama pengelolaan sampah",
            {"disposisi_walikota": "Disposisi No. 005/123-Tapem"},
        ),
    )
    case = opened.case
    assert case is not None
    await demo.upload("kabag", case, "penugasan", "disposisi_kabag")
    await demo.act(
        "kabag",
        "[Siti Rahmawati, S.H.]",
        c.AssignPerformer(
            ids["kabag"], case.id or 0, "penugasan", None, "ketua_tim", ids["ketua"]
        ),
    )
    await demo.press("kabag", "Selesai", c.Complete, case, "penugasan")
    demo.at("2026-03-16T10:00")
    for artifact in ("surat_undangan", "draft_rancangan"):
        await demo.upload("ketua", case, "persiapan", artifact)
    await demo.fact("ketua", case, "persiapan", "tempat_rapat", "Ruang Rapat Tapem, Lt. 3")
    await demo.fact("ketua", case, "persiapan", "waktu_rapat", "2026-03-17 09:00")
    await demo.press("ketua", "Selesai", c.Complete, case, "persiapan")
    demo.at("2026-03-17T11:00")
    for artifact in ("notulensi", "draft_rancangan"):
        await demo.upload("ketua", case, "rapat_koordinasi", artifact)
    await demo.press("ketua", "Selesai", c.Complete, case, "rapat_koordinasi")
    # 18–24 March 2026: Nyepi, Idul Fitri and cuti bersama; the work resumes on the 25th.
    demo.at("2026-03-26T14:00")
    await demo.upload("ketua", case, "penyusunan", "rancangan_berparaf")
    await demo.press("ketua", "Selesai", c.Complete, case, "penyusunan")
    demo.at("2026-03-26T14:10")
    await demo.press("kabag", "Sampaikan", c.Submit, case, "penyampaian")
    demo.at("2026-03-26T14:20")
    await demo.press(
        "sekda",
        "Kembalikan",
        c.Return,
        case,
        "telaah_sekda",
        note="Pasal 4 tentang pembiayaan perlu dirinci.",
    )
    demo.at("2026-03-27T09:00")
    await demo.upload("kabag", case, "penyampaian", "rancangan_berparaf")
    await demo.press("kabag", "Sampaikan", c.Submit, case, "penyampaian")
    demo.at("2026-03-27T09:10")
    await demo.press("sekda", "Setujui", c.Approve, case, "telaah_sekda")
    demo.at("2026-03-27T09:20")
    await demo.press("walikota", "Setujui", c.Approve, case, "telaah_walikota")
    demo.at("2026-03-27T10:00")
    await demo.fact(
        "walikota", case, "jadwal_penandatanganan", "rencana_penandatanganan", "2026-04-06 10:00"
    )
    await demo.press("walikota", "Selesai", c.Complete, case, "jadwal_penandatanganan")
    return await demo.app.workflow.get(case.id or 0)


async def run_demo(out: Path, say: Callable[[str], None], data_dir: Path) -> Case:
    """Play the demo on a fresh database under `data_dir`, writing the record to `out`."""
    settings = Settings(sopbot_data_dir=data_dir, database_url=None)
    clock = FixedClock(datetime(2026, 3, 16, 8, 0, tzinfo=JAKARTA))
    app = await bootstrap.build_app(settings, clock)
    try:
        demo = Demo(app, clock, say)
        say(f"SOP {app.sop.number}: {app.sop.title}\n")
        await demo.register()
        case = await play(demo)
        await write_record(app, case, out)
    finally:
        await app.close()
    return case


async def write_record(app: bootstrap.App, case: Case, out: Path) -> None:
    """The case timeline, its audit trail and its uploaded files, into `out`."""
    roster = await app.workflow.roster()
    report = await app.admin.verify_audit()
    assert report.ok, report
    async with app.uow() as uow:
        records = await uow.audit.all()
        documents = await uow.documents.list_for_case(case.id or 0)
    trail: list[dict[str, object]] = [
        {
            "id": r.id,
            "at": r.entry.at.isoformat(),
            "kind": r.entry.kind,
            "actor": roster.name(r.entry.actor_id),
            "case": r.entry.case_ref,
            "data": r.entry.data,
            "hash": r.hash,
        }
        for r in records
    ]
    files = {f"v{d.version}-{d.filename}": app.files.read(d.sha256) for d in documents}
    write_files(out, case.ref, describe(case, app.sop, roster), trail, files)


def write_files(
    out: Path, ref: str, timeline: str, trail: list[dict[str, object]], files: dict[str, bytes]
) -> None:
    """Write the demo's record: timeline, audit trail (JSON lines) and documents."""
    (out / "berkas").mkdir(parents=True, exist_ok=True)
    (out / f"{ref}-riwayat.txt").write_text(timeline + "\n", "utf-8")
    lines = [json.dumps(entry, ensure_ascii=False) for entry in trail]
    (out / "jejak-audit.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    for name, data in files.items():
        (out / "berkas" / name).write_bytes(data)
