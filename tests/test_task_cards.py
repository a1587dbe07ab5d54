"""One live task card: edited in place, older copies retired, only what can be done now."""

from __future__ import annotations

import pytest

from tests.telegram_office import TelegramOffice, open_case, step_two


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


def cards(office: TelegramOffice, who: str, step: int) -> list:
    return [m for m in office.inbox(who) if f"Langkah {step}:" in m.text and m.from_bot]


async def test_an_item_filled_edits_the_card_it_came_from(office):
    await step_two(office)
    [card] = cards(office, "ketua", 2)

    await office.press("ketua", "Isi Tempat rapat", card)
    await office.say("ketua", "Ruang Rapat Tapem Lt. 3")

    assert cards(office, "ketua", 2) == [card]
    assert card.edited
    assert "✅ Tempat rapat dan kelengkapannya: Ruang Rapat Tapem Lt. 3" in card.text
    assert "Isi Tempat rapat dan kelengkapannya" not in card.labels


async def test_a_new_copy_of_the_card_retires_the_old_one(office):
    await step_two(office)
    [old] = cards(office, "ketua", 2)

    await office.say("ketua", "/tugas")
    await office.press("ketua", "Isi Tempat rapat")
    await office.say("ketua", "Aula Kantor Wali Kota")

    assert old.labels == [] and "sudah diganti dengan pesan terbaru" in old.text
    new = office.last("ketua") if "Langkah 2" in office.last("ketua").text else None
    live = [m for m in cards(office, "ketua", 2) if m.labels]
    assert len(live) == 1 and "✅ Tempat rapat dan kelengkapannya: Aula" in live[0].text
    assert new is None or new is live[0]


async def test_the_invitation_is_built_once_time_and_place_are_set(office):
    await step_two(office)
    card = cards(office, "ketua", 2)[0]
    assert not any(label.startswith("Buat Surat undangan") for label in card.labels)
    assert "dapat dibuat setelah Waktu rapat koordinasi, Tempat rapat" in card.text

    await office.press("ketua", "Isi Tempat rapat", card)
    await office.say("ketua", "Ruang Rapat Tapem")
    await office.press("ketua", "Rabu, 4 Maret 2026")  # the time is asked next, with days
    await office.say("ketua", "08.00")

    assert "✅ Surat undangan: surat-undangan-KB-2026-0001.docx (versi 1)" in card.text
    assert "✅ Peserta rapat: Rina Marlina, S.E." in card.text  # the TKKSD are invited
    assert "Acara rapat" in office.last("ketua").text  # and the agenda is asked next


async def test_a_filled_item_can_be_changed_until_the_step_is_finished(office):
    await step_two(office)
    card = cards(office, "ketua", 2)[0]
    await office.press("ketua", "Isi Tempat rapat", card)
    await office.say("ketua", "Ruang Rapat Tapem")

    await office.press("ketua", "Ubah isian", card)
    assert "isian mana yang akan diubah" in card.text
    assert card.labels == [
        "Ubah Tempat rapat dan kelengkapannya", "Ubah Peserta rapat", "Kembali"
    ]
    await office.press("ketua", "Ubah Tempat rapat", card)
    await office.say("ketua", "Aula Kantor Wali Kota")

    assert "✅ Tempat rapat dan kelengkapannya: Aula Kantor Wali Kota" in card.text
    assert "Ubah isian" in card.labels


async def test_kembali_brings_the_card_back_unchanged(office):
    await step_two(office)
    card = cards(office, "ketua", 2)[0]
    await office.press("ketua", "Isi Tempat rapat", card)
    await office.say("ketua", "Ruang Rapat Tapem")
    before = (card.text, card.labels)

    await office.press("ketua", "Ubah isian", card)
    await office.press("ketua", "Kembali", card)

    assert (card.text, card.labels) == before


async def test_a_disposition_the_kabag_skipped_is_not_handed_to_the_ketua_tim(office):
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.skip("kabag", "Disposisi diberikan lisan dalam rapat pimpinan pagi ini.")

    card = cards(office, "ketua", 2)[-1]
    assert "⏭ Lembar disposisi Kabag: tidak ada pada langkah 1" in card.text
    assert not any("Lembar disposisi" in label for label in card.labels)


async def test_every_message_has_at_most_six_buttons_and_none_twice(office):
    await step_two(office)
    card = cards(office, "ketua", 2)[0]
    await office.press("ketua", "Pilih Peserta rapat", card)
    picker = office.last("ketua")
    await office.press("ketua", "Rina", picker)

    for who in ("kabag", "ketua"):
        for message in office.inbox(who):
            assert len(message.labels) <= 6, message.text
            assert len(set(message.labels)) == len(message.labels), message.labels
    assert picker.labels.count("Batal") == 1


async def test_a_complete_card_offers_the_finishing_button_and_no_skip(office):
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    assert "Lewati" in office.last("kabag").labels
    await office.press("kabag", "Buat Lembar disposisi")

    card = cards(office, "kabag", 1)[-1]
    assert "Selesai" in card.labels and "Lewati" not in card.labels
