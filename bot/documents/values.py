"""How values read in official documents: dates, NIP, numbers, words, signatories."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import JAKARTA
from bot.fmt import MONTHS, format_date
from bot.sop.model import Sop
from bot.texts import t
from bot.workflow.model import Case, Person, Roster, StepRun

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
BLANK_NAME = "(………………………………)"
# Where a naskah's number stands before the agenda register has given it one (a draft).
UNNUMBERED = "……………………………"
# Authority lines of a signature block (atas nama, untuk beliau) come before the jabatan.
_AUTHORITY = ("a.n.", "an.", "u.b.", "ub.")
_UNITS = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_WORDS = {word: value for value, word in enumerate(_UNITS) if word}
_WORDS.update({"sepuluh": 10, "sebelas": 11, "seratus": 100})


def local(at: datetime) -> datetime:
    """The instant in Asia/Jakarta."""
    return at.astimezone(JAKARTA)


def long_date(day: date | datetime) -> str:
    """`17 Maret 2026` (the date after the place in a letter)."""
    if isinstance(day, datetime):
        day = local(day).date()
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def day_date(at: date | datetime) -> str:
    """`Selasa, 17 Maret 2026`."""
    return format_date(local(at).date() if isinstance(at, datetime) else at)


def clock(at: datetime) -> str:
    """`09.00 WIB`."""
    return f"{local(at):%H.%M} WIB"


def stamp(at: datetime | None) -> str:
    """A compact date and time for tables: `17 Mar 2026 09.00`, or a dash."""
    if at is None:
        return "-"
    at = local(at)
    return f"{at.day} {MONTHS[at.month - 1][:3]} {at.year} {at:%H.%M}"


def title_case(text: str) -> str:
    """`WALI KOTA TANGERANG` as it reads in a sentence: `Wali Kota Tangerang`."""
    return " ".join(word.capitalize() for word in text.split())


def format_nip(nip: str) -> str:
    """An 18-digit NIP grouped as printed: `19700101 199503 1 001`."""
    digits = re.sub(r"\D", "", nip)
    if len(digits) != 18:
        return nip.strip()
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def document_number(
    pattern: str, case_ref: str, at: datetime, *, nomor: int, klasifikasi: str = ""
) -> str:
    """Fill a configured number format with the agenda register's number and the date.

    `{nomor}` is the register's number as is; `{seq}` (the field of earlier formats) is the
    same number with four digits, so an old format keeps its look and numbers from the register.
    """
    at = local(at)
    return pattern.format(
        nomor=nomor,
        seq=f"{nomor:04d}",
        ref=case_ref,
        klasifikasi=klasifikasi,
        year=at.year,
        month=f"{at.month:02d}",
        month_roman=ROMAN[at.month - 1],
    )


def terbilang(number: int) -> str:
    """A whole number from 0 to 999 in Indonesian words: 5 → `lima`, 12 → `dua belas`."""
    if not 0 <= number < 1000:
        raise ValueError(f"terbilang supports 0..999, got {number}")
    if number == 0:
        return "nol"
    hundreds, rest = divmod(number, 100)
    words = [] if not hundreds else ["seratus" if hundreds == 1 else f"{_UNITS[hundreds]} ratus"]
    tens, units = divmod(rest, 10)
    if rest >= 20:
        words.append(f"{_UNITS[tens]} puluh")
        words += [_UNITS[units]] if units else []
    elif rest >= 10:
        words.append({10: "sepuluh", 11: "sebelas"}.get(rest, f"{_UNITS[units]} belas"))
    elif rest:
        words.append(_UNITS[rest])
    return " ".join(words)


def parse_words(text: str) -> int | None:
    """The number written in Indonesian words (`sepuluh`, `dua puluh lima`), if any."""
    total, current = 0, 0
    seen = False
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in ("belas", "puluh", "ratus") and current:
            current = (
                current + 10 if word == "belas" else current * (10 if word == "puluh" else 100)
            )
            if word != "belas":
                total, current = total + current, 0
        elif word in _WORDS:
            total, current = total + current, _WORDS[word]
            seen = True
        elif seen:
            break
    return total + current if seen else None


@dataclass(frozen=True)
class Signatory:
    """A signature block per tata naskah dinas: the a.n./u.b. lines and the jabatan (with
    Plt./Plh. when acting), then the name, pangkat/golongan and NIP (blank when unknown)."""

    title_lines: tuple[str, ...]
    name: str
    nip: str
    pangkat: str = ""
    acting: str = ""  # plt | plh when signing for the holder of the jabatan
    holder: str = ""  # whom an acting official signs for

    @property
    def jabatan(self) -> str:
        """The signer's own jabatan line (the last one), e.g. `Plh. Kepala Bagian …`."""
        return self.title_lines[-1] if self.title_lines else ""

    @property
    def line(self) -> str:
        """The signer in one line, as a register or metadata sheet names them."""
        return f"{self.jabatan}, {self.name}" if self.jabatan else self.name


