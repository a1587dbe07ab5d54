"""The SOP's limits on times in the engine: the signing date, the minutes, the meeting."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import JAKARTA
from bot.errors import DateRefused, InvalidInput
from bot.sop.loader import load_sop
from bot.workflow import commands as c

SIGNING = ("walikota", "jadwal_penandatanganan", "rencana_penandatanganan")


def at(office, iso: str) -> None:
    office.clock.set(datetime.fromisoformat(iso).replace(tzinfo=JAKARTA))


async def approved(office):
    """A case approved by the Wali Kota on Thursday 5 March 2026 at 10:00."""
    case = await office.open()
    await office.until_sekda(case)
    await office.act("sekda", c.Approve, case, "telaah_sekda")
    at(office, "2026-03-05T10:00")
    await office.act("walikota", c.Approve, case, "telaah_walikota")
    return case


def test_the_sop_file_says_which_limits_apply_to_which_time():
    artifacts = load_sop().artifacts

    assert artifacts["waktu_rapat"].not_before == ("now",)
    assert artifacts["waktu_rapat"].not_after == ("deadline",)
    assert artifacts["waktu_rapat"].office_hours
    assert artifacts["rencana_penandatanganan"].not_before == ("rancangan_disetujui", "now")
    assert artifacts["notulensi"].not_before == ("waktu_rapat",)


async def test_a_signing_date_before_the_wali_kotas_approval_is_refused(office):
    case = await approved(office)

    with pytest.raises(DateRefused) as error:
        await office.fact(*SIGNING[:1], case, *SIGNING[1:], "5 Maret 2026 pukul 09.00")

    assert error.value.params["reason"] == (
        "Kamis, 5 Maret 2026 pukul 09.00 WIB lebih awal dari saat Rancangan Kesepakatan "
        "Bersama yang disetujui dicatat (Kamis, 5 Maret 2026 pukul 10.00 WIB). Pilihan "
        "terdekat: Jumat, 6 Maret 2026 pukul 09.00 WIB; Senin, 9 Maret 2026 pukul 09.00 WIB; "
        "Selasa, 10 Maret 2026 pukul 09.00 WIB."
    )
    assert error.value.choices[0] == datetime(2026, 3, 6, 9, 0, tzinfo=JAKARTA)
    assert not (await office.case(case)).has("rencana_penandatanganan")


async def test_a_signing_date_after_the_approval_on_a_working_day_is_recorded(office):
    case = await approved(office)

    await office.fact(*SIGNING[:1], case, *SIGNING[1:], "Senin, 9 Maret 2026 pukul 10.00")

    value = (await office.case(case)).artifacts["rencana_penandatanganan"].value
    assert value == "2026-03-09T10:00:00+07:00"


async def test_a_signing_date_on_a_holiday_is_refused(office):
    case = await approved(office)

    with pytest.raises(DateRefused) as error:
        await office.fact(*SIGNING[:1], case, *SIGNING[1:], "19-03-2026 10.00")

    reason = error.value.params["reason"]
    assert "Kamis, 19 Maret 2026 adalah hari libur: Hari Suci Nyepi" in reason


async def test_the_minutes_cannot_be_submitted_before_the_meeting(office):
    case = await office.open()
    await office.assign_and_dispose(case)
    await office.prepare(case, meeting="2026-03-04 09:00")

    with pytest.raises(InvalidInput) as error:
        await office.attach("ketua", case, "rapat_koordinasi", "notulensi")

    assert error.value.params["reason"] == (
        "Notulensi koordinasi awal baru dapat disampaikan sesudah Waktu rapat koordinasi "
        "(Rabu, 4 Maret 2026 pukul 09.00 WIB); berkas Bapak/Ibu tidak hilang, silakan kirim "
        "kembali sesudah waktu itu"
    )
    assert not (await office.case(case)).has("notulensi")

    at(office, "2026-03-04T10:30")
    await office.attach("ketua", case, "rapat_koordinasi", "notulensi")

    assert (await office.case(case)).has("notulensi")


async def test_a_meeting_after_the_preparation_deadline_is_refused(office):
    case = await office.open()
    await office.assign_and_dispose(case)

    with pytest.raises(DateRefused) as error:
        await office.fact("ketua", case, "persiapan", "waktu_rapat", "5 Maret 2026 pukul 09.00")

    assert (
        "melewati batas waktu langkah 2 (Rabu, 4 Maret 2026 pukul 09.00 WIB)"
        in (error.value.params["reason"])
    )


async def test_a_late_preparation_still_takes_a_meeting_time(office):
    case = await office.open()
    await office.assign_and_dispose(case)
    at(office, "2026-03-05T10:00")  # step 2 was due on Wednesday 4 March at 09:00

    await office.fact("ketua", case, "persiapan", "waktu_rapat", "6 Maret 2026 pukul 09.00")

    assert (await office.case(case)).artifacts["waktu_rapat"].value == "2026-03-06T09:00:00+07:00"
