"""Two SOPs in one deployment, end to end on the Telegram stand-in: each case walks its own
SOP, /tugas and /status list both, and a case finishes on the SOP version it was opened on."""

from __future__ import annotations

import asyncio
import shutil
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.config import Settings
from bot.workflow.model import CaseStatus
from tests.docx_reading import text as docx_text
from tests.telegram_office import TelegramOffice, docx_bytes

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


async def test_baru_in_one_line_asks_the_sop_and_keeps_mitra_and_perihal(office):
    await office.say("kabag", "/baru Pemerintah Kota Bandung | PKS pengelolaan sampah")
    await office.press("kabag", PKS_TITLE)
    await office.press("kabag", "Pemerintah Daerah lain")

    opened = await office.say("kabag", "119/KB-Tapem/III/2026")

    assert "PKS-2026-0001: PKS pengelolaan sampah dicatat" in opened.text or any(
        "PKS-2026-0001: PKS pengelolaan sampah dicatat" in m.text for m in office.inbox("kabag")
    )


async def test_sop_shows_every_sop_and_sop_with_a_code_only_that_one(office):
    before = len(office.inbox("ketua"))
    await office.say("ketua", "/sop")
    both = [m.text for m in office.inbox("ketua")[before:]]

    only = await office.say("ketua", "/sop pks-2025")

    assert any(KB_TITLE in text for text in both) and any(PKS_TITLE in text for text in both)
    assert PKS_TITLE in only.text and KB_TITLE not in only.text


