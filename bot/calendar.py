"""Office calendar: working days, office hours and due dates, all in Asia/Jakarta.

This is the only module that does datetime arithmetic (STYLE.md §2).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from types import MappingProxyType

import holidays

from bot.clock import JAKARTA

_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)
# A gap this long without a working day can only be a misconfigured calendar.
_MAX_DAYS_WITHOUT_WORK = 366
# DESIGN "Time": national public holidays and cuti bersama.
_HOLIDAY_CATEGORIES = ("public", "government")

_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAY_ALIASES = (
    ("mon", "monday", "sen", "senin"),
    ("tue", "tuesday", "sel", "selasa"),
    ("wed", "wednesday", "rab", "rabu"),
    ("thu", "thursday", "kam", "kamis"),
    ("fri", "friday", "jum", "jumat", "jum'at"),
    ("sat", "saturday", "sab", "sabtu"),
    ("sun", "sunday", "min", "minggu"),
)
_WEEKDAY_NAMES = {alias: i for i, aliases in enumerate(_WEEKDAY_ALIASES) for alias in aliases}
_DURATION_RE = re.compile(r"([0-9]+)\s*(menit|jam|hari\s+kerja|hari)", re.IGNORECASE)
_SEGMENT_RE = re.compile(r"(?P<days>.+?)\s+(?P<open>[0-9.:]+)\s*[-–]\s*(?P<close>[0-9.:]+)")
_TIME_RE = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")


class DurationUnit(enum.Enum):
    """The units a mutu baku is written in."""

    MINUTES = "menit"
    HOURS = "jam"
    DAYS = "hari"
    WORKING_DAYS = "hari kerja"


@dataclass(frozen=True)
class Duration:
    """A mutu baku such as "15 menit" or "7 hari kerja"."""

    amount: int
    unit: DurationUnit
    text: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or self.amount <= 0:
            raise ValueError(f"duration amount must be a positive integer, got {self.amount!r}")

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read "15 menit", "2 jam", "2 Hari" or "7 Hari Kerja" (case-insensitive)."""
        match = _DURATION_RE.fullmatch(text.strip())
        if match is None:
            raise ValueError(
                f"invalid duration {text!r}: expected '<positive number> <unit>',"
                " unit one of menit, jam, hari, hari kerja"
            )
        amount = int(match.group(1))
        if amount == 0:
            raise ValueError(f"invalid duration {text!r}: the amount must be positive")
        unit = DurationUnit(" ".join(match.group(2).lower().split()))
        return cls(amount, unit, f"{amount} {unit.value}")

    @property
    def is_working_time(self) -> bool:
        """Whether the duration counts minutes inside office hours (menit, jam)."""
        return self.unit in (DurationUnit.MINUTES, DurationUnit.HOURS)

    @property
    def minutes(self) -> int:
        """The duration in office minutes; only for menit and jam."""
        if not self.is_working_time:
            raise ValueError(f"{self.text!r} counts days, not minutes")
        return self.amount * 60 if self.unit is DurationUnit.HOURS else self.amount

    @property
    def working_days(self) -> int:
        """The duration in working days; only for hari and hari kerja."""
        if self.is_working_time:
            raise ValueError(f"{self.text!r} counts minutes, not days")
        return self.amount


@dataclass(frozen=True)
class OfficeHours:
    """Opening and closing time per weekday (0=Monday); a weekday missing is closed."""

    weekly: Mapping[int, tuple[time, time]]

    def __post_init__(self) -> None:
        if not self.weekly:
            raise ValueError("office hours must open on at least one weekday")
        for weekday, (opening, closing) in self.weekly.items():
            _check_hours(weekday, opening, closing)
        object.__setattr__(self, "weekly", MappingProxyType(dict(sorted(self.weekly.items()))))

    def __hash__(self) -> int:
        return hash(tuple(self.weekly.items()))

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """Read "Mon-Thu 07:30-16:00; Fri 07:30-16:30" (English or Indonesian day names)."""
        weekly: dict[int, tuple[time, time]] = {}
        for segment in filter(None, (part.strip() for part in text.split(";"))):
            days, hours = _parse_segment(segment)
            for weekday in days:
                if weekday in weekly:
                    raise ValueError(f"{_WEEKDAY_ABBR[weekday]} is given twice in {text!r}")
                weekly[weekday] = hours
        if not weekly:
            raise ValueError(f"no office hours in {text!r}")
        return cls(weekly)

    @classmethod
    def default(cls) -> OfficeHours:
        """Mon–Thu 07:30–16:00, Fri 07:30–16:30 (DESIGN "Time")."""
        return cls.parse("Mon-Thu 07:30-16:00; Fri 07:30-16:30")

    def __str__(self) -> str:
        groups: list[tuple[int, int, tuple[time, time]]] = []
        for weekday, hours in self.weekly.items():
            if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == hours:
                groups[-1] = (groups[-1][0], weekday, hours)
            else:
                groups.append((weekday, weekday, hours))
        return "; ".join(_format_group(*group) for group in groups)


