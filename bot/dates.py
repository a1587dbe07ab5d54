"""Dates and times as people type them, and the office calendar's answer to them.

`read` turns `13/12/2026 9.00`, `Kamis, 10 Des 2026 pukul 10.00` or `besok 09.00` into a day
and (if one was typed) a time of day, reading Indonesian with `dateparser` and the case's clock
as the base for `besok` and `lusa`. `refusal` and `nearest` check an instant against the limits
the SOP sets for an artifact (not in the past, within office hours, not after the step's
deadline…) and offer the nearest instants that pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from bot.calendar import OfficeCalendar
from bot.clock import JAKARTA
from bot.errors import InvalidInput
from bot.fmt import DAYS, MONTHS, format_date, format_datetime
from bot.texts import t

NEAREST = 3  # alternatives offered with a refusal
_SEARCH_DAYS = 45  # how far around a refused day alternatives are looked for

# Words for days relative to today; dateparser knows `besok` but not `lusa`.
_RELATIVE = {"hari ini": 0, "besok": 1, "lusa": 2}
_WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5,
    "minggu": 6, "ahad": 6,
}  # fmt: skip
_WEEKDAY = re.compile(r"^\s*(senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)\b\s*,?\s*")
# A time at the end: `09:00`, `9.00`, `pukul 10`, `pkl. 10.30 WIB`.
_TIME = re.compile(
    r"(?:^|[\s,])(?:(?:pukul|pkl\.?|jam)\s*(\d{1,2})(?:[.:](\d{2}))?|(\d{1,2})[.:](\d{2}))"
    r"\s*(?:wib)?\s*$"
)
_SETTINGS: dict[str, Any] = {
    "DATE_ORDER": "DMY",
    "PREFER_DATES_FROM": "current_period",  # a date without a year is this year's, as typed
    "REQUIRE_PARTS": ["day", "month"],
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PREFER_DAY_OF_MONTH": "first",
}


@dataclass(frozen=True)
class Reading:
    """What a typed text names: a day and, if it said one, a time of day."""

    day: date
    clock: time | None = None

    def at(self, clock: time | None = None) -> datetime:
        """The instant in Jakarta, with the typed time or the one given."""
        chosen = clock or self.clock
        if chosen is None:
            raise ValueError("a reading without a time has no instant")
        return datetime.combine(self.day, chosen, tzinfo=JAKARTA)


def read(text: str, now: datetime) -> Reading:
    """Read a typed date with an optional time, `now` being the case's clock.

    A weekday that contradicts the date is refused naming the real weekday, as is anything
    that is not a whole date (a weekday alone, `minggu depan`, `besok pagi`).
    """
    typed = " ".join(text.strip().lower().split())
    iso = _iso(typed)
    if iso is not None:
        return iso
    rest, clock = _split_time(typed)
    weekday = _WEEKDAY.match(rest)
    if weekday:
        rest = rest[weekday.end() :].strip()
    day = _day(rest, now)
    if day is None or (clock is None and _TIME_LIKE.search(rest)):
        raise InvalidInput(reason=t("dates.unreadable", value=text.strip()))
    if weekday and _WEEKDAYS[weekday.group(1)] != day.weekday():
        raise InvalidInput(
            reason=t("dates.wrong_weekday", day=f"{day.day} {MONTHS[day.month - 1]} {day.year}",
                     typed=weekday.group(1).capitalize(), weekday=DAYS[day.weekday()])
        )  # fmt: skip
    return Reading(day, clock)


def read_time(text: str) -> time | None:
    """A time of day typed alone (`09.00`, `pukul 10`), or None if the text is not one."""
    typed = " ".join(text.strip().lower().split())
    rest, clock = _split_time(typed)
    return clock if not rest.strip(" ,") else None


_TIME_LIKE = re.compile(r"\d{1,2}[.:]\d{2}\s*$|pukul|jam|pagi|siang|sore|malam")


def _iso(typed: str) -> Reading | None:
    """The machine form `2026-03-20 09:00` (and a stored ISO value) read as before."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}", typed):
        return None
    try:
        at = datetime.fromisoformat(typed.upper().replace(" ", "T", 1))
    except ValueError:
        return None
    if len(typed) == 10:
        return Reading(at.date())
    local = at.astimezone(JAKARTA) if at.tzinfo else at
    return Reading(local.date(), local.time().replace(tzinfo=None))


