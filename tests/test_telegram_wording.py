"""On Telegram end to end: formal address, refusals, a second /baru, old dialogue buttons,
/saluran, deactivated accounts and names with markup."""

from __future__ import annotations

import pytest

from tests.telegram_office import TelegramOffice, open_case
from tests.test_telegram_inputs import at_sekda

DEACTIVATED = "Mohon maaf, akun Bapak/Ibu dinonaktifkan; silakan hubungi admin."
STALE = "Mohon maaf, pertanyaan itu sudah tidak berlaku. Tidak ada yang diubah; silakan jawab " \
        "pertanyaan terakhir."  # fmt: skip
PENDING = (
    "Bapak/Ibu sedang mencatat perkara baru yang belum selesai. Lanjutkan pencatatan itu, atau "
    "tinggalkan dan mulai perkara baru? Isian yang sudah diketik tetap tersimpan sampai "
    "Bapak/Ibu memilih."
)


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


def welcome(office: TelegramOffice, who: str) -> str:
    return next(m.text for m in office.inbox(who) if "Selamat datang" in m.text)


async def test_the_wali_kota_and_the_sekda_are_greeted_by_their_office(office):
    assert welcome(office, "walikota").startswith(
        "Yth. Bapak Wali Kota,\nSelamat datang. Akun ini terdaftar sebagai Wali Kota."
    )
    sekda = welcome(office, "sekda")
    assert sekda.startswith("Yth. Bapak/Ibu Sekretaris Daerah,\nSelamat datang.")
    assert "H. Sachrudin" not in welcome(office, "walikota")


async def test_the_task_card_greets_the_kabag_by_jabatan_and_says_step_one_is_hers(office):
    await open_case(office)

    opened, card = office.inbox("kabag")[-2:]
    assert opened.text == (
        "Perkara KB-2026-0001: Kerja sama pengelolaan sampah dicatat. Langkah 1 adalah tugas "
        "Bapak/Ibu sendiri; kartu tugasnya ada pada pesan berikut."
    )
    assert card.text.startswith(
        "Yth. Bapak/Ibu Kepala Bagian Tata Pemerintahan,\nPerkara KB-2026-0001"
    )


async def test_a_wrong_partner_kind_is_refused_politely_without_a_prefix(office):
    await office.say("kabag", "/baru")
    await office.say("kabag", "Pemerintah Kota Bandung")

    answer = await office.say("kabag", "Swasta")

    assert answer.text == (
        'Mohon maaf, jenis mitra "Swasta" tidak dikenal; pilihan: Pemerintah Daerah lain, '
        "Pihak Ketiga, Kementerian / Lembaga Pemerintah Non Kementerian."
    )


async def test_a_second_baru_asks_to_continue_or_leave_and_continuing_loses_nothing(office):
    await office.say("kabag", "/baru")
    await office.say("kabag", "Pemerintah Kota Bandung")

    asked = await office.say("kabag", "/baru")
    assert asked.text == PENDING
    assert asked.labels == ["Lanjutkan", "Tinggalkan"]

    await office.press("kabag", "Lanjutkan")
    assert office.last("kabag").text == "Apa jenis mitranya?"
    assert "Pemerintah Daerah lain" in office.last("kabag").labels
    await office.press("kabag", "Pemerintah Daerah lain")
    await office.say("kabag", "Kerja sama pengelolaan sampah")
    await office.say("kabag", "415.4/123-Tapem, 10 Maret 2026")
    await office.say("kabag", "Disposisi No. 005/123-Tapem")

    case = await office.app.workflow.get("KB-2026-0001")
    assert case.partner == "Pemerintah Kota Bandung"


async def test_leaving_the_first_case_starts_a_new_one(office):
    await office.say("kabag", "/baru")
    await office.say("kabag", "Pemerintah Kota Bandung")
    await office.say("kabag", "/baru")

    await office.press("kabag", "Tinggalkan")

    assert office.last("kabag").text == (
        "Perkara baru. Siapa mitra kerja samanya? (contoh: Pemerintah Kota Bandung)"
    )
    await office.say("kabag", "Pemerintah Kota Bogor")
    assert "Pemerintah Daerah lain" in office.last("kabag").labels