def _check_hours(weekday: int, opening: time, closing: time) -> None:
    if weekday not in range(7):
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
    for moment in (opening, closing):
        if moment.tzinfo is not None or moment.second or moment.microsecond:
            raise ValueError(f"office hours are naive whole minutes, got {moment!r}")
    if opening >= closing:
        raise ValueError(f"{_WEEKDAY_ABBR[weekday]} closes before it opens")


def _format_group(first: int, last: int, hours: tuple[time, time]) -> str:
    days = _WEEKDAY_ABBR[first] + (f"-{_WEEKDAY_ABBR[last]}" if last != first else "")
    return f"{days} {hours[0]:%H:%M}-{hours[1]:%H:%M}"


def _parse_segment(segment: str) -> tuple[list[int], tuple[time, time]]:
    match = _SEGMENT_RE.fullmatch(segment)
    if match is None:
        raise ValueError(f"invalid office hours {segment!r}: expected e.g. 'Mon-Thu 07:30-16:00'")
    opening, closing = _parse_time(match["open"]), _parse_time(match["close"])
    if opening >= closing:
        raise ValueError(f"invalid office hours {segment!r}: closing must be after opening")
    days = [day for part in match["days"].split(",") for day in _parse_days(part)]
    return days, (opening, closing)


def _parse_days(text: str) -> range:
    first, dash, last = text.replace("–", "-").partition("-")
    start = _parse_weekday(first.strip())
    end = _parse_weekday(last.strip()) if dash else start
    if end < start:
        raise ValueError(f"day range {text.strip()!r} must run from Monday towards Sunday")
    return range(start, end + 1)


def _parse_weekday(name: str) -> int:
    try:
        return _WEEKDAY_NAMES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown day {name!r}: use Mon..Sun or Sen..Min") from None


def _parse_time(text: str) -> time:
    match = _TIME_RE.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        return time(int(match.group(1)), int(match.group(2)))
    except ValueError:
        raise ValueError(f"invalid time {text!r}: expected HH:MM") from None


@dataclass(frozen=True)
class RamadanSchedule:
    """Reduced office hours that replace the normal ones from start to end inclusive."""

    start: date
    end: date
    hours: OfficeHours

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Ramadan schedule ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def parse(cls, dates: str, hours: str) -> RamadanSchedule:
        """Read dates "2026-02-18..2026-03-19" and hours in the OfficeHours text form."""
        first, separator, last = dates.strip().partition("..")
        try:
            if not separator:
                raise ValueError
            start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        except ValueError:
            raise ValueError(
                f"invalid Ramadan dates {dates!r}: expected 'YYYY-MM-DD..YYYY-MM-DD'"
            ) from None
        return cls(start, end, OfficeHours.parse(hours))

    def covers(self, day: date) -> bool:
        """Whether the reduced hours apply on `day`."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class HolidayOverride:
    """An admin's correction: a regional holiday, or a day declared a working day."""

    day: date
    name: str
    is_holiday: bool


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> Mapping[date, str]:
    languages = holidays.list_localized_countries().get("ID", ())
    entity = holidays.country_holidays(
        "ID",
        years=year,
        categories=_HOLIDAY_CATEGORIES,
        language="id" if "id" in languages else None,
    )
    return MappingProxyType(dict(entity))


def warm(at: datetime) -> None:
    """Load the national holidays of `at`'s year and the next now: the holidays package loads
    every country's module on first use (about 60 ms), which no person's update should wait
    for."""
    year = _jakarta(at).year
    _national_holidays(year)
    _national_holidays(year + 1)


