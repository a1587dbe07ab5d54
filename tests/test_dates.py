"""bot/dates.py on a fixed clock: dates as people type them, and the calendar's refusals."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot import dates
from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.errors import InvalidInput

# Sunday 6 December 2026, late afternoon.
NOW = datetime(2026, 12, 6, 17, 0, tzinfo=JAKARTA)
CALENDAR = OfficeCalendar()


def jkt(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JAKARTA)


@pytest.mark.parametrize(
    "typed, day, clock",
    [
        ("13-12-2026 09:00", date(2026, 12, 13), time(9, 0)),
        ("13/12/2026 9.00", date(2026, 12, 13), time(9, 0)),
        ("10 Desember 2026 pukul 10.00", date(2026, 12, 10), time(10, 0)),
        ("Kamis, 10 Des 2026 10.00", date(2026, 12, 10), time(10, 0)),
        ("besok 09.00", date(2026, 12, 7), time(9, 0)),
        ("lusa 10.00", date(2026, 12, 8), time(10, 0)),
        ("Besok pukul 13.30 WIB", date(2026, 12, 7), time(13, 30)),
        ("2026-03-20 09:00", date(2026, 3, 20), time(9, 0)),
        ("2026-03-20T09:00:00+07:00", date(2026, 3, 20), time(9, 0)),
        ("13-12-2026", date(2026, 12, 13), None),
        ("10 Desember 2026", date(2026, 12, 10), None),
        ("besok", date(2026, 12, 7), None),
    ],
)
def test_a_typed_date_is_read_with_its_time(typed, day, clock):
    assert dates.read(typed, NOW) == dates.Reading(day, clock)


def test_a_reading_with_a_time_is_an_instant_in_jakarta():
    assert dates.read("10 Des 2026 10.00", NOW).at() == jkt(2026, 12, 10, 10)


def test_a_weekday_that_contradicts_the_date_is_refused_naming_the_real_one():
    with pytest.raises(InvalidInput) as error:
        dates.read("Senin, 10 Des 2026 10.00", NOW)

    assert error.value.params["reason"] == (
        "10 Desember 2026 jatuh pada hari Kamis, bukan Senin; mohon periksa kembali tanggalnya"
    )


@pytest.mark.parametrize(
    "typed", ["besok pagi", "kapan-kapan", "31-02-2026 10.00", "13-12-2026 25.00", "Senin", ""]
)
def test_what_is_not_a_whole_date_is_refused_with_examples(typed):
    with pytest.raises(InvalidInput) as error:
        dates.read(typed, NOW)

    assert "tidak dapat dibaca sebagai tanggal" in error.value.params["reason"]
    assert "besok 09.00" in error.value.params["reason"]


@pytest.mark.parametrize(
    "typed, clock",
    [("09.00", time(9, 0)), ("9:30", time(9, 30)), ("pukul 13", time(13, 0)),
     ("jam 10.15 WIB", time(10, 15)), ("pagi", None), ("13-12-2026 09.00", None)],
)  # fmt: skip
def test_a_time_typed_alone(typed, clock):
    assert dates.read_time(typed) == clock


MEETING_LIMITS = dates.Limits(
    earliest=(dates.Bound(jkt(2026, 12, 23, 8), "dates.past"),),
    latest=(dates.Bound(jkt(2026, 12, 29, 8), "dates.after_deadline", {"number": "2"}),),
    office_hours=True,
)


@pytest.mark.parametrize(
    "at, reason, nearest",
    [
        (jkt(2026, 12, 22, 9), "Selasa, 22 Desember 2026 pukul 09.00 WIB sudah lewat "
         "(sekarang Rabu, 23 Desember 2026 pukul 08.00 WIB)",
         [jkt(2026, 12, 23, 9), jkt(2026, 12, 28, 9)]),
        (jkt(2026, 12, 24, 9), "Kamis, 24 Desember 2026 adalah hari libur: "
         "Cuti Bersama Hari Raya Natal", [jkt(2026, 12, 23, 9), jkt(2026, 12, 28, 9)]),
        (jkt(2026, 12, 25, 9), "Jumat, 25 Desember 2026 adalah hari libur: Hari Raya Natal",
         [jkt(2026, 12, 23, 9), jkt(2026, 12, 28, 9)]),
        (jkt(2026, 12, 26, 9), "Sabtu, 26 Desember 2026 adalah hari Sabtu; kantor tutup",
         [jkt(2026, 12, 23, 9), jkt(2026, 12, 28, 9)]),
        (jkt(2026, 12, 27, 9), "Minggu, 27 Desember 2026 adalah hari Minggu; kantor tutup",
         [jkt(2026, 12, 23, 9), jkt(2026, 12, 28, 9)]),
        (jkt(2026, 12, 28, 17), "pukul 17.00 pada Senin, 28 Desember 2026 di luar jam kerja "
         "kantor (07.30-16.00 WIB)", [jkt(2026, 12, 23, 15), jkt(2026, 12, 28, 15)]),
        (jkt(2026, 12, 30, 9), "Rabu, 30 Desember 2026 pukul 09.00 WIB melewati batas waktu "
         "langkah 2 (Selasa, 29 Desember 2026 pukul 08.00 WIB)",
         [jkt(2026, 12, 23, 9), jkt(2026, 12, 28, 9)]),
    ],
)  # fmt: skip
def test_a_refused_time_has_its_reason_and_the_nearest_accepted_times(at, reason, nearest):
    assert dates.refusal(at, MEETING_LIMITS, CALENDAR) == reason
    assert dates.nearest(at, MEETING_LIMITS, CALENDAR) == nearest


def test_an_accepted_time_has_no_refusal():
    assert dates.refusal(jkt(2026, 12, 28, 9), MEETING_LIMITS, CALENDAR) is None
    assert dates.refusal(jkt(2026, 12, 29, 7, 45), MEETING_LIMITS, CALENDAR) is None


def test_nearest_offers_up_to_three_times_earliest_first():
    limits = dates.Limits(earliest=(dates.Bound(NOW, "dates.past"),), office_hours=True)

    assert dates.nearest(jkt(2026, 12, 6, 10), limits, CALENDAR) == [
        jkt(2026, 12, 7, 10), jkt(2026, 12, 8, 10), jkt(2026, 12, 9, 10)
    ]  # fmt: skip


def test_a_bound_after_an_approval_names_it():
    approved = dates.Bound(jkt(2026, 12, 8, 10), "dates.before", {"label": "persetujuan"})
    limits = dates.Limits(earliest=(approved,), office_hours=True)

    assert dates.refusal(jkt(2026, 12, 8, 9), limits, CALENDAR) == (
        "Selasa, 8 Desember 2026 pukul 09.00 WIB lebih awal dari persetujuan "
        "(Selasa, 8 Desember 2026 pukul 10.00 WIB)"
    )
    assert dates.nearest(jkt(2026, 12, 8, 9), limits, CALENDAR)[0] == jkt(2026, 12, 9, 9)