async def test_a_file_sent_without_a_question_is_filed_in_the_case_of_the_sop_chosen(office):
    await open_pks(office)
    await open_kb(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Buat Lembar disposisi")
    await office.press("kabag", "Selesai")
    await office.say("kabag", "/tugas PKS-2025")
    await office.press("kabag", "Isi Arahan Kabag")
    await office.say("kabag", "Ruang lingkup: pengangkutan sampah")
    await office.press("kabag", "Selesai")

    asked = await office.upload("ketua", "pks-v1.docx", docx_bytes("PERJANJIAN KERJA SAMA"))
    await office.press("ketua", "Rancangan Perjanjian Kerja Sama", asked)

    pks = await office.app.workflow.get("PKS-2026-0001")
    kb = await office.app.workflow.get("KB-2026-0001")
    assert pks.artifacts["rancangan_pks"].filename == "pks-v1.docx"
    assert not any(value.filename == "pks-v1.docx" for value in kb.artifacts.values())


async def test_reminders_and_the_digest_read_each_case_against_its_own_sop(office):
    await open_pks(office)
    await open_kb(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Buat Lembar disposisi")
    await office.press("kabag", "Selesai")
    await office.say("kabag", "/tugas pks-2025")
    await office.press("kabag", "Isi Arahan Kabag")
    await office.say("kabag", "Ruang lingkup: pengangkutan sampah")
    await office.press("kabag", "Selesai")
    ketua, kabag = len(office.inbox("ketua")), len(office.inbox("kabag"))

    office.at("2026-03-05T08:05")  # PKS step 2 (3 hari kerja) is due at 08:00 today
    await office.tick()

    told = [m.text for m in office.inbox("ketua")[ketua:]]
    assert any("PKS-2026-0001" in text and "Yang masih kurang: Rancangan Perjanjian Kerja Sama"
               in text for text in told)  # fmt: skip
    [digest] = [m.text for m in office.inbox("kabag")[kabag:] if "Ringkasan harian" in m.text]
    assert "2 perkara berjalan" in digest
    assert "PKS-2026-0001 (PKS pengelolaan sampah): langkah 2" in digest
    assert "KB-2026-0001 (Kerja sama transportasi): langkah 2" in digest


async def test_reports_name_each_cases_steps_and_report_sop_keeps_one_sop(tmp_path, monkeypatch):
    office = TelegramOffice(tmp_path / "data")
    sops = tmp_path / "sops"
    await office.start(settings=two_sops(office, sops))
    try:
        await office.hire()
        await open_pks(office)
        await open_kb(office)
    finally:
        await office.stop()
    for name, value in {"SOPBOT_DATA_DIR": tmp_path / "data", "SOPBOT_SOP_FILE": SOP54,
                        "SOPBOT_SOP_DIR": sops}.items():  # fmt: skip
        monkeypatch.setenv(name, str(value))
    monkeypatch.chdir(tmp_path)

    both = await asyncio.to_thread(CliRunner().invoke, cli, ["report", "--all", "--out", "a.docx"])
    one = await asyncio.to_thread(
        CliRunner().invoke, cli, ["report", "--all", "--sop", "pks-2025", "--out", "p.docx"]
    )

    assert both.exit_code == 0 and one.exit_code == 0, both.output + one.output
    everything = docx_text((tmp_path / "a.docx").read_bytes())
    assert "Langkah 1: Menugaskan Ketua Tim menyusun rancangan perjanjian kerja sama" in everything
    assert "Langkah 1: Menugaskan Ketua Tim untuk fasilitasi koordinasi" in everything
    only_pks = docx_text((tmp_path / "p.docx").read_bytes())
    assert "PKS-2026-0001" in only_pks and "KB-2026-0001" not in only_pks
    assert PKS_TITLE in only_pks


async def test_a_report_of_every_sop_is_headed_by_every_sop_and_one_of_one_sop_by_it(
    tmp_path, monkeypatch
):  # a case's report too is headed by its own SOP alone
    office = TelegramOffice(tmp_path / "data")
    sops = tmp_path / "sops"
    await office.start(settings=two_sops(office, sops))
    try:
        await office.hire()
        await open_pks(office)
    finally:
        await office.stop()
    for name, value in {"SOPBOT_DATA_DIR": tmp_path / "data", "SOPBOT_SOP_FILE": SOP54,
                        "SOPBOT_SOP_DIR": sops}.items():  # fmt: skip
        monkeypatch.setenv(name, str(value))
    monkeypatch.chdir(tmp_path)

    both = await asyncio.to_thread(CliRunner().invoke, cli, ["report", "--all", "--out", "a.docx"])
    one = await asyncio.to_thread(
        CliRunner().invoke, cli, ["report", "--all", "--sop", "pks-2025", "--out", "p.docx"]
    )

    assert both.exit_code == 0 and one.exit_code == 0, both.output + one.output
    every = docx_text((tmp_path / "a.docx").read_bytes())
    heading = every[: every.index("Jumlah perkara")]
    assert "Seluruh SOP yang dijalankan (2 SOP):" in heading
    assert f"SOP 54/000.8.3.3/III/2025: {KB_TITLE}" in heading
    assert f"SOP 55/000.8.3.3/III/2025: {PKS_TITLE}" in heading
    assert "11 hari (SOP 54/000.8.3.3/III/2025), 4 hari (SOP 55/000.8.3.3/III/2025)" in every
    only_pks = docx_text((tmp_path / "p.docx").read_bytes())
    assert f"SOP 55/000.8.3.3/III/2025: {PKS_TITLE}" in only_pks
    assert "Seluruh SOP" not in only_pks and KB_TITLE not in only_pks
    case = await asyncio.to_thread(
        CliRunner().invoke, cli, ["report", "PKS-2026-0001", "--out", "c.docx"]
    )
    assert case.exit_code == 0, case.output
    one_case = docx_text((tmp_path / "c.docx").read_bytes())
    assert f"SOP 55/000.8.3.3/III/2025: {PKS_TITLE}" in one_case
    assert "Seluruh SOP" not in one_case and KB_TITLE not in one_case


def revise_pks(sop_dir: Path) -> None:
    """A revision of the PKS SOP: step 2 now takes 5 hari kerja, and a step 5 is added
    (the signed PKS is archived)."""
    path = sop_dir / PKS.name
    text = path.read_text(encoding="utf-8")
    text = text.replace("mutu_baku: 3 hari kerja", "mutu_baku: 5 hari kerja")
    text = text.replace("revised: 2 Januari 2026", "revised: 1 Maret 2026")
    text = text.replace(
        "    action: sampaikan\n", "    action: sampaikan\n    goto: pengarsipan\n"
    )
    text += (
        "\n  - code: pengarsipan\n    number: 5\n"
        "    title: Mengarsipkan perjanjian kerja sama yang ditandatangani\n"
        "    performer: ketua_tim\n    mutu_baku: 1 hari\n"
    )
    path.write_text(text, encoding="utf-8")


async def press_on(office: TelegramOffice, who: str, ref: str, label: str) -> None:
    """Press `label` on the newest message about case `ref` that has it."""
    message = next(m for m in reversed(office.inbox(who))
                   if ref in m.text and any(label in b for b in m.labels))  # fmt: skip
    await office.press(who, label, message)


async def walk_pks(office: TelegramOffice, ref: str) -> None:
    """A PKS case from step 2 (Ketua Tim) to its Sampaikan by the Kabag."""
    await press_on(office, "ketua", ref, "Isi Rancangan Perjanjian Kerja Sama")
    await office.say("ketua", f"Rancangan PKS {ref}")
    await press_on(office, "ketua", ref, "Selesai")
    await press_on(office, "sekda", ref, "Setujui")
    await office.press("sekda", "Ya, setujui")
    await press_on(office, "kabag", ref, "Sampaikan")


async def test_a_revision_loaded_while_a_case_is_open_leaves_that_case_on_its_version(
    tmp_path, monkeypatch
):
    office = TelegramOffice(tmp_path / "data")
    sops = tmp_path / "sops"
    await office.start(settings=two_sops(office, sops))
    await office.hire()
    await open_pks(office)
    await office.press("kabag", "Isi Arahan Kabag")
    await office.say("kabag", "Ruang lingkup: pengangkutan sampah")
    await office.press("kabag", "Selesai")
    await office.stop()

    revise_pks(sops)
    await office.start(settings=two_sops(office, sops))
    try:
        await open_pks(office)
        await office.press("kabag", "Isi Arahan Kabag")
        await office.say("kabag", "Ruang lingkup: pengolahan sampah")
        await office.press("kabag", "Selesai")
        await walk_pks(office, "PKS-2026-0001")
        await walk_pks(office, "PKS-2026-0002")
        running = await office.app.workflow.get("PKS-2026-0001")
        new = await office.app.workflow.get("PKS-2026-0002")
    finally:
        await office.stop()

    assert (running.sop_code, running.sop_version) == ("pks-2025", 1)
    assert (new.sop_code, new.sop_version) == ("pks-2025", 2)
    # Step 2 began at 08:00 on Monday 2 March: 3 hari kerja in version 1, 5 in version 2.
    assert running.runs[1].due_at.day == 5 and new.runs[1].due_at.day == 9
    assert running.status is CaseStatus.DONE  # version 1 ends with step 4
    assert new.status is CaseStatus.RUNNING and new.current_run("pengarsipan") is not None
    assert (
        "PKS-2026-0002" in office.card("ketua").text and "Langkah 5" in office.card("ketua").text
    )

    for name, value in {"SOPBOT_DATA_DIR": tmp_path / "data", "SOPBOT_SOP_FILE": SOP54,
                        "SOPBOT_SOP_DIR": sops}.items():  # fmt: skip
        monkeypatch.setenv(name, str(value))
    # The command runs its own event loop, as it does from a shell.
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["sop", "versions", "pks-2025"])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "Versi 1 (SOP 55/000.8.3.3/III/2025, tanggal revisi 2 Januari 2026)"
    )
    assert "versi pertama: 4 langkah" in lines[1]
    assert lines[2].startswith("Versi 2")
    assert "tanggal revisi 2 Januari 2026 menjadi 1 Maret 2026" in lines[3]
    assert "langkah 5 ditambahkan: Mengarsipkan perjanjian kerja sama" in result.stdout
    assert (
        "langkah 2 (Menyusun rancangan perjanjian kerja sama bersama perangkat daerah "
        "teknis): mutu baku 3 hari kerja menjadi 5 hari kerja" in result.stdout
    )
    assert (
        "langkah 4 (Menyampaikan rancangan perjanjian kerja sama kepada mitra): "
        "keputusan atau langkah berikutnya diubah" in result.stdout
    )


def test_sop_versions_names_the_sops_when_the_code_is_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPBOT_DATA_DIR", str(tmp_path / "data"))

    result = CliRunner().invoke(cli, ["sop", "versions", "sop99"])

    assert result.exit_code == 2
    assert "sop54-2025" in result.output
