"""The daily digest: once per working day, at the start of office hours, to the SOP's roles."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.clock import JAKARTA
from bot.digest import queue_digest
from bot.ports import OutgoingMessage
from bot.render_text import render
from bot.sop.model import Notices
from tests.fakes import FakeDB
from tests.office import Office


def at(office: Office, month: int, day: int, hour: int, minute: int) -> None:
    office.clock.set(datetime(2026, month, day, hour, minute, tzinfo=JAKARTA))


async def digest(office: Office) -> int:
    return await queue_digest(office.uow, office.sop, office.clock, office.workflow.calendar)


def digests(db: FakeDB) -> list[OutgoingMessage]:
    return [m for key, (m, _) in db.outbox.items() if key.startswith("digest:")]


async def two_cases(office: Office) -> None:
    """One case late at step 1 (due Monday 09:15), one opened on Tuesday."""
    at(office, 3, 2, 9, 0)
    await office.open()
    at(office, 3, 3, 9, 0)
    await office.open(partner="Kabupaten Tangerang", subject="Kerja sama transportasi")


async def test_the_digest_goes_to_the_kabag_and_the_sekda_at_office_opening(office, db):
    await two_cases(office)
    at(office, 3, 4, 7, 30)

    sent = await digest(office)

    assert sent == 2
    readers = sorted(m.recipient_id for m in digests(db))
    assert readers == [office.ids["kabag"], office.ids["sekda"]]


async def test_the_digest_says_what_waits_for_whom_and_how_late(office, db):
    await two_cases(office)
    at(office, 3, 4, 7, 30)

    await digest(office)

    text = render(digests(db)[0].reply)
    assert "2 perkara berjalan, 2 tugas menunggu, 2 di antaranya melewati batas waktu" in text
    assert "KB-2026-0001 (Kerja sama pengelolaan sampah): langkah 1 menunggu Drs. Budi" in text
    assert "terlambat 15 jam 15 menit" in text


async def test_the_most_overdue_task_comes_first_in_the_digest(office, db):
    await two_cases(office)
    at(office, 3, 4, 7, 30)

    await digest(office)

    lines = [line for line in render(digests(db)[0].reply).splitlines() if line.startswith("•")]
    assert [line.split(" ")[1] for line in lines] == ["KB-2026-0001", "KB-2026-0002"]


async def test_the_digest_is_sent_once_per_working_day(office, db):
    await two_cases(office)
    at(office, 3, 4, 7, 30)
    await digest(office)
    at(office, 3, 4, 14, 0)

    again = await digest(office)

    assert again == 0 and len(digests(db)) == 2


async def test_the_next_working_day_brings_the_next_digest(office, db):
    await two_cases(office)
    at(office, 3, 4, 7, 30)
    await digest(office)
    at(office, 3, 5, 7, 30)

    sent = await digest(office)

    assert sent == 2 and len(digests(db)) == 4


async def test_no_digest_is_sent_before_the_office_opens(office, db):
    await two_cases(office)
    at(office, 3, 4, 6, 0)

    sent = await digest(office)

    assert sent == 0 and digests(db) == []


async def test_no_digest_is_sent_on_a_holiday(office, db):
    await two_cases(office)
    at(office, 3, 19, 9, 0)  # Nyepi

    sent = await digest(office)

    assert sent == 0


async def test_no_digest_is_sent_when_nothing_is_open(office, db):
    at(office, 3, 4, 7, 30)

    sent = await digest(office)

    assert sent == 0


async def test_the_digest_goes_to_the_roles_the_sop_file_names(office, db):
    office.sop = replace(office.sop, notices=Notices(digest=("walikota",)))
    await two_cases(office)
    at(office, 3, 4, 7, 30)

    await digest(office)

    assert [m.recipient_id for m in digests(db)] == [office.ids["walikota"]]