def _jakarta(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: give a timezone-aware datetime")
    return at.astimezone(JAKARTA)


def _check_date(day: date) -> date:
    if isinstance(day, datetime):
        raise TypeError(f"expected a date, got the datetime {day!r}")
    return day


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY


class OfficeCalendar:
    """Working days and office hours of the city government, in Asia/Jakarta."""

    def __init__(
        self,
        hours: OfficeHours | None = None,
        overrides: Iterable[HolidayOverride] = (),
        ramadan: RamadanSchedule | None = None,
    ) -> None:
        self._hours = hours or OfficeHours.default()
        self._overrides = {override.day: override for override in overrides}
        self._ramadan = ramadan

    def is_working_day(self, day: date) -> bool:
        """Whether the office opens on `day` (weekday schedule, holidays, overrides)."""
        override = self._overrides.get(_check_date(day))
        if override is not None:
            return not override.is_holiday
        return day not in _national_holidays(day.year) and day.weekday() in self._schedule(day)

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name on `day`, or None on a plain day or a declared working day."""
        override = self._overrides.get(_check_date(day))
        if override is not None:
            return override.name if override.is_holiday else None
        return _national_holidays(day.year).get(day)

    def office_hours_on(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening and closing on `day`, or None if it is not a working day."""
        return self._open_close(day) if self.is_working_day(day) else None

    def next_opening(self, at: datetime) -> datetime:
        """`at` if the office is open then (closing excluded), else the next opening."""
        at = _jakarta(at)
        hours = self.office_hours_on(at.date())
        if hours is not None and at < hours[1]:
            return max(at, hours[0])
        return self._open_close(next(self._working_days_after(at.date())))[0]

    def is_office_time(self, at: datetime) -> bool:
        """Whether the office is open at `at` (opening included, closing excluded)."""
        return self.next_opening(at) == at

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant `minutes` office minutes after the clock starts at `start`."""
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, got {minutes}")
        at = self.next_opening(start)
        remaining = timedelta(minutes=minutes)
        while True:
            closing = self._open_close(at.date())[1]
            if remaining <= closing - at:
                return at + remaining
            remaining -= closing - at
            at = self.next_opening(closing)

    def due(self, start: datetime, duration: Duration) -> datetime:
        """When a step assigned at `start` with mutu baku `duration` is due."""
        if duration.is_working_time:
            return self.add_working_minutes(start, duration.minutes)
        begin = self.next_opening(start)
        day = self.next_working_days(begin.date(), duration.working_days)[-1]
        opening, closing = self._open_close(day)
        return min(max(datetime.combine(day, begin.time(), tzinfo=JAKARTA), opening), closing)

    def elapsed_minutes(self, start: datetime, end: datetime) -> int:
        """Whole office minutes between `start` and `end`; 0 if end <= start."""
        start, end = _jakarta(start), _jakarta(end)
        total = timedelta()
        for day in _days(start.date(), end.date()):
            hours = self.office_hours_on(day)
            if hours is not None:
                total += max(timedelta(), min(end, hours[1]) - max(start, hours[0]))
        return total // _ONE_MINUTE

    def elapsed_working_days(self, start: datetime, end: datetime) -> int:
        """Working days after the clock's start day, up to and including `end`'s day."""
        begin, end = self.next_opening(start), _jakarta(end)
        return sum(
            1 for day in _days(begin.date() + _ONE_DAY, end.date()) if self.is_working_day(day)
        )

    def holidays_in(self, year: int) -> list[tuple[date, str]]:
        """Named days off in `year` that fall on an office weekday."""
        return [
            (day, name)
            for day in _days(date(year, 1, 1), date(year, 12, 31))
            if (name := self.holiday_name(day)) and day.weekday() in self._schedule(day)
        ]

    def next_working_days(self, after: date, count: int) -> list[date]:
        """The next `count` working days strictly after `after`."""
        if count < 0:
            raise ValueError(f"count must not be negative, got {count}")
        return list(islice(self._working_days_after(_check_date(after)), count))

    def _schedule(self, day: date) -> Mapping[int, tuple[time, time]]:
        if self._ramadan is not None and self._ramadan.covers(day):
            return self._ramadan.hours.weekly
        return self._hours.weekly

    def _open_close(self, day: date) -> tuple[datetime, datetime]:
        weekly = self._schedule(day)
        # A working day declared on a closed weekday keeps the week's first opening hours.
        opening, closing = weekly.get(day.weekday()) or next(iter(weekly.values()))
        return (
            datetime.combine(day, opening, tzinfo=JAKARTA),
            datetime.combine(day, closing, tzinfo=JAKARTA),
        )

    def _working_days_after(self, day: date) -> Iterator[date]:
        gap = 0
        while gap < _MAX_DAYS_WITHOUT_WORK:
            day += _ONE_DAY
            gap += 1
            if self.is_working_day(day):
                gap = 0
                yield day
        raise ValueError(f"no working day in the {_MAX_DAYS_WITHOUT_WORK} days before {day}")


def wall_clock_after(at: datetime, *, hours: float = 0, seconds: float = 0) -> datetime:
    """An instant a wall-clock time after `at` (validity, retry delays): not office time."""
    return at + timedelta(hours=hours, seconds=seconds)
