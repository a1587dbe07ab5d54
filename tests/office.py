"""A small office of people who walk cases through the default SOP, for service tests.

It works over any unit of work factory, so the same walk runs on fakes and on databases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.admin import Admin
from bot.clock import JAKARTA, FixedClock
from bot.ports import FileStore, UnitOfWorkFactory
from bot.sop.loader import load_sop
from bot.sop.model import Sop
from bot.workflow import commands as c
from bot.workflow.model import Case
from bot.workflow.service import Result, UpdateKey, Workflow
from tests.fakes import TEST_AUDIT_KEY

PEOPLE: dict[str, tuple[str, list[str], str]] = {
    "kabag": ("Drs. Budi Santoso, M.Si.", ["kabag"], "197001011995031001"),
    "ketua": ("Siti Rahmawati, S.H.", ["ketua_tim"], "198203152006042002"),
    "ketua2": ("Andi Pratama, S.IP.", ["ketua_tim"], "198505202010011003"),
    "tkksd": ("Rina Marlina, S.E.", ["tkksd"], "199001012015032004"),
    "sekda": ("Dr. Hendra Wijaya, M.M.", ["sekda"], "196805101990031005"),
    "walikota": ("H. Sachrudin", ["walikota"], ""),
    "asisten": ("Joko Susilo, S.Sos.", [], "197204041996031006"),
    "admin": ("Operator Bagian Tapem", ["admin"], ""),
}

MONDAY_MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)


@dataclass
class Office:
    uow: UnitOfWorkFactory
    files: FileStore
    clock: FixedClock = field(default_factory=lambda: FixedClock(MONDAY_MORNING))
    sop: Sop = field(default_factory=load_sop)
    ids: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workflow = Workflow(self.uow, self.sop, self.clock, files=self.files)
        self.admin = Admin(self.uow, self.sop, self.clock, audit_key=TEST_AUDIT_KEY)

    async def hire(self) -> Office:
        """Register everyone in PEOPLE."""
        for key, (name, roles, nip) in PEOPLE.items():
            person = await self.admin.add_person(name, roles, nip=nip)
            self.ids[key] = person.id
        return self

    async def open(
        self,
        partner: str = "Pemerintah Kota Bandung",
        kind: str = "pemda",
        subject: str = "Kerja sama pengelolaan sampah",
        **facts: str,
    ) -> Case:
        """The Kabag opens a case with the Wali Kota's disposition recorded."""
        facts.setdefault("disposisi_walikota", "Disposisi No. 005/123-Tapem")
        cmd = c.OpenCase(self.ids["kabag"], partner, kind, subject, dict(facts))
        result = await self.workflow.open_case(cmd)
        assert result.case is not None
        return result.case

    async def case(self, case: Case) -> Case:
        """The case as stored now."""
        return await self.workflow.get(case.id or 0)

    async def version(self, case: Case, step: str) -> int:
        """The version of the open task of `step`, as a button would carry it."""
        run = (await self.case(case)).current_run(step)
        assert run is not None, f"no open task for {step}"
        return run.version

    async def act(
        self,
        who: str,
        command: type[c.StepCommand],
        case: Case,
        step: str,
        update: UpdateKey | None = None,
        **kwargs: Any,
    ) -> Result:
        """`who` presses the button of `command` on the current task of `step`."""
        version = kwargs.pop("task_version", None) or await self.version(case, step)
        cmd = command(self.ids[who], case.id or 0, step, version, **kwargs)
        return await self.workflow.handle(cmd, update=update)

    async def attach(
        self, who: str, case: Case, step: str, artifact: str, data: bytes | None = None
    ) -> Result:
        """`who` uploads a file as `artifact` of the step."""
        payload = data or f"{artifact} {self.clock.now().isoformat()}".encode()
        return await self.workflow.attach(
            case.id or 0,
            step,
            self.ids[who],
            artifact,
            payload,
            f"{artifact}.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

    async def fact(self, who: str, case: Case, step: str, artifact: str, value: str) -> Result:
        """`who` records a text or time as `artifact` of the step."""
        cmd = c.RecordFact(self.ids[who], case.id or 0, step, None, artifact, value)
        return await self.workflow.handle(cmd)

    async def assign_and_dispose(self, case: Case, ketua: str = "ketua") -> None:
        """Step 1: the Kabag names the Ketua Tim, issues the disposition and finishes."""
        await self.attach("kabag", case, "penugasan", "disposisi_kabag")
        cmd = c.AssignPerformer(
            self.ids["kabag"], case.id or 0, "penugasan", None, "ketua_tim", self.ids[ketua]
        )
        await self.workflow.handle(cmd)
        await self.act("kabag", c.Complete, case, "penugasan")

    async def prepare(self, case: Case, meeting: str = "2026-03-04 09:00") -> None:
        """Step 2: invitation, place, time and draft, then Selesai."""
        await self.attach("ketua", case, "persiapan", "surat_undangan")
        await self.attach("ketua", case, "persiapan", "draft_rancangan")
        await self.fact("ketua", case, "persiapan", "tempat_rapat", "Ruang Rapat Tapem, proyektor")
        await self.fact("ketua", case, "persiapan", "waktu_rapat", meeting)
        await self.act("ketua", c.Complete, case, "persiapan")

    async def meet_and_draft(self, case: Case) -> None:
        """Steps 3 and 4: minutes and draft, then the initialled draft."""
        await self.attach("ketua", case, "rapat_koordinasi", "notulensi")
        await self.attach("ketua", case, "rapat_koordinasi", "draft_rancangan")
        await self.act("ketua", c.Complete, case, "rapat_koordinasi")
        await self.attach("ketua", case, "penyusunan", "rancangan_berparaf")
        await self.act("ketua", c.Complete, case, "penyusunan")

    async def fix(self, case: Case, who: str = "kabag") -> Result:
        """After a Sekda's return, ten minutes later: a new version of the draft on step 5."""
        self.clock.set(self.clock.now() + timedelta(minutes=10))
        data = f"rancangan perbaikan {self.clock.now().isoformat()}".encode()
        return await self.attach(who, case, "penyampaian", "rancangan_berparaf", data)

    async def until_sekda(self, case: Case) -> None:
        """Steps 1 to 5 on time, so the draft lies with the Sekda."""
        await self.assign_and_dispose(case)
        await self.prepare(case)
        self.clock.set(datetime(2026, 3, 4, 10, 30, tzinfo=JAKARTA))
        await self.meet_and_draft(case)
        await self.act("kabag", c.Submit, case, "penyampaian")
