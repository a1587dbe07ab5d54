"""On WhatsApp end to end: /saluran from either channel, and a deactivated account."""

from __future__ import annotations

import pytest

from tests.telegram_office import step_two
from tests.whatsapp_office import WA_CAST, WaUser, WhatsAppOffice

NIP = "197001011995031001"
DEACTIVATED = "Mohon maaf, akun Bapak/Ibu dinonaktifkan; silakan hubungi admin."


@pytest.fixture
async def office(tmp_path):
    office = WhatsAppOffice(tmp_path)
    await office.start(on_telegram=("ketua", "walikota", "tkksd"))
    await office.hire_on_telegram("kabag", nip=NIP)
    yield office
    await office.stop()


def told(office: WhatsAppOffice, text: str) -> tuple[bool, bool]:
    """Whether the Kabag got `text` on WhatsApp, and on Telegram."""
    on_whatsapp = any(text in m.text for m in office.inbox("kabag"))
    on_telegram = any(text in m.text for m in office.telegram.inbox("kabag"))
    return on_whatsapp, on_telegram


async def test_a_person_on_both_channels_moves_notifications_from_either_channel(office):
    await step_two(office.telegram)
    await office.register("kabag", nip=NIP)  # registered last: WhatsApp gets notifications

    shown = await office.telegram.say("kabag", "/saluran")
    assert shown.text == (
        "Pemberitahuan untuk Bapak/Ibu saat ini dikirim melalui WhatsApp. Untuk memindahkannya, "
        "tekan tombol di bawah, atau kirim saluran telegram atau saluran whatsapp."
    )
    assert shown.labels == ["Pindah ke Telegram"]
    await office.telegram.press("kabag", "Pindah ke Telegram")
    assert office.telegram.last("kabag").text == (
        "Baik, pemberitahuan selanjutnya dikirim melalui Telegram."
    )
    await office.telegram.say("ketua", "/lapor KB-2026-0001 Undangan sedang disusun")
    assert told(office, "Undangan sedang disusun") == (False, True)

    answer = await office.say("kabag", "saluran whatsapp")
    assert answer.text == "Baik, pemberitahuan selanjutnya dikirim melalui WhatsApp."
    office.telegram.at("2026-03-02T09:00:00")  # a report later in the day
    await office.telegram.say("ketua", "/lapor KB-2026-0001 Undangan sudah ditandatangani")
    assert told(office, "Undangan sudah ditandatangani") == (True, False)


async def test_saluran_on_whatsapp_without_argument_offers_the_other_channel(office):
    await office.register("kabag", nip=NIP)

    shown = await office.say("kabag", "saluran")

    assert shown.text.startswith(
        "Pemberitahuan untuk Bapak/Ibu saat ini dikirim melalui WhatsApp."
    )
    assert [title for title, _, _ in shown.choices] == ["Pindah ke Telegram"]
    answer = await office.press("kabag", "Pindah ke Telegram")
    assert answer.text == "Baik, pemberitahuan selanjutnya dikirim melalui Telegram."


async def test_a_deactivated_official_resending_the_old_code_on_whatsapp_is_told_so(office):
    wa_id, role, name = WA_CAST["sekda"]
    code, _ = await office.telegram.app.admin.create_invite(role, name)
    office.wa_users["sekda"] = WaUser(wa_id, name.split()[0])
    await office.say("sekda", f"daftar {code}")
    await office.telegram.app.admin.set_active("Hendra", False)

    again = await office.say("sekda", f"daftar {code}")
    other = await office.say("sekda", "tugas")

    assert again.text == DEACTIVATED
    assert other.text == DEACTIVATED
    assert all("Selamat datang" not in m.text and "belum terdaftar" not in m.text
               for m in office.inbox("sekda")[1:])  # fmt: skip


async def test_markup_in_a_name_is_shown_literally_on_whatsapp(office):
    name = "<b>Hendra</b> *Wijaya* _M.M._ ~x~"
    wa_id, role, _ = WA_CAST["sekda"]
    code, _ = await office.telegram.app.admin.create_invite(role, name)
    office.wa_users["sekda"] = WaUser(wa_id, "Hendra")
    await office.say("sekda", f"daftar {code}")

    await office.say("sekda", "daftar")

    shown = office.inbox("sekda")[-2].text
    assert shown == (
        "Bapak/Ibu <b>Hendra</b> \u2060*Wijaya\u2060* \u2060_M.M.\u2060_ \u2060~x\u2060~ "
        "sudah terdaftar."
    )
    assert shown.replace("\u2060", "") == f"Bapak/Ibu {name} sudah terdaftar."
