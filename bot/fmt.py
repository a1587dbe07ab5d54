"""Indonesian formatting of dates, times and durations for users and documents."""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import JAKARTA

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def format_date(day: date) -> str:
    """`Selasa, 17 Maret 2026`."""
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def format_datetime(at: datetime) -> str:
    """`Selasa, 17 Maret 2026 pukul 15.50 WIB`."""
    local = at.astimezone(JAKARTA)
    return f"{format_date(local.date())} pukul {local:%H.%M} WIB"


def format_minutes(minutes: int) -> str:
    """Working minutes as `2 jam 5 menit` (a working day is not assumed to be 24 hours)."""
    hours, rest = divmod(max(minutes, 0), 60)
    parts = [f"{hours} jam"] if hours else []
    if rest or not parts:
        parts.append(f"{rest} menit")
    return " ".join(parts)