def _split_time(typed: str) -> tuple[str, time | None]:
    match = _TIME.search(typed)
    if match is None:
        return typed, None
    hour = match.group(1) or match.group(3)
    minute = match.group(2) or match.group(4) or "0"
    if int(hour) > 23 or int(minute) > 59:
        return typed, None
    return typed[: match.start()].strip(" ,"), time(int(hour), int(minute))


def _day(typed: str, now: datetime) -> date | None:
    today = now.astimezone(JAKARTA).date()
    if typed in _RELATIVE:
        return date.fromordinal(today.toordinal() + _RELATIVE[typed])
    if not typed or not any(ch.isdigit() for ch in typed):
        return None
    base = now.astimezone(JAKARTA).replace(tzinfo=None)
    settings = {**_SETTINGS, "RELATIVE_BASE": base}
    import dateparser  # loaded when first used: not on the start-up path

    parsed = dateparser.parse(typed, languages=["id"], settings=settings)
    return parsed.date() if parsed is not None else None


@dataclass(frozen=True)
class Bound:
    """One limit on an instant: the instant itself and the text that names it."""

    at: datetime
    text_key: str  # dates.past, dates.before, dates.after_deadline…
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """Which instants an artifact accepts (the SOP's `not_before`, `not_after`, `office_hours`)."""

    earliest: tuple[Bound, ...] = ()
    latest: tuple[Bound, ...] = ()
    office_hours: bool = False


def refusal(at: datetime, limits: Limits, calendar: OfficeCalendar) -> str | None:
    """Why `at` is refused, in Indonesian, or None if it passes every limit.

    The earliest bounds (the past first) come before the calendar, the latest after it: a
    Sunday before a deadline is refused as a Sunday.
    """
    when = format_datetime(at)
    for bound in limits.earliest:
        if at < bound.at:
            return t(bound.text_key, when=when, bound=format_datetime(bound.at), **bound.params)
    if limits.office_hours:
        closed = _closed(at, calendar)
        if closed is not None:
            return closed
    for bound in limits.latest:
        if at > bound.at:
            return t(bound.text_key, when=when, bound=format_datetime(bound.at), **bound.params)
    return None


def _closed(at: datetime, calendar: OfficeCalendar) -> str | None:
    """Why the office is closed at `at`: a holiday or cuti bersama, a day off, the hour."""
    day = at.astimezone(JAKARTA).date()
    hours = calendar.office_hours_on(day)
    if hours is None:
        name = calendar.holiday_name(day)
        if name:
            return t("dates.holiday", day=format_date(day), name=name)
        return t("dates.closed_day", day=format_date(day), weekday=DAYS[day.weekday()])
    if not calendar.is_office_time(at):
        return t("dates.outside_hours", day=format_date(day), time=f"{at:%H.%M}",
                 opening=f"{hours[0]:%H.%M}", closing=f"{hours[1]:%H.%M}")  # fmt: skip
    return None


def nearest(
    at: datetime, limits: Limits, calendar: OfficeCalendar, count: int = NEAREST
) -> list[datetime]:
    """The `count` accepted instants closest to `at`, earliest first.

    Each working day around `at` is tried at the typed time, moved inside its office hours.
    """
    at = at.astimezone(JAKARTA)
    start = at.date().toordinal() - _SEARCH_DAYS
    for bound in limits.earliest:
        start = max(start, bound.at.astimezone(JAKARTA).date().toordinal())
    found: list[datetime] = []
    for ordinal in range(start, at.date().toordinal() + 2 * _SEARCH_DAYS):
        hours = calendar.office_hours_on(date.fromordinal(ordinal))
        if hours is None:
            continue
        opening, closing = hours
        candidate = datetime.combine(opening.date(), at.time(), tzinfo=JAKARTA)
        if candidate < opening:
            candidate = opening
        elif candidate >= closing:
            candidate = closing.replace(minute=0) if closing.minute else closing
            candidate = candidate.replace(hour=candidate.hour - 1)
        if refusal(candidate, limits, calendar) is None:
            found.append(candidate)
    found.sort(key=lambda c: abs((c - at).total_seconds()))
    return sorted(found[:count])


def choices_text(choices: list[datetime]) -> str:
    """The alternatives as one line, for a refusal that cannot show buttons."""
    if not choices:
        return ""
    return " " + t("dates.nearest", choices="; ".join(format_datetime(c) for c in choices))
