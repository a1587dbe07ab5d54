"""The return loop (SOP steps 7 and 8) with every official concerned on WhatsApp.

The Kabag, the Ketua Tim and the Wali Kota first register on Telegram (steps 1 to 4 are taken
through the services there), then on WhatsApp with the same NIP, so that every notice of the
loop reaches them on WhatsApp; the Sekda is on WhatsApp alone.
"""

from __future__ import annotations

import pytest

from bot.workflow.model import Outcome
from tests.telegram_office import docx_bytes
from tests.whatsapp_office import WhatsAppOffice

REF = "KB-2026-0001"
NIPS = {
    "kabag": "197001011995031001",
    "ketua": "198203152006042002",
    "walikota": "196501011990031001",
}


@pytest.fixture
async def office(tmp_path):
    office = WhatsAppOffice(tmp_path)
    await office.start(on_telegram=("tkksd",))
    for who, nip in NIPS.items():
        await office.hire_on_telegram(who, nip=nip)
    await office.prepare()
    for who, nip in NIPS.items():  # registered last on WhatsApp: notices go there
        await office.register(who, nip=nip)
    await office.register("sekda")
    yield office
    await office.stop()


def told(office: WhatsAppOffice, who: str, text: str) -> bool:
    return any(text in m.text for m in office.inbox(who))


async def test_a_return_reaches_the_fixers_on_whatsapp_and_the_fix_comes_back_up_as_one_version(
    office,
):
    await office.say("kabag", "tugas")  # step 5 came before WhatsApp; /tugas shows it here
    await office.press("kabag", "Sampaikan")
    first = office.telegram.app.files.read(
        (await office.telegram.app.workflow.get(REF)).artifacts["rancangan_berparaf"].value
    )
    review = office.with_choice("sekda", "Kembalikan")
    assert "versi 1" in review.text

    # The Sekda's return reaches the Kabag and the Ketua Tim, each with the note and the file.
    await office.give_back("sekda", "Pasal 3 perlu diperbaiki")
    for who in ("kabag", "ketua"):
        explained, handed = office.inbox(who)[-2:]
        assert "Pasal 3 perlu diperbaiki" in explained.text, who
        assert office.graph.document(handed)[0] == first, who
        assert "versi 1" in handed.text and REF in handed.text, who
    for who in ("kabag", "ketua"):  # on WhatsApp, where they registered last, not on Telegram
        assert not any("Pasal 3" in m.text for m in office.telegram.inbox(who)), who

    # Sending it up again without a new version is refused, naming what to do instead.
    refused = await office.press("kabag", "Sampaikan")
    assert "belum ada versi baru" in refused.text and "Tanpa perubahan" in refused.text
    case = await office.telegram.app.workflow.get(REF)
    assert case.current_run("penyampaian") is not None

    # The Ketua Tim uploads the fix from the return notice; the Kabag sends it up.
    office.telegram.at("2026-03-04T11:00")
    await office.press("ketua", "Unggah versi baru")
    fixed = docx_bytes("KESEPAKATAN BERSAMA", "Pasal 3 diperbaiki bersama TKKSD")
    await office.upload("ketua", "rancangan-perbaikan.docx", fixed)
    card = office.with_choice("kabag", "Sampaikan")
    assert "(versi 2)" in card.text and "Siti Rahmawati, S.H." in card.text
    assert office.graph.document(office.last("kabag"))[0] == fixed
    await office.press("kabag", "Sampaikan", card)

    # The Sekda's "versi 2" is the Wali Kota's "versi 2".
    review, handed = office.inbox("sekda")[-2:]
    assert "versi 2" in review.text and "Setujui" in review.labels
    assert office.graph.document(handed)[0] == fixed and "versi 2" in handed.text
    await office.approve("sekda")
    review, handed = office.inbox("walikota")[-2:]
    assert "Langkah 8" in review.text and "versi 2" in review.text
    assert office.graph.document(handed)[0] == fixed and "versi 2" in handed.text

    # The Wali Kota's return reaches the Sekda with the choice; sent down to the Kabag and the
    # Ketua Tim with the Wali Kota's note, fixed, it comes back up as versi 3.
    await office.give_back("walikota", "Tambahkan pasal keadaan kahar")
    choice = office.with_choice("sekda", "Kembalikan")
    assert "Tambahkan pasal keadaan kahar" in choice.text
    assert "Kembalikan untuk meneruskannya" in choice.text and "Setujui" in choice.labels
    await office.give_back("sekda", "Mohon ditambahkan bersama TKKSD", choice)
    down = office.with_choice("kabag", "Tanpa perubahan")
    assert "Tambahkan pasal keadaan kahar" in down.text and "Mohon ditambahkan" in down.text
    assert told(office, "ketua", "Tambahkan pasal keadaan kahar")

    office.telegram.at("2026-03-04T13:00")
    await office.press("kabag", "Unggah Rancangan")
    kahar = docx_bytes("KESEPAKATAN BERSAMA", "Pasal 9 Keadaan kahar")
    await office.upload("kabag", "rancangan-kahar.docx", kahar)
    card = office.with_choice("kabag", "Sampaikan")
    assert "versi 3, diunggah oleh Drs. Budi Santoso, M.Si." in card.text  # hers
    await office.press("kabag", "Sampaikan", card)
    review, handed = office.inbox("sekda")[-2:]
    assert "versi 3, diunggah oleh Drs. Budi Santoso, M.Si." in review.text
    assert handed.text == (  # hers, though the SOP names the draft by the Ketua Tim's paraf
        "📎 Rancangan Kesepakatan Bersama berparaf Ketua Tim, versi 3, diunggah oleh "
        f"Drs. Budi Santoso, M.Si., perkara {REF}"
    )
    await office.approve("sekda")
    review, handed = office.inbox("walikota")[-2:]
    assert "versi 3" in review.text and office.graph.document(handed)[0] == kahar
    await office.approve("walikota")

    case = await office.telegram.app.workflow.get(REF)
    assert [r.outcome for r in case.runs].count(Outcome.RETURNED) == 3
    assert case.artifacts["rancangan_disetujui"].version == 3
    assert case.artifacts["rancangan_berparaf"].recorded_by == office.walk.ids["kabag"]
    assert case.current_run("jadwal_penandatanganan") is not None
    assert "Langkah 10" in office.inbox("walikota")[-2].text + office.last("walikota").text


async def test_the_sekda_answers_a_wali_kota_return_on_whatsapp_and_the_wali_kota_reads_it(office):
    await office.say("kabag", "tugas")
    await office.press("kabag", "Sampaikan")
    await office.approve("sekda")
    await office.give_back("walikota", "Apakah pasal 5 sudah dikaji Bagian Hukum?")

    await office.press("sekda", "Setujui", office.with_choice("sekda", "Kembalikan"))
    assert "mohon tuliskan jawaban" in office.last("sekda").text
    shown = await office.say("sekda", "Sudah dikaji Bagian Hukum pada 3 Maret 2026.")
    assert "Ubah jawaban" in shown.labels
    await office.press("sekda", "Ya, setujui", shown)

    review = office.with_choice("walikota", "Kembalikan")
    assert 'Jawaban Dr. Hendra Wijaya, M.M.: "Sudah dikaji Bagian Hukum' in review.text
    case = await office.telegram.app.workflow.get(REF)
    assert case.current_run("telaah_walikota") is not None
