"""Reading the words of an SOP table: item lists, keys, decision and waiting clauses.

Only the phrasing of PermenPAN-RB 35/2012 SOPs is known here ("Jika ada koreksi dikembalikan
kepada …", "… dilakukan setelah …"); what does not fit is left for the caller to mark PERIKSA.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# A dash or a dot may touch its item ("-Tempat rapat"); a number or letter is followed by a space.
_BULLET = re.compile(r"(?:^|(?<=\s))(?:[-–•·▪●○]\s*|(?:\d{1,2}|[a-h])[.)]\s+)(?=\S)")
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_STOPWORDS = frozenset({
    "atas", "dan", "yang", "dari", "untuk", "kepada", "dengan", "di", "ke", "oleh", "serta",
    "atau", "pada", "dalam", "tentang", "bagi", "sudah", "telah", "akan", "ini", "itu",
})  # fmt: skip
_IF = r"(?:jika|apabila|bila|kalau)"
_CLAUSE = re.compile(rf"(?:^|(?<=[.;,]))\s*(?P<word>{_IF})\b", re.IGNORECASE)
_RETURN_CLAUSE = re.compile(
    rf"{_IF}\s+(?:ada|terdapat)\s+(?:koreksi|perbaikan|revisi|kekurangan)|"
    rf"{_IF}\s+(?:tidak|belum)\s+(?:disetujui|setuju|sesuai|lengkap|benar)|"
    r"dikembalikan\s+(?:kepada|ke)\b",
    re.IGNORECASE,
)
_FAULTS = r"(?:koreksi|perbaikan|revisi|kekurangan|kesalahan)"
_GOOD = r"(?:disetujui|setuju|sesuai|lengkap|benar|memenuhi(?:\s+syarat)?|valid)"
# The condition of a decision clause ("ada koreksi", "tidak sesuai"), to cut off its action.
_CONDITION = re.compile(
    rf"(?:(?:tidak|belum)\s+)?(?:(?:ada|terdapat)\s+{_FAULTS}|{_GOOD})\s*,?\s*(?:maka\s+)?",
    re.IGNORECASE,
)
_TO = re.compile(r"\b(?:kepada|ke)\s+(.+?)(?:\s+(?:untuk|agar|guna|supaya)\b|$)", re.IGNORECASE)
_WAIT = re.compile(
    r"\b(?:dilakukan|dilaksanakan|dimulai|diproses)?\s*(?:setelah|sesudah|menunggu|"
    r"apabila\s+(?:telah|sudah)|bila\s+(?:telah|sudah)|jika\s+(?:telah|sudah))\b",
    re.IGNORECASE,
)
_RECEIVED = re.compile(
    r"^(?:.*?\b)?(?:menerima|mendapat(?:kan)?|memperoleh|diterimanya|diterima|adanya|ada|"
    r"terbitnya|diterbitkannya|keluarnya)\s+",
    re.IGNORECASE,
)
_SEND_VERBS = ("menyampaikan", "mengirim", "mengirimkan", "meneruskan", "menyerahkan")


def split_items(text: str) -> list[str]:
    """The items of a Kelengkapan or Output cell: one per line, bullet, number or semicolon."""
    items: list[str] = []
    for line in re.split(r"[\n;]", text):
        items += [part.strip(" ,.") for part in _BULLET.split(line)]
    return [item for item in items if item and item != "-"]


def normal(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces: how labels are compared."""
    return " ".join(_NOT_KEY.sub(" ", text.lower()).split())


def key_of(text: str, taken: Iterable[str], words: int = 4) -> str:
    """An identifier from the first significant words of a label, unique among `taken`."""
    all_words = [w for w in normal(text).split() if w not in _STOPWORDS] or ["item"]
    if not all_words[0][0].isalpha():
        all_words.insert(0, "x")
    used = set(taken)
    for count in range(min(words, len(all_words)), len(all_words) + 1):
        key = "_".join(all_words[:count])[:48].strip("_")
        if key not in used:
            return key
    base, number = "_".join(all_words[:words])[:44], 2
    while f"{base}_{number}" in used:
        number += 1
    return f"{base}_{number}"


def sentence(text: str) -> str:
    """One line, first letter capitalised, no trailing full stop."""
    flat = " ".join(text.split()).strip(" .;,")
    return flat[:1].upper() + flat[1:]


def paragraph(text: str) -> str:
    """One line, first letter capitalised, ending with a full stop."""
    flat = sentence(text)
    return f"{flat}." if flat else flat


def title_case(text: str) -> str:
    """'PEMERINTAH KOTA TANGERANG' → 'Pemerintah Kota Tangerang' (small words stay small)."""
    words = text.split()
    if any(ch.islower() for ch in text):
        return " ".join(words)
    small = {"dan", "atau", "di", "ke", "dari", "serta"}
    return " ".join(w.lower() if w.lower() in small and i else w.capitalize()
                    for i, w in enumerate(words))  # fmt: skip


