"""Read the Waktu column: "15 Menit", "2 Hari", "7 HK", "dua hari", "1 x 24 jam", "1,5 jam".

The result is a `Duration` the SOP loader accepts ("15 menit", "2 jam", "2 hari", "7 hari
kerja"). Hours that are not whole are turned into minutes, "N x 24 jam" into N hari, a week
("minggu", "pekan") into 5 hari kerja. Words before the amount ("paling lama", "maks.") are
skipped. Anything else is not understood and the caller reports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from bot.calendar import Duration

_UNITS: tuple[tuple[str, str], ...] = (
    # (pattern, unit as the loader writes it); longer spellings first
    (r"hari\s*kerja|hr\.?\s*kerja|h\.?\s*k\.?|hk", "hari kerja"),
    (r"hari\s*kalender", "hari kalender"),  # counted as hari: working days (DESIGN "Time")
    (r"hari|hr\.?|h", "hari"),
    (r"jam|jm\.?|j", "jam"),
    (r"menit|mnt\.?|mnit|min\.?|m|'", "menit"),
    (r"minggu|pekan|mgg\.?", "minggu"),
)
_WORDS: dict[str, Fraction] = {
    "satu": Fraction(1), "se": Fraction(1), "dua": Fraction(2), "tiga": Fraction(3),
    "empat": Fraction(4), "lima": Fraction(5), "enam": Fraction(6), "tujuh": Fraction(7),
    "delapan": Fraction(8), "sembilan": Fraction(9), "sepuluh": Fraction(10),
    "sebelas": Fraction(11), "seratus": Fraction(100), "setengah": Fraction(1, 2),
    "seperempat": Fraction(1, 4), "½": Fraction(1, 2),
}  # fmt: skip
_QUALIFIERS = re.compile(
    r"^(paling\s+(lama|lambat|cepat)|maks(imal|imum)?\.?|min(imal|imum)?\.?|selama|"
    r"dalam\s+waktu|kurang\s+lebih|[±~]|lebih\s+kurang|sekitar|\+/-)\s*",
)
_TENS = {"puluh": 10, "ratus": 100}
_NUMBER = r"\d+(?:[.,]\d+)?"
_TIMES_24 = re.compile(rf"^({_NUMBER})\s*[x×]\s*24\s*jam$")


@dataclass(frozen=True)
class Reading:
    """A Waktu cell read: the duration, or why it could not be read; `adjusted` tells a change.

    `adjusted` is set when the written unit was turned into another one (1,5 jam → 90 menit,
    1 minggu → 5 hari kerja): worth a look, though the value is known.
    """

    duration: Duration | None
    adjusted: bool = False


def read_duration(text: str) -> Reading:
    """The mutu baku of a Waktu cell; `duration` is None when it is empty or not understood."""
    words = " ".join(text.lower().replace("\n", " ").split()).strip(" .;,")
    while (match := _QUALIFIERS.match(words)) and match.end() > 0:
        words = words[match.end() :]
    if not words:
        return Reading(None)
    if (days := _TIMES_24.match(words)) is not None:
        return _reading(_amount(days.group(1)), "hari", adjusted=True)
    parts = _parts(words)
    if parts is None:
        return Reading(None)
    if len(parts) == 2 and {unit for _, unit in parts} == {"jam", "menit"}:
        minutes = sum((a * (60 if unit == "jam" else 1) for a, unit in parts), Fraction(0))
        return _reading(minutes, "menit", adjusted=True)
    if len(parts) != 1:
        return Reading(None)
    amount, unit = parts[0]
    if unit == "minggu":
        return _reading(amount * 5, "hari kerja", adjusted=True)
    if unit == "hari kalender":
        return _reading(amount, "hari", adjusted=True)
    if unit == "jam" and amount.denominator != 1:
        return _reading(amount * 60, "menit", adjusted=True)
    return _reading(amount, unit, adjusted=False)


def _parts(words: str) -> list[tuple[Fraction, str]] | None:
    """'1 jam 30 menit' → [(1, jam), (30, menit)]; None if any piece is not amount + unit."""
    units = "|".join(f"(?:{pattern})" for pattern, _ in _UNITS)
    # digits, or words each followed by a space, or "se" glued to the unit ("sehari")
    number = rf"(?:{_NUMBER}|½)\s*|(?:[a-z]+\s+)+|se(?=[a-z])"
    piece = re.compile(rf"\s*({number})({units})(?![a-z])\s*(?:dan\s+)?")
    parts: list[tuple[Fraction, str]] = []
    position = 0
    while position < len(words):
        match = piece.match(words, position)
        if match is None or match.end() == position:
            return None
        amount = _amount(match.group(1).strip())
        if amount is None:
            return None
        parts.append((amount, _unit(match.group(2))))
        position = match.end()
    return parts or None


def _unit(written: str) -> str:
    for pattern, unit in _UNITS:
        if re.fullmatch(pattern, written.strip()):
            return unit
    raise ValueError(written)  # the pattern that matched is in _UNITS


def _amount(written: str) -> Fraction | None:
    """A number in digits ("2", "1,5") or in words ("dua", "dua belas", "tiga puluh lima")."""
    if re.fullmatch(_NUMBER, written):
        return Fraction(written.replace(",", "."))
    if written in _WORDS:
        return _WORDS[written]
    words = written.split()
    total, current = Fraction(0), Fraction(0)
    for word in words:
        if word in ("belas", "puluh", "ratus"):
            if current == 0:
                return None
            current = current + 10 if word == "belas" else current * _TENS[word]
            total, current = total + current, Fraction(0)
        elif word in _WORDS and current == 0:
            current = _WORDS[word]
        elif word.startswith("se") and word[2:] in ("belas", "puluh", "ratus"):
            total += {"belas": 11, "puluh": 10, "ratus": 100}[word[2:]]
        else:
            return None
    total += current
    return total if total > 0 else None


def _reading(amount: Fraction | None, unit: str, *, adjusted: bool) -> Reading:
    if amount is None or amount <= 0 or amount.denominator != 1:
        return Reading(None)
    return Reading(Duration.parse(f"{amount.numerator} {unit}"), adjusted)
