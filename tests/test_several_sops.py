"""Two SOPs in one deployment, end to end on the Telegram stand-in: each case walks its own
SOP, /tugas and /status list both, and a case finishes on the SOP version it was opened on."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from bot.config import Settings
from tests.telegram_office import TelegramOffice

SOP54 = Path(str(resources.files("bot.sop") / "sop54_2025.yaml"))
PKS = Path(str(resources.files("bot.sop") / "samples" / "pks_2025.yaml"))
KB_TITLE = "Pelaksanaan Koordinasi Penyiapan Rancangan Kesepakatan Bersama"
PKS_TITLE = "Fasilitasi Penyusunan Perjanjian Kerja Sama"


def two_sops(office: TelegramOffice, sop_dir: Path) -> Settings:
    """SOP 54/2025 (the shipped file) and every SOP in `sop_dir` (the PKS sample)."""
    sop_dir.mkdir(exist_ok=True)
    if not (sop_dir / PKS.name).exists():
        shutil.copy(PKS, sop_dir / PKS.name)
    return office.settings().model_copy(
        update={"sopbot_sop_file": SOP54, "sopbot_sop_dir": sop_dir}
    )


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path / "data")
    await office.start(settings=two_sops(office, tmp_path / "sops"))
    await office.hire()
    yield office
    await office.stop()


async def open_pks(office: TelegramOffice) -> None:
    """The Kabag opens a PKS case: /baru asks which SOP first."""
    asked = await office.say("kabag", "/baru")
    assert KB_TITLE in asked.labels and PKS_TITLE in asked.labels
    await office.press("kabag", PKS_TITLE)
    await office.say("kabag", "Pemerintah Kota Bandung")
    await office.press("kabag", "Pemerintah Daerah lain")
    await office.say("kabag", "PKS pengelolaan sampah")
    await office.say("kabag", "119/KB-Tapem/III/2026")


async def open_kb(office: TelegramOffice) -> None:
    """The Kabag opens a case of SOP 54/2025, choosing it by typing its code."""
    await office.say("kabag", "/baru")
    await office.say("kabag", "sop54-2025")
    await office.say("kabag", "Pemerintah Kota Bogor")
    await office.press("kabag", "Pemerintah Daerah lain")
    await office.say("kabag", "Kerja sama transportasi")
    await office.say("kabag", "415.4/123-Tapem, 10 Maret 2026")
    await office.say("kabag", "Disposisi No. 005/123-Tapem")


def task_cards(office: TelegramOffice, who: str, since: int) -> list[str]:
    return [m.text for m in office.inbox(who)[since:] if "Langkah" in m.text and m.labels]


async def test_a_kabag_opens_a_case_of_each_sop_and_tugas_lists_both(office):
    await open_pks(office)
    await open_kb(office)

    before = len(office.inbox("kabag"))
    await office.say("kabag", "/tugas")

    cards = task_cards(office, "kabag", before)
    assert any("PKS-2026-0001" in text and "Langkah 1" in text for text in cards)
    assert any("KB-2026-0001" in text and "Langkah 1" in text for text in cards)


async def test_each_case_walks_its_own_steps(office):
    await open_pks(office)
    await open_kb(office)

    await office.press("kabag", "Siti Rahmawati")  # SOP 54 step 1: the Ketua Tim is chosen
    await office.press("kabag", "Buat Lembar disposisi")
    await office.press("kabag", "Selesai")
    await office.say("kabag", "/tugas PKS-2025")
    await office.press("kabag", "Isi Arahan Kabag")
    await office.say("kabag", "Ruang lingkup: pengangkutan dan pengolahan sampah")
    await office.press("kabag", "Selesai")

    before = len(office.inbox("ketua"))
    await office.say("ketua", "/tugas")
    cards = task_cards(office, "ketua", before)
    assert any("KB-2026-0001" in text and "Langkah 2" in text for text in cards)
    assert any("PKS-2026-0001" in text and "Langkah 2" in text for text in cards)

    await office.say("ketua", "/tugas pks-2025")
    await office.press("ketua", "Isi Rancangan Perjanjian Kerja Sama")
    await office.say("ketua", "Rancangan PKS versi 1")
    await office.press("ketua", "Selesai")
    assert "PKS-2026-0001" in office.card("sekda").text
    await office.press("sekda", "Setujui")
    await office.press("sekda", "Ya, setujui")
    assert "Langkah 4" in office.card("kabag").text
    await office.press("kabag", "Sampaikan")

    status = await office.say("kabag", "/status")
    assert "KB-2026-0001" in status.text and "PKS-2026-0001" not in status.text
    only_pks = await office.say("kabag", "/status pks-2025")
    assert "KB-2026-0001" not in only_pks.text
