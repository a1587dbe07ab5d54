"""TKKSD members are invited to the coordination meeting by jabatan, with place, time, agenda."""

from __future__ import annotations

from bot.render_text import render
from tests.office import Office


async def test_a_tkksd_member_is_invited_with_place_time_and_agenda_in_order(office: Office, db):
    case = await office.open()
    await office.assign_and_dispose(case)
    await office.fact("ketua", case, "persiapan", "acara_rapat", "Pembahasan draft rancangan")

    await office.prepare(case)

    [invitation] = [
        m for key, (m, _) in db.outbox.items()
        if ":participant:" in key and m.recipient_id == office.ids["tkksd"]
    ]  # fmt: skip
    text = render(invitation.reply)
    assert text.startswith("Yth. Bapak/Ibu Anggota TKKSD,\nBapak/Ibu diundang sebagai Anggota")
    assert (
        "\nTempat: Ruang Rapat Tapem, proyektor"
        "\nWaktu: Rabu, 4 Maret 2026 pukul 09.00 WIB"
        "\nAcara: Pembahasan draft rancangan"
        "\nDokumen terlampir."
    ) in text
