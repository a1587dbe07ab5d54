"""Two SOPs in one deployment, a Kabag on WhatsApp: /baru asks which SOP in a list whose rows
keep whole words and differ, and a case of the second SOP opens and reaches its step 1."""

from __future__ import annotations

import shutil

import pytest

from tests.test_several_sops import KB_TITLE, PKS, PKS_TITLE, SOP54
from tests.whatsapp_office import WhatsAppOffice


@pytest.fixture
async def office(tmp_path):
    sops = tmp_path / "sops"
    sops.mkdir()
    shutil.copy(PKS, sops / PKS.name)
    office = WhatsAppOffice(
        tmp_path / "data", changes={"sopbot_sop_file": SOP54, "sopbot_sop_dir": sops}
    )
    await office.start(on_telegram=("ketua", "walikota", "tkksd"))
    await office.register("kabag")
    yield office
    await office.stop()


async def test_baru_on_whatsapp_offers_each_sop_by_whole_words_of_its_title(office):
    question = await office.say("kabag", "baru")

    assert question.is_list
    titles = [title for title, _, _ in question.choices]
    assert titles == ["Pelaksanaan Koordinasi…", "Fasilitasi Penyusunan…", "Batal"]
    descriptions = [description for _, _, description in question.choices]
    assert descriptions[:2] == [KB_TITLE, PKS_TITLE]
    assert "2. Fasilitasi Penyusunan Perjanjian Kerja Sama" in question.text


async def test_a_kabag_on_whatsapp_opens_a_case_of_the_second_sop(office):
    await office.say("kabag", "baru")
    await office.press("kabag", "Fasilitasi Penyusunan")
    await office.say("kabag", "Pemerintah Kota Bandung")
    await office.press("kabag", "Pemerintah Daerah lain")
    await office.say("kabag", "PKS pengelolaan sampah")

    await office.say("kabag", "119/KB-Tapem/III/2026")

    case = await office.telegram.app.workflow.get("PKS-2026-0001")
    assert (case.sop_code, case.partner, case.subject) == (
        "pks-2025", "Pemerintah Kota Bandung", "PKS pengelolaan sampah"
    )
    assert case.artifacts["nomor_kb"].value == "119/KB-Tapem/III/2026"
    card = office.with_choice("kabag", "Arahan Kabag")
    assert "PKS-2026-0001" in card.text and "Langkah 1" in card.text


async def test_the_sop_can_be_typed_by_its_place_in_the_list(office):
    await office.say("kabag", "baru Pemerintah Kota Bogor | PKS transportasi")

    asked = await office.say("kabag", "2")

    assert any("Pemerintah Daerah lain" in title for title, _, _ in asked.choices)
    await office.press("kabag", "Pemerintah Daerah lain")
    await office.say("kabag", "120/KB-Tapem/III/2026")
    case = await office.telegram.app.workflow.get("PKS-2026-0001")
    assert case.subject == "PKS transportasi"
