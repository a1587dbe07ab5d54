"""The officials' work the proof repeats: whole cases with returns, uploads, reminders, commands.

One case walks SOP 54/2025 from the disposition to the signing schedule: the Kabag, the Ketua
Tim, the TKKSD member and the Wali Kota on Telegram, the Sekda on WhatsApp, who returns the draft
once; the Kabag uploads the corrected version. Plain commands and a reminder sweep
(`sopbot remind --at`, a separate process) come in between.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from docx import Document

from bot.clock import JAKARTA
from proof.world import Lane

REF = re.compile(r"KB-\d{4}-\d{4}")


def docx(*paragraphs: str) -> bytes:
    """A real .docx with these paragraphs."""
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _weekday_after(start: date, days: int) -> date:
    day = start + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def case(lane: Lane, number: int, remind: Callable[[], str | None]) -> None:
    """One whole case; `remind` arms each `sopbot remind` process (or not)."""
    today = datetime.now(JAKARTA).date()
    signing = _weekday_after(today, 30).isoformat()
    partner = f"Pemerintah Kota Mitra {number}"
    await lane.say("kabag", f"/baru {partner} | Kerja sama pengelolaan sampah {number}")
    await lane.press("kabag", "Pemerintah Daerah lain")
    await lane.say("kabag", f"415.4/{number}-Tapem, surat balasan")
    await lane.say("kabag", f"Disposisi Wali Kota No. 005/{number}-Tapem")
    ref = REF.search(lane.last("kabag"))
    await lane.press("kabag", "Siti Rahmawati")
    await lane.press("kabag", "Buat Lembar disposisi")
    await lane.press("kabag", "Selesai")
    await lane.press("ketua", "Isi Tempat rapat")
    await lane.say("ketua", "Ruang Rapat Bagian Tata Pemerintahan Lt. 3")
    # The bot runs on the real clock: a meeting time it accepts lies ahead, and the minutes
    # could only follow it hours later. The proof leaves the time open and skips it, with a
    # reason and the confirmation a skip asks for.
    await lane.say("ketua", "/batal")
    await lane.press("ketua", "Buat Draft rancangan")
    await lane.press("ketua", "Lewati")
    await lane.say("ketua", f"Waktu rapat perkara {number} menunggu konfirmasi mitra kerja sama.")
    await lane.press("ketua", "Ya, lewati")
    await lane.say("tkksd", "/tugas")
    if ref is not None:
        await lane.say("kabag", f"/status {ref.group(0)}")
    await lane.remind(f"{_weekday_after(today, 3 + number)}T09:00", remind)
    await lane.press("ketua", "Unggah Notulensi")
    await lane.upload("ketua", "notulen.docx", docx("NOTULEN RAPAT", f"Perkara {number}"))
    await lane.press("ketua", "Selesai")
    await lane.press("ketua", "Unggah Rancangan Kesepakatan Bersama berparaf")
    draft = docx("KESEPAKATAN BERSAMA", f"Mitra {number}", "Pasal 1")
    await lane.upload("ketua", "rancangan.docx", draft)
    await lane.press("ketua", "Selesai")
    await lane.press("ketua", "Ya, Selesai")
    await lane.press("kabag", "Sampaikan")
    await lane.press("sekda", "Kembalikan")
    await lane.say("sekda", f"Pasal pembiayaan perkara {number} perlu dirinci.")
    await lane.press("sekda", "Ya, kembalikan")
    await lane.say("kabag", "/tugas")
    fixed = docx("KESEPAKATAN BERSAMA", f"Mitra {number}", "Pasal 1", "Pembiayaan bersama")
    await lane.upload("kabag", "rancangan-v2.docx", fixed)
    await lane.press("kabag", "Sampaikan")
    await lane.press("sekda", "Setujui")
    await lane.press("sekda", "Ya, setujui")
    await lane.press("walikota", "Setujui")
    await lane.press("walikota", "Ya, setujui")
    await lane.press("walikota", "Isi Rencana waktu")
    await lane.say("walikota", f"{signing} 10:00")
    await lane.press("walikota", "Selesai")
    if ref is not None:
        await lane.say("ketua", f"/riwayat {ref.group(0)}")
