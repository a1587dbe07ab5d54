"""What belongs to no single SOP where several run: notices to admins go to the roles any SOP
names; the greeting names a person's roles as the SOPs title them; each SOP's naskah are
numbered in their own SOP's format, from the Bagian's one count per kind and year."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.alerts import record_failure
from bot.sop.loader import load_sop
from bot.sop.registry import SopRegistry
from tests.office import Office
from tests.telegram_office import TelegramOffice
from tests.test_several_sops import PKS, SOP54, open_pks, walk_pks


def pks_variant(sop_dir: Path, *edits: tuple[str, str]) -> Path:
    """The PKS sample in `sop_dir`, edited."""
    sop_dir.mkdir(exist_ok=True)
    text = PKS.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    (sop_dir / PKS.name).write_text(text, encoding="utf-8")
    return sop_dir


SEKDA_TOO = [(
    "  delivery_failed: [admin]\n  system_failure: [admin]\n",
    "  delivery_failed: [admin, sekda]\n  system_failure: [admin, sekda]\n",
)]


def test_a_notice_of_no_case_goes_to_the_roles_any_sop_names_each_once(tmp_path):
    pks = load_sop(pks_variant(tmp_path, *SEKDA_TOO) / PKS.name)

    sops = SopRegistry([load_sop(SOP54), pks])

    assert sops.notice_roles("delivery_failed") == ("admin", "sekda")
    assert sops.notice_roles("system_failure") == ("admin", "sekda")
    assert sops.notice_roles("digest") == ("kabag", "sekda")


async def test_a_system_failure_is_told_to_the_roles_the_second_sop_names_too(
    office: Office, db, tmp_path
):
    sops = SopRegistry([office.sop, load_sop(pks_variant(tmp_path, *SEKDA_TOO) / PKS.name)])

    async with office.uow() as uow:
        await record_failure(uow, sops, "KeyError at chat/buttons.py:1", "Traceback",
                             office.clock.now())  # fmt: skip
        await uow.commit()

    told = {m.recipient_id for m, _ in db.outbox.values() if m.reply.text_key == "alert.failure"}
    assert told == {office.ids["admin"], office.ids["sekda"]}


async def start_two(tmp_path: Path, sop_dir: Path) -> TelegramOffice:
    office = TelegramOffice(tmp_path / "data")
    settings = office.settings().model_copy(
        update={"sopbot_sop_file": SOP54, "sopbot_sop_dir": sop_dir}
    )
    await office.start(settings=settings)
    await office.hire()
    return office


async def test_an_undelivered_task_of_the_second_sop_is_told_to_the_roles_it_names(tmp_path):
    office = await start_two(tmp_path, pks_variant(tmp_path / "sops", *SEKDA_TOO))
    try:
        await open_pks(office)
        office.users["ketua"].block()
        await office.press("kabag", "Isi Arahan Kabag")
        await office.say("kabag", "Ruang lingkup: pengangkutan sampah")
        before = len(office.inbox("sekda"))

        await office.press("kabag", "Selesai")

        told = [m.text for m in office.inbox("sekda")[before:]]
    finally:
        await office.stop()
    assert any("Pesan untuk Siti Rahmawati, S.H. tidak dapat dikirim" in text for text in told)


async def test_the_greeting_names_a_role_only_the_second_sop_has_and_each_title_of_one(
    tmp_path,
):
    sops = pks_variant(
        tmp_path / "sops",
        ("  kabag: {title: Kepala Bagian Tata Pemerintahan, superior: sekda}\n",
         "  kabag: {title: Kabag Tapem, superior: sekda}\n"
         "  teknis: {title: Kepala Perangkat Daerah Teknis, superior: kabag}\n"),
    )  # fmt: skip
    office = await start_two(tmp_path, sops)
    try:
        code, _ = await office.app.admin.create_invite("teknis", "Ahmad Fauzi, S.T.")
        teknis = office.standin.user(2001, "Ahmad")
        teknis.send(f"/start {code}")
        await office.settle()
        kabag = office.inbox("kabag")[0].text
        greeting = teknis.inbox[0].text
    finally:
        await office.stop()

    assert greeting.startswith("Yth. Bapak/Ibu Kepala Perangkat Daerah Teknis,")
    assert "terdaftar sebagai Kepala Perangkat Daerah Teknis." in greeting
    assert "terdaftar sebagai Kepala Bagian Tata Pemerintahan / Kabag Tapem." in kabag


async def test_a_finished_case_of_the_second_sop_is_registered_in_its_own_number_format(
    tmp_path,
):
    sop_dir = tmp_path / "sops"
    sop_dir.mkdir()
    shutil.copy(PKS, sop_dir / PKS.name)
    office = await start_two(tmp_path, sop_dir)
    try:
        await open_pks(office)
        await office.press("kabag", "Isi Arahan Kabag")
        await office.say("kabag", "Ruang lingkup: pengangkutan sampah")
        await office.press("kabag", "Selesai")
        await walk_pks(office, "PKS-2026-0001")
        [entry] = await office.app.records.entries(kind="persetujuan")
    finally:
        await office.stop()

    assert entry.case_ref == "PKS-2026-0001"
    assert entry.nomor == "100.3.4/1/LP-PKS/III/2026"
    assert entry.details["klasifikasi"] == "100.3.4"