def signatory(
    person: Person | None,
    title_lines: tuple[str, ...],
    *,
    name: str | None = None,
    nip: str | None = None,
) -> Signatory:
    """A signatory from a person, with configured name or NIP taking precedence."""
    shown = name or (person.name if person else "") or BLANK_NAME
    number = nip if nip is not None else (person.nip if person and not name else "")
    rank = person.rank if person and not name else ""
    return Signatory(title_lines, shown, format_nip(number) if number else "", rank)


def acting_title(title_lines: tuple[str, ...], kind: str) -> tuple[str, ...]:
    """The jabatan line (the first that is not a.n./u.b., counted from the end) as Plt./Plh."""
    lines = list(title_lines)
    for index in range(len(lines) - 1, -1, -1):
        if not lines[index].strip().lower().startswith(_AUTHORITY):
            lines[index] = f"{kind.capitalize()}. {lines[index]}"
            break
    return tuple(lines)


def official_signatory(
    holder: Person | None,
    title_lines: tuple[str, ...],
    roster: Roster,
    day: date,
    *,
    name: str | None = None,
    nip: str | None = None,
) -> Signatory:
    """Who signs for the holder of a jabatan on `day`: the holder, or their Plt./Plh.

    The delegation table decides: with a Plt. or Plh. in force that day, the jabatan line
    starts with `Plt.`/`Plh.` and the acting official's name, pangkat and NIP are printed.
    """
    delegation = roster.standing_in(holder.id, day) if holder is not None else None
    deputy = roster.person(delegation.deputy_id) if delegation is not None else None
    if delegation is None or deputy is None or holder is None:
        return signatory(holder, title_lines, name=name, nip=nip)
    block = signatory(deputy, acting_title(title_lines, delegation.kind))
    return Signatory(
        block.title_lines, block.name, block.nip, block.pangkat, delegation.kind, holder.name
    )


def role_holder(case: Case, roster: Roster, role: str) -> Person | None:
    """The person the case assigned to a role, else the role's only active holder."""
    if role in case.assignments:
        return roster.person(case.assignments[role])
    holders = roster.holders(role)
    return holders[0] if len(holders) == 1 else None


def role_title(sop: Sop, role: str) -> str:
    """The role's title from the SOP file, or the key when the SOP lacks it."""
    found = sop.roles.get(role)
    return found.title if found else role


def run_signatory(
    run: StepRun | None, case: Case, sop: Sop, roster: Roster, day: date | None = None
) -> Signatory:
    """The signatory of a step: who finished it (as Plt./Plh. when so); for an open task,
    its assignee, or their Plt./Plh. when one is in force on `day` (the document's date)."""
    performer = sop.step(run.step_code).performer if run else sop.first_step.performer
    title = role_title(sop, performer)
    if run is None:
        return signatory(roster.person(case.created_by), (title,))
    if run.acting_for is not None:
        block = signatory(
            roster.person(run.decided_by), acting_title((title,), run.delegation_kind or "plh")
        )
        holder = roster.name(run.acting_for)
        kind = run.delegation_kind or "plh"
        return Signatory(block.title_lines, block.name, block.nip, block.pangkat, kind, holder)
    if run.decided_by is not None:
        return signatory(roster.person(run.decided_by), (title,))
    holder_person = roster.person(run.assignee_id)
    if day is None:
        return signatory(holder_person, (title,))
    return official_signatory(holder_person, (title,), roster, day)


def step_label(sop: Sop, step_code: str, round_: int = 1) -> str:
    """`Langkah 7: <title>`, with the round when the step ran more than once (a step of
    another SOP in a report across SOPs: its code)."""
    if not sop.has_step(step_code):
        return step_code
    step = sop.step(step_code)
    if round_ > 1:
        return t("doc.step_round", number=step.number, title=step.title, round=round_)
    return t("doc.step", number=step.number, title=step.title)
