"""Office calendar: working days, office hours and due dates (DESIGN "Time")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.calendar import (
    Duration,
    DurationUnit,
    HolidayOverride,
    OfficeCalendar,
    OfficeHours,
    RamadanSchedule,
)
from bot.clock import JAKARTA

RAMADAN_2026 = RamadanSchedule.parse(
    "2026-02-18..2026-03-19", "Mon-Thu 08:00-15:00; Fri 08:00-15:30"
)


def jkt(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JAKARTA)


@pytest.fixture
def calendar() -> OfficeCalendar:
    return OfficeCalendar()


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ("2026-03-17T15:50", "2 hari", "2026-03-26T15:50"),
        ("2026-03-27T16:25", "15 menit", "2026-03-30T07:40"),
    ],
)
def test_design_worked_examples_hold(
    calendar: OfficeCalendar, start: str, duration: str, expected: str
) -> None:
    due = calendar.due(jkt(start), Duration.parse(duration))

    assert due == jkt(expected)


def test_two_hari_started_before_nyepi_and_idul_fitri_skips_the_whole_holiday_week(
    calendar: OfficeCalendar,
) -> None:
    start = jkt("2026-03-17T15:50")

    due = calendar.due(start, Duration.parse("2 hari"))

    assert due == jkt("2026-03-26T15:50")


def test_fifteen_menit_started_at_1555_on_friday_ends_the_same_afternoon(
    calendar: OfficeCalendar,
) -> None:
    start = jkt("2026-03-27T15:55")

    due = calendar.due(start, Duration.parse("15 menit"))

    assert due == jkt("2026-03-27T16:10")


def test_fifteen_menit_started_at_1620_on_friday_carries_over_to_monday(
    calendar: OfficeCalendar,
) -> None:
    start = jkt("2026-03-27T16:20")

    due = calendar.due(start, Duration.parse("15 menit"))

    assert due == jkt("2026-03-30T07:35")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 14 May Ascension, 15 May its cuti bersama, 16–17 weekend.
        ("2026-05-12T10:00", "2026-05-25T10:00"),
        # 27 May Idul Adha, 28 May cuti bersama, 31 May Waisak (Sunday), 1 June Pancasila.
        ("2026-05-25T10:00", "2026-06-08T10:00"),
    ],
)
def test_seven_hari_kerja_skips_holidays_and_cuti_bersama(
    calendar: OfficeCalendar, start: str, expected: str
) -> None:
    due = calendar.due(jkt(start), Duration.parse("7 hari kerja"))

    assert due == jkt(expected)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-03-26T21:00", "2026-03-27T07:30"),
        ("2026-03-27T16:30", "2026-03-30T07:30"),
        ("2026-03-28T10:00", "2026-03-30T07:30"),
        ("2026-03-30T06:00", "2026-03-30T07:30"),
    ],
)
def test_a_moment_at_night_or_at_the_weekend_moves_to_the_next_opening(
    calendar: OfficeCalendar, at: str, expected: str
) -> None:
    opening = calendar.next_opening(jkt(at))

    assert opening == jkt(expected)


def test_a_moment_inside_office_hours_is_its_own_next_opening(calendar: OfficeCalendar) -> None:
    at = jkt("2026-03-27T16:29:59")

    assert calendar.next_opening(at) == at


def test_a_step_assigned_on_saturday_starts_its_clock_on_monday_morning(
    calendar: OfficeCalendar,
) -> None:
    start = jkt("2026-03-28T11:00")

    due = calendar.due(start, Duration.parse("1 hari"))

    assert due == jkt("2026-03-31T07:30")


def test_hundred_twenty_menit_crossing_closing_time_continues_next_morning(
    calendar: OfficeCalendar,
) -> None:
    start = jkt("2026-03-26T15:00")

    due = calendar.due(start, Duration.parse("120 menit"))

    assert due == jkt("2026-03-27T08:30")


def test_two_jam_count_the_same_as_hundred_twenty_menit(calendar: OfficeCalendar) -> None:
    start = jkt("2026-03-26T15:00")

    due = calendar.due(start, Duration.parse("2 jam"))

    assert due == jkt("2026-03-27T08:30")


def test_an_admin_regional_holiday_shifts_the_due_date() -> None:
    calendar = OfficeCalendar(
        overrides=[HolidayOverride(date(2026, 4, 28), "Libur daerah Kota Tangerang", True)]
    )

    due = calendar.due(jkt("2026-04-27T10:00"), Duration.parse("1 hari"))

    assert due == jkt("2026-04-29T10:00")


def test_an_override_declaring_a_working_day_cancels_the_cuti_bersama() -> None:
    calendar = OfficeCalendar(
        overrides=[HolidayOverride(date(2026, 5, 15), "Cuti bersama dibatalkan", False)]
    )

    due = calendar.due(jkt("2026-05-13T10:00"), Duration.parse("1 hari"))

    assert due == jkt("2026-05-15T10:00")


def test_a_declared_working_saturday_opens_with_the_first_weekday_hours() -> None:
    calendar = OfficeCalendar(
        overrides=[HolidayOverride(date(2026, 3, 28), "Hari kerja pengganti", False)]
    )

    hours = calendar.office_hours_on(date(2026, 3, 28))

    assert hours == (jkt("2026-03-28T07:30"), jkt("2026-03-28T16:00"))


def test_ramadan_hours_make_a_minute_step_carry_over_to_the_next_day() -> None:
    calendar = OfficeCalendar(ramadan=RAMADAN_2026)

    due = calendar.due(jkt("2026-03-05T14:30"), Duration.parse("60 menit"))

    assert due == jkt("2026-03-06T08:30")


@pytest.mark.parametrize(
    ("start", "expected"),
    [("2026-02-13T16:20", "2026-02-18T15:00"), ("2026-02-13T07:40", "2026-02-18T08:00")],
)
def test_a_day_step_due_in_ramadan_is_clipped_to_the_ramadan_hours(
    start: str, expected: str
) -> None:
    calendar = OfficeCalendar(ramadan=RAMADAN_2026)

    due = calendar.due(jkt(start), Duration.parse("1 hari"))

    assert due == jkt(expected)


def test_elapsed_minutes_across_a_weekend_count_only_office_minutes(
    calendar: OfficeCalendar,
) -> None:
    start, end = jkt("2026-03-27T16:00"), jkt("2026-03-30T08:00")

    elapsed = calendar.elapsed_minutes(start, end)

    assert elapsed == 60


def test_elapsed_minutes_are_zero_when_end_precedes_start(calendar: OfficeCalendar) -> None:
    elapsed = calendar.elapsed_minutes(jkt("2026-03-30T10:00"), jkt("2026-03-30T09:00"))

    assert elapsed == 0


def test_elapsed_working_days_skip_the_holiday_week(calendar: OfficeCalendar) -> None:
    start, end = jkt("2026-03-17T15:50"), jkt("2026-03-26T15:50")

    elapsed = calendar.elapsed_working_days(start, end)

    assert elapsed == 2


def test_next_working_days_skip_holidays_and_weekends(calendar: OfficeCalendar) -> None:
    days = calendar.next_working_days(date(2026, 3, 17), 3)

    assert days == [date(2026, 3, 25), date(2026, 3, 26), date(2026, 3, 27)]


def test_holiday_name_is_indonesian(calendar: OfficeCalendar) -> None:
    assert calendar.holiday_name(date(2026, 3, 19)) == "Hari Suci Nyepi"


def test_holiday_name_is_none_on_a_plain_day(calendar: OfficeCalendar) -> None:
    assert calendar.holiday_name(date(2026, 3, 25)) is None


def test_holiday_name_of_an_override_wins_over_the_package() -> None:
    calendar = OfficeCalendar(overrides=[HolidayOverride(date(2026, 3, 19), "Libur", True)])

    assert calendar.holiday_name(date(2026, 3, 19)) == "Libur"


def test_friday_closes_at_half_past_four(calendar: OfficeCalendar) -> None:
    hours = calendar.office_hours_on(date(2026, 3, 27))

    assert hours == (jkt("2026-03-27T07:30"), jkt("2026-03-27T16:30"))


def test_closing_time_is_not_office_time(calendar: OfficeCalendar) -> None:
    assert not calendar.is_office_time(jkt("2026-03-26T16:00"))


def test_an_instant_in_another_timezone_is_read_in_jakarta(calendar: OfficeCalendar) -> None:
    at = datetime(2026, 3, 26, 1, 0, tzinfo=UTC)

    assert calendar.is_office_time(at)


def test_a_naive_datetime_is_rejected(calendar: OfficeCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        calendar.due(datetime(2026, 3, 26, 10, 0), Duration.parse("1 hari"))


@pytest.mark.parametrize(
    ("text", "amount", "unit", "normalised"),
    [
        ("15 menit", 15, DurationUnit.MINUTES, "15 menit"),
        ("15 Menit", 15, DurationUnit.MINUTES, "15 menit"),
        ("2 jam", 2, DurationUnit.HOURS, "2 jam"),
        ("2 Hari", 2, DurationUnit.DAYS, "2 hari"),
        ("7 Hari Kerja", 7, DurationUnit.WORKING_DAYS, "7 hari kerja"),
        (" 1 hari ", 1, DurationUnit.DAYS, "1 hari"),
    ],
)
def test_duration_parse_reads_the_sop_units(
    text: str, amount: int, unit: DurationUnit, normalised: str
) -> None:
    duration = Duration.parse(text)

    assert duration == Duration(amount, unit, normalised)


@pytest.mark.parametrize(
    "text", ["", "0 hari", "-1 jam", "1.5 jam", "dua hari", "3 minggu", "hari", "5"]
)
def test_duration_parse_rejects_bad_input(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        Duration.parse(text)


def test_jam_are_sixty_minutes_each() -> None:
    assert Duration.parse("2 jam").minutes == 120


def test_a_day_duration_has_no_minutes() -> None:
    with pytest.raises(ValueError, match="days"):
        _ = Duration.parse("2 hari").minutes


def test_a_minute_duration_has_no_working_days() -> None:
    with pytest.raises(ValueError, match="minutes"):
        _ = Duration.parse("15 menit").working_days


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Thu 07:30-16:00; Fri 07:30-16:30",
        "sen-kam 07.30-16.00; JUM 07:30–16:30",
        "Senin-Kamis 07:30-16:00; Jumat 07:30-16:30;",
        "Mon,Tue,Wed-Thu 07:30 - 16:00; fri 07:30-16:30",
    ],
)
def test_office_hours_parse_reads_english_and_indonesian_days(text: str) -> None:
    hours = OfficeHours.parse(text)

    assert hours == OfficeHours.default()


def test_office_hours_text_form_parses_back_to_the_same_hours() -> None:
    hours = OfficeHours({0: (time(8), time(12)), 2: (time(8), time(12)), 5: (time(9), time(11))})

    assert OfficeHours.parse(str(hours)) == hours


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no office hours"),
        ("Mon 16:00-07:30", "closing must be after opening"),
        ("Xyz 07:30-16:00", "unknown day"),
        ("Mon 25:00-26:00", "invalid time"),
        ("Mon-Fri 07:30-16:00; Fri 08:00-12:00", "given twice"),
        ("Mon 07:30", "expected e.g."),
        ("Fri-Mon 07:30-16:00", "must run from Monday"),
    ],
)
def test_office_hours_parse_rejects_bad_input_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        OfficeHours.parse(text)


def test_ramadan_schedule_parse_reads_an_inclusive_date_range() -> None:
    schedule = RamadanSchedule.parse("2026-02-18..2026-03-19", "Mon-Fri 08:00-15:00")

    assert (schedule.start, schedule.end) == (date(2026, 2, 18), date(2026, 3, 19))


@pytest.mark.parametrize("dates", ["2026-02-18", "2026-02-18..19 Maret", "2026-03-19..2026-02-18"])
def test_ramadan_schedule_parse_rejects_bad_dates(dates: str) -> None:
    with pytest.raises(ValueError, match="Ramadan"):
        RamadanSchedule.parse(dates, "Mon-Fri 08:00-15:00")
