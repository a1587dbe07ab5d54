"""A whole case as the officials walk it on their phones, and what it costs each of them.

The walk takes the shortest path a person would find on the cards (no retries, no /tugas),
then prints the figures and holds them to the issue's limits: actions per role (Ketua Tim at
most 12), messages received per role (Ketua Tim at most 25), at most six buttons on any message,
and no message with working buttons left once the case is finished.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.workflow.model import CaseStatus
from tests.telegram_office import TelegramOffice, docx_bytes

WHO = ("kabag", "ketua", "sekda", "walikota", "tkksd")
# Views that stay useful after the case: its records package, a draft's full check list.
STILL_USEFUL = {"Paket SRIKANDI", "Lihat catatan"}


class Walk:
    """The office, with every tap, typed line and upload counted per person."""

    def __init__(self, office: TelegramOffice) -> None:
        self.office = office
        self.actions: Counter[str] = Counter()
        self.before = {who: len(office.inbox(who)) for who in WHO}  # the welcome messages

    async def say(self, who: str, text: str) -> None:
        self.actions[who] += 1
        await self.office.say(who, text)

    async def press(self, who: str, label: str) -> None:
        self.actions[who] += 1
        await self.office.press(who, label)

    async def upload(self, who: str, name: str, *lines: str) -> None:
        self.actions[who] += 1
        answer = await self.office.upload(who, name, docx_bytes(*lines))
        if answer.labels and "Batal" in answer.labels:  # where does it belong?
            raise AssertionError(f"the upload of {name} asked where it belongs: {answer.labels}")

    def received(self, who: str) -> list:
        return self.office.inbox(who)[self.before[who] :]


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


async def walk_a_case(walk: Walk) -> None:
    office = walk.office
    await walk.say("kabag", "/baru")
    await walk.say("kabag", "Pemerintah Kota Bandung")
    await walk.press("kabag", "Pemerintah Daerah lain")
    await walk.say("kabag", "Kerja sama pengelolaan sampah")
    await walk.say("kabag", "415.4/123-Tapem, 10 Maret 2026")
    await walk.say("kabag", "Disposisi No. 005/123-Tapem")
    await walk.press("kabag", "Siti Rahmawati")
    await walk.press("kabag", "Buat Lembar disposisi")
    await walk.press("kabag", "Selesai")

    await walk.press("ketua", "Isi Tempat rapat")  # the card's next questions follow
    await walk.say("ketua", "Ruang Rapat Tapem Lt. 3")
    await walk.press("ketua", "Selasa, 3 Maret 2026")
    await walk.say("ketua", "09.00")  # the surat undangan is built, the TKKSD invited
    await walk.say("ketua", "Pembahasan rancangan kesepakatan bersama")
    await walk.press("ketua", "Buat Draft rancangan")
    await walk.press("ketua", "Selesai")

    office.at("2026-03-04T10:30")
    await walk.upload("ketua", "notulen.docx", "NOTULEN RAPAT")
    await walk.press("ketua", "Selesai")
    await walk.upload("ketua", "rancangan-paraf.docx", "KESEPAKATAN BERSAMA", "Pasal 1")
    await walk.press("ketua", "Selesai")
    await walk.press("ketua", "Ya, Selesai")

    await walk.press("kabag", "Sampaikan")
    await walk.press("sekda", "Setujui")
    await walk.press("sekda", "Ya, setujui")
    await walk.press("walikota", "Setujui")
    await walk.press("walikota", "Ya, setujui")
    await walk.press("walikota", "Isi Rencana waktu penandatanganan")
    await walk.press("walikota", "Kamis, 5 Maret 2026")
    await walk.say("walikota", "10.00")
    await walk.press("walikota", "Selesai")


async def test_a_whole_case_costs_each_official_little_on_a_phone(office, capsys):
    walk = Walk(office)

    await walk_a_case(walk)

    case = await office.app.workflow.get("KB-2026-0001")
    assert case.status is CaseStatus.DONE
    received = {who: walk.received(who) for who in WHO}
    shown = [  # every look a message had: as first sent and after each edit
        [label for row in version.buttons for label, _ in row]
        for who in WHO for m in received[who] for version in m.history
    ] + [m.labels for who in WHO for m in received[who]]  # fmt: skip
    widest = max(len(labels) for labels in shown)
    working = [
        (who, m.text.splitlines()[0], m.labels)
        for who in WHO
        for m in received[who]
        if set(m.labels) - STILL_USEFUL
    ]
    with capsys.disabled():
        print("\nSatu perkara utuh, per peran: tindakan / pesan diterima")
        for who in WHO:
            print(f"  {who:9} {walk.actions[who]:3} / {len(received[who]):3}")
        print(f"  tombol terbanyak dalam satu pesan: {widest}")
        print(f"  pesan dengan tombol yang masih berlaku setelah selesai: {len(working)}")
    assert walk.actions["ketua"] <= 12
    assert len(received["ketua"]) <= 25
    assert widest <= 6
    assert working == [], working
