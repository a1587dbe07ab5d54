"""Roles from the performer columns: their keys, the ways the text names them, their ranks.

A column's title stays as written; its key is the office it names, shortened the way city
offices write it (Sekretaris Daerah → ``sekda``, Kepala Bagian → ``kabag``), or its first words.
The rank of an office (Wali Kota above Sekda above a Kepala Bagian above a Ketua Tim) gives
each role its superior for escalations, the nearest higher rank among the SOP's roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.sop.importer.wording import key_of, normal

# (written forms, key, rank: 1 is the top). Forms are compared as `normal` text.
_OFFICES: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (("wali kota", "walikota"), "walikota", 1),
    (("bupati",), "bupati", 1),
    (("gubernur",), "gubernur", 1),
    (("wakil wali kota", "wakil walikota"), "wakil_walikota", 2),
    (("wakil bupati",), "wakil_bupati", 2),
    (("sekretaris daerah", "sekda"), "sekda", 3),
    (("asisten",), "asisten", 4),
    (("kepala dinas", "kadis"), "kadis", 5),
    (("kepala badan", "kaban"), "kaban", 5),
    (("kepala bagian", "kabag"), "kabag", 5),
    (("camat",), "camat", 5),
    (("sekretaris dinas", "sekdis", "sekretaris badan"), "sekretaris", 6),
    (("kepala bidang", "kabid"), "kabid", 6),
    (("kepala sub bagian", "kepala subbagian", "kasubag", "kasubbag"), "kasubag", 6),
    (("lurah",), "lurah", 6),
    (("kepala seksi", "kasi", "kasie"), "kasi", 7),
    (("kepala sub bidang", "kasubid"), "kasubid", 7),
    (("ketua tim", "katim"), "ketua_tim", 7),
    (("koordinator",), "koordinator", 7),
    (("analis", "pengelola", "pelaksana", "staf", "staff", "operator", "petugas"), "", 8),
)


@dataclass(frozen=True)
class Column:
    """A performer column: where it is, its title as written, its key and its rank."""

    index: int
    title: str
    key: str
    rank: int | None  # None: an office the importer does not know
    forms: tuple[str, ...]  # how the activity text may name it, as `normal` text

    def named_in(self, text: str) -> bool:
        """Whether the text names this role."""
        words = f" {normal(text)} "
        return any(f" {form} " in words for form in self.forms)


def columns(found: Sequence[tuple[int, str]]) -> list[Column]:
    """The performer columns (index, title) with keys that are unique and not `admin`."""
    taken: list[str] = ["admin"]
    made: list[Column] = []
    offices = [_office(title) for _, title in found]
    for (index, title), office in zip(found, offices, strict=True):
        unique = office is not None and offices.count(office) == 1
        base = office[1] if office and unique else ""
        key = base if base and base not in taken else key_of(title, taken, 3)
        taken.append(key)
        forms = {normal(title), normal(title).replace(" ", ""), key.replace("_", " ")}
        if office is not None:
            rest = _rest(title, office)
            forms |= {f"{form} {rest}".strip() for form in office[0]}
            if unique:  # the office alone names it ("sekda", "kabag")
                forms |= set(office[0])
        rank = office[2] if office else None
        made.append(Column(index, title, key, rank, tuple(sorted(f for f in forms if f))))
    return made


def superiors(made: Sequence[Column]) -> dict[str, str | None]:
    """Each role's superior: the role of the nearest higher known rank, None at the top."""
    result: dict[str, str | None] = {}
    for column in made:
        higher = [c for c in made if c.rank is not None and column.rank is not None
                  and c.rank < column.rank]  # fmt: skip
        nearest = max(higher, key=lambda c: c.rank or 0, default=None)
        result[column.key] = nearest.key if nearest else None
    return result


def named(made: Sequence[Column], text: str) -> Column | None:
    """The role the text names (the one named with the longest words), if any."""
    words = f" {normal(text)} "
    best: tuple[int, Column] | None = None
    for column in made:
        for form in column.forms:
            if f" {form} " in words and (best is None or len(form) > best[0]):
                best = (len(form), column)
    return best[1] if best else None


_Office = tuple[tuple[str, ...], str, int]


def _office(title: str) -> _Office | None:
    """The office a title names: the earliest in the title, the longest form on a tie."""
    words = f" {normal(title)} "
    found = [
        (words.find(f" {form} "), -len(form), office)
        for office in _OFFICES
        for form in office[0]
        if f" {form} " in words
    ]
    return min(found, key=lambda item: item[:2])[2] if found else None


def _rest(title: str, office: _Office) -> str:
    """The words of a title after its office ('kabag tata pemerintahan' → 'tata pemerintahan')."""
    words = normal(title)
    for form in office[0]:
        if words.startswith(form):
            return words[len(form) :].strip()
    return words
