"""Properties of due dates that hold for any start in 2025–2027."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar import (
    Duration,
    DurationUnit,
    HolidayOverride,
    OfficeCalendar,
    RamadanSchedule,
)
from bot.clock import JAKARTA

CALENDARS = st.sampled_from(
    [
        OfficeCalendar(),
        OfficeCalendar(
            overrides=[
                HolidayOverride(date(2026, 4, 28), "Libur daerah", True),
                HolidayOverride(date(2026, 5, 15), "Cuti bersama dibatalkan", False),
                HolidayOverride(date(2026, 3, 28), "Hari kerja pengganti", False),
            ],
            ramadan=RamadanSchedule.parse(
                "2026-02-18..2026-03-19", "Mon-Thu 08:00-15:00; Fri 08:00-15:30"
            ),
        ),
    ]
)
STARTS = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([JAKARTA, UTC]),
)
DAY_UNITS = st.sampled_from([DurationUnit.DAYS, DurationUnit.WORKING_DAYS])


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=STARTS, minutes=st.integers(1, 3000))
def test_minute_steps_are_due_after_exactly_their_office_minutes(
    calendar: OfficeCalendar, start: datetime, minutes: int
) -> None:
    duration = Duration(minutes, DurationUnit.MINUTES, f"{minutes} menit")

    due = calendar.due(start, duration)

    assert due >= start
    assert calendar.elapsed_minutes(start, due) == minutes


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=STARTS, days=st.integers(1, 15), unit=DAY_UNITS)
def test_day_steps_are_due_in_office_hours_after_exactly_their_working_days(
    calendar: OfficeCalendar, start: datetime, days: int, unit: DurationUnit
) -> None:
    duration = Duration(days, unit, f"{days} {unit.value}")

    due = calendar.due(start, duration)

    hours = calendar.office_hours_on(due.date())
    assert due >= start
    assert hours is not None
    assert hours[0] <= due <= hours[1]
    assert calendar.elapsed_working_days(start, due) == days