def activity_title(text: str) -> str:
    """The activity without its decision sentences ("Jika ada koreksi …")."""
    match = _CLAUSE.search(text)
    head = text[: match.start()] if match else text
    return sentence(head or text)


@dataclass(frozen=True)
class Review:
    """The decision wording of an activity: what happens on corrections and on approval."""

    return_label: str  # "Dikembalikan kepada Kabag. Tata pemerintahan untuk diperbaiki"
    return_to: str  # who it goes back to, as written ("Kabag. Tata pemerintahan"); "" unknown
    approve_label: str  # "Diserahkan kepada Walikota", "Memberikan persetujuan"; "" unknown
    approve_to: str  # who it goes to on approval, as written; "" when not said


def review(text: str) -> Review | None:
    """The decision clauses of an activity, or None when it has none."""
    if _RETURN_CLAUSE.search(text) is None:
        return None
    return_label = return_to = approve_label = approve_to = ""
    for clause in _clauses(text):
        body = re.sub(rf"^{_IF}\s+", "", clause, flags=re.IGNORECASE)
        condition = _CONDITION.match(body)
        action = body[condition.end() :] if condition else body
        if _returns(body, action):
            return_label, return_to = sentence(action), _target(action)
        elif condition is not None:
            approve_label, approve_to = sentence(action), _target(action)
    if not return_label:
        match = re.search(r"dikembalikan\s+(?:kepada|ke)\b[^.;]*", text, re.IGNORECASE)
        if match:
            return_label, return_to = sentence(match.group(0)), _target(match.group(0))
    return Review(return_label, return_to, approve_label, approve_to)


def _clauses(text: str) -> list[str]:
    starts = [match.start("word") for match in _CLAUSE.finditer(text)]
    ends = [*starts[1:], len(text)]
    return [text[start:end].strip(" .;,") for start, end in zip(starts, ends, strict=False)]


def _returns(body: str, action: str) -> bool:
    """Whether a clause sends the case back: "ada koreksi", "tidak sesuai", "… dikembalikan"."""
    words = body.lower()
    if re.match(rf"(tidak|belum)\s+(ada|terdapat)\s+{_FAULTS}", words):
        return False
    if re.match(rf"(ada|terdapat)\s+{_FAULTS}|(tidak|belum)\s+{_GOOD}", words):
        return True
    return re.search(r"\bkembali", action, re.IGNORECASE) is not None


def _target(action: str) -> str:
    match = _TO.search(action)
    return match.group(1).strip(" .,;") if match else ""


def is_sending(title: str) -> bool:
    """An activity that hands something on ("menyampaikan … kepada …"): its word is Sampaikan."""
    first = title.split()[0].lower() if title.split() else ""
    return first in _SEND_VERBS


def companions(title: str) -> str:
    """Who an activity is done with, as written ('TKKSD dan stakeholder'), or ''."""
    # Only "dengan": "bersama" is mostly part of a name ("kesepakatan bersama").
    match = re.search(r"\bdengan\s+(?!.*\bdengan\b)(.+)$", title, re.IGNORECASE)
    return match.group(1).strip(" .") if match else ""


@dataclass(frozen=True)
class Wait:
    """A Keterangan that makes a step wait: on what condition, and for what."""

    condition: str  # 'koordinasi … dengan kementerian / lembaga …'; '' when always
    thing: str  # 'jawaban persetujuan rencana kerjasama dari …'


def wait(text: str) -> Wait | None:
    """The waiting clause of a Keterangan ('… dilakukan setelah X menerima Y'), if it has one."""
    match = _WAIT.search(text)
    if match is None:
        return None
    after = text[match.end() :].strip(" .;,")
    received = _RECEIVED.match(after)
    thing = after[received.end() :] if received else after
    if not thing:
        return None
    return Wait(text[: match.start()].strip(" .;,"), thing.strip(" .;,"))


def nominal(title: str) -> str:
    """A step code from the activity's verb: menugaskan → penugasan, menyusun → penyusunan."""
    words = normal(title).split()
    if not words:
        return "langkah"
    verb = words[0]
    loanword = re.fullmatch(r"me(?:ng|m|n)?([a-z]+?si)(?:kan)?", verb)
    if loanword:  # memverifikasi → verifikasi, mengkoordinasikan → koordinasi
        return loanword.group(1)
    if verb.startswith("me") and len(verb) > 5:
        stem = verb[2:]
        for suffix in ("kan", "i"):
            if stem.endswith(suffix) and len(stem) > len(suffix) + 3:
                stem = stem[: -len(suffix)]
                break
        noun = f"pe{stem}an"
        return noun if noun.isidentifier() else "langkah"
    significant = [w for w in words if w not in _STOPWORDS][:2]
    code = "_".join(significant)
    return code if code and code[0].isalpha() else "langkah"
