"""An office whose naskah are numbered from the agenda register, and a case walked to its end.

Works over any unit of work factory (fakes or a database), like tests/office.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import JAKARTA
from bot.config import Settings
from bot.documents import DocumentSettings
from bot.documents.service import CaseDocuments
from bot.ports import FileStore, UnitOfWorkFactory
from bot.records.service import Records
from bot.sop.model import Sop
from bot.workflow import commands as c
from bot.workflow.model import Case, Person
from storage.records import is_busy
from tests.drafts import draft
from tests.fakes import TEST_AUDIT_KEY
from tests.office import Office

# Printed under the officials' names in signature blocks.
RANKS = {
    "kabag": ("Pembina Tingkat I", "IV/b"),
    "asisten": ("Penata Tingkat I", "III/d"),
    "sekda": ("Pembina Utama Madya", "IV/d"),
}
NOTULEN_ANSWERS = {"pembahasan": "Ruang lingkup pengelolaan sampah", "keputusan": "Disepakati"}


@dataclass
class RecordsOffice:
    office: Office
    records: Records
    documents: CaseDocuments

    async def person(self, key: str) -> Person:
        person = (await self.office.workflow.roster()).person(self.office.ids[key])
        assert person is not None
        return person

    def at(self, when: str) -> None:
        self.office.clock.set(datetime.fromisoformat(when).replace(tzinfo=JAKARTA))


async def records_office(
    uow: UnitOfWorkFactory,
    files: FileStore,
    settings: Settings | None = None,
    sop: Sop | None = None,
) -> RecordsOffice:
    """The test office, with pangkat recorded and a case's records kept as the bot keeps them
    (by the shipped SOP unless `sop` is given)."""
    office = await (Office(uow, files, sop=sop) if sop else Office(uow, files)).hire()
    for key, (pangkat, golongan) in RANKS.items():
        await office.admin.set_details(str(office.ids[key]), pangkat=pangkat, golongan=golongan)
    document_settings = DocumentSettings.from_settings(settings or Settings(_env_file=None))
    records = Records(
        uow, office.sop, office.clock, files, document_settings, audit_key=TEST_AUDIT_KEY,
        busy=is_busy,
    )  # fmt: skip
    office.workflow.listeners.append(records.on_events)
    documents = CaseDocuments(office.workflow, files, document_settings, records)
    return RecordsOffice(office, records, documents)


async def through_the_meeting(ro: RecordsOffice) -> Case:
    """Steps 1 and 2 with a numbered disposisi and undangan (Monday 2 March 2026)."""
    office = ro.office
    case = await office.open()
    assign = c.AssignPerformer(
        office.ids["kabag"], case.id or 0, "penugasan", None, "ketua_tim", office.ids["ketua"]
    )
    await office.workflow.handle(assign)
    await ro.documents.issue("disposisi_kabag", case, "penugasan", await ro.person("kabag"))
    await office.act("kabag", c.Complete, case, "penugasan")
    await office.fact("ketua", case, "persiapan", "tempat_rapat", "Ruang Rapat Tapem")
    await office.fact("ketua", case, "persiapan", "waktu_rapat", "2026-03-04 09:00")
    await ro.documents.issue("surat_undangan", case, "persiapan", await ro.person("ketua"))
    await office.attach("ketua", case, "persiapan", "draft_rancangan", draft())
    await office.act("ketua", c.Complete, case, "persiapan")
    return await office.case(case)


async def to_the_end(ro: RecordsOffice, case: Case, sekda: str = "sekda") -> Case:
    """Steps 3 to 10 on time, one return by the Sekda; the case finishes on 10 March.

    `sekda` gives the Sekda's approval (e.g. the Plh of the day)."""
    office = ro.office
    ro.at("2026-03-04 10:30")
    ketua = await ro.person("ketua")
    await ro.documents.issue("notulensi", case, "rapat_koordinasi", ketua, NOTULEN_ANSWERS)
    await office.attach("ketua", case, "rapat_koordinasi", "draft_rancangan", draft())
    await office.act("ketua", c.Complete, case, "rapat_koordinasi")
    ro.at("2026-03-09 13:00")
    await office.attach("ketua", case, "penyusunan", "rancangan_berparaf", draft())
    await office.act("ketua", c.Complete, case, "penyusunan")
    for time, who, command, step, extra in (
        ("13:10", "kabag", c.Submit, "penyampaian", {}),
        ("13:20", "sekda", c.Return, "telaah_sekda", {"note": "Pasal 3 perlu diperbaiki"}),
        ("13:30", "kabag", c.Submit, "penyampaian", {}),
        ("13:40", sekda, c.Approve, "telaah_sekda", {}),
        ("13:50", "walikota", c.Approve, "telaah_walikota", {}),
    ):
        if command is c.Submit and time != "13:10":  # the Kabag's fix after the return
            ro.at("2026-03-09 13:25")
            await office.attach("kabag", case, "penyampaian", "rancangan_berparaf", draft())
        ro.at(f"2026-03-09 {time}")
        await office.act(who, command, case, step, **extra)
    ro.at("2026-03-10 09:00")
    await office.fact(
        "walikota", case, "jadwal_penandatanganan", "rencana_penandatanganan", "2026-03-16 10:00"
    )
    await office.act("walikota", c.Complete, case, "jadwal_penandatanganan")
    return await office.case(case)
