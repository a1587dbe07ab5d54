"""A wired app on SQLite with people and two cases, for the dashboard tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import weblogin
from bot.bootstrap import App, build_app, build_dashboard
from bot.clock import JAKARTA, FixedClock
from bot.config import Settings
from bot.workflow.commands import OpenCase
from bot.workflow.model import Person

SECRET = "test-secret-for-the-dashboard"
OPENED_LATE = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)  # step 1 due 09:15
OPENED_FRESH = datetime(2026, 3, 2, 10, 0, tzinfo=JAKARTA)  # step 1 due 10:15
NOW = datetime(2026, 3, 2, 10, 5, tzinfo=JAKARTA)
DISPOSISI = b"PK\x03\x04 the Kabag's disposition, stored as uploaded"


@dataclass
class WebOffice:
    app: App
    settings: Settings
    clock: FixedClock
    people: dict[str, Person]
    late_ref: str
    fresh_ref: str
    document_sha: str

    def dashboard(self) -> Any:
        """The dashboard app (Starlette) over this office."""
        return build_dashboard(self.app)

    async def another_process(self) -> App:
        """The same configuration wired again: a restart, or a second worker beside this one."""
        return await build_app(self.settings, self.clock)

    def login_code(self, role: str, *, seconds: int = 900) -> str:
        person = self.people[role]
        return weblogin.issue(SECRET, weblogin.LOGIN, person.id, self.clock.now(), seconds)


async def open_office(data_dir: Path, database_url: str | None = None) -> WebOffice:
    """Admin, Kabag, Sekda and a Ketua Tim; a late case with a document and a fresh case.

    On SQLite in `data_dir`, or on the database at `database_url`.
    """
    clock = FixedClock(OPENED_LATE)
    settings = Settings(
        sopbot_data_dir=data_dir,
        sopbot_web_secret=SECRET,
        database_url=database_url,
    )
    app = await build_app(settings, clock)
    people = {
        role: await app.admin.add_person(name, [role])
        for role, name in [
            ("admin", "Admin Sistem"),
            ("kabag", "Drs. Budi Santoso, M.Si."),
            ("sekda", "Dr. Herman Suwarman"),
            ("ketua_tim", "Siti Rahmawati, S.H."),
        ]
    }
    kabag = people["kabag"].id
    facts = {"disposisi_walikota": "Disposisi No. 005/123-Tapem"}
    late = await app.workflow.open_case(
        OpenCase(kabag, "Pemerintah Kota Bandung", "pemda", "Pengelolaan sampah <terpadu>", facts)
    )
    assert late.case is not None and late.case.id is not None
    attached = await app.workflow.attach(
        late.case.id,
        "penugasan",
        kabag,
        "disposisi_kabag",
        DISPOSISI,
        "disposisi kabag.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert attached.case is not None
    sha = attached.case.artifacts["disposisi_kabag"].value
    clock.set(OPENED_FRESH)
    fresh = await app.workflow.open_case(
        OpenCase(kabag, "Kabupaten Serang", "pemda", "Transportasi umum", facts)
    )
    assert fresh.case is not None
    clock.set(NOW)
    return WebOffice(app, settings, clock, people, late.case.ref, fresh.case.ref, sha)