async def test_leaving_the_first_case_keeps_what_the_second_baru_said(office):
    await office.say("kabag", "/baru")
    await office.say("kabag", "Pemerintah Kota Bandung")
    await office.say("kabag", "/baru Pemerintah Kota Bogor | Kerja sama air minum")

    await office.press("kabag", "Tinggalkan")

    assert office.last("kabag").text == "Apa jenis mitranya?"
    await office.press("kabag", "Pemerintah Daerah lain")
    assert "Nomor dan tanggal surat jawaban" in office.last("kabag").text  # not the subject


async def test_an_old_batal_does_not_cancel_the_new_question(office):
    first = await office.say("kabag", "/baru")
    old_batal = dict(b for row in first.buttons for b in row)["Batal"]
    await office.say("kabag", "/batal")
    await office.say("kabag", "/baru")
    assert first.labels == []  # the closed question lost its buttons; an old tap still comes

    office.users["kabag"].press_data(old_batal, first)
    await office.settle()

    assert office.last("kabag").text == STALE
    await office.say("kabag", "Pemerintah Kota Bandung")
    assert "Pemerintah Daerah lain" in office.last("kabag").labels


async def test_a_button_of_a_finished_dialogue_says_the_question_is_gone(office):
    await office.say("kabag", "/baru")
    asked = await office.say("kabag", "Pemerintah Kota Bandung")
    old = dict(b for row in asked.buttons for b in row)["Pemerintah Daerah lain"]
    await office.say("kabag", "/batal")

    office.users["kabag"].press_data(old, asked)  # a tap from before the buttons went
    await office.settle()

    assert office.last("kabag").text == (
        "Mohon maaf, pertanyaan itu sudah tidak berlaku. Tidak ada yang diubah."
    )
    async with office.app.uow() as uow:
        assert await uow.cases.list(active_only=False) == []


async def test_saluran_with_one_channel_says_where_notifications_go(office):
    answer = await office.say("ketua", "/saluran")

    assert answer.text.startswith(
        "Pemberitahuan untuk Bapak/Ibu dikirim melalui Telegram, satu-satunya saluran yang "
        "terdaftar."
    )
    refused = await office.say("ketua", "/saluran whatsapp")
    assert refused.text.startswith("Mohon maaf, akun WhatsApp Bapak/Ibu belum terdaftar")


async def test_a_deactivated_official_resending_the_old_code_is_told_so(office):
    code, _ = await office.app.admin.create_invite("tkksd", "Dewi Lestari")
    user = office.standin.user(1099, "Dewi")
    office.users["dewi"] = user
    await office.say("dewi", f"/start {code}")
    await office.app.admin.set_active("Dewi", False)

    again = await office.say("dewi", f"/start {code}")
    other = await office.say("dewi", "/tugas")

    assert again.text == DEACTIVATED
    assert other.text == DEACTIVATED


async def test_markup_in_a_name_is_shown_literally(office):
    name = "<b>Dewi</b> *Lestari* _S.E._"
    code, _ = await office.app.admin.create_invite("tkksd", name)
    office.users["dewi"] = office.standin.user(1099, "Dewi")
    await office.say("dewi", f"/start {code}")

    await office.say("dewi", "/start")

    assert office.inbox("dewi")[-2].text == f"Bapak/Ibu {name} sudah terdaftar."
    sent = [c for c in office.standin.calls_to("sendMessage") if name in str(c)]
    assert sent and all("parse_mode" not in str(c) for c in sent)


async def test_a_first_version_is_shown_without_a_line_of_changes(office):
    await at_sekda(office)

    shown = [m.text for who in ("kabag", "sekda") for m in office.inbox(who)]

    assert any("versi 1" in text for text in shown)
    assert not [text for text in shown if "Perubahan" in text]
