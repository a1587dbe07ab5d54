"""Assemble the SOP file's content from the header and the steps, in the loader's key order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.sop.importer.artifacts import Artifacts
from bot.sop.importer.durations import read_duration
from bot.sop.importer.flow import decisions, name_steps
from bot.sop.importer.header import Header, read_header
from bot.sop.importer.roles import Column, superiors
from bot.sop.importer.source import Block
from bot.sop.importer.steps import Check, StepDraft, StepReader
from bot.sop.importer.table import find_table
from bot.sop.importer.wording import is_sending, key_of, normal
from bot.texts import t

# Kinds of partner a Keterangan may make a step wait on ("kerja sama dengan kementerian …"):
# key, label, the words that name it.
_PARTNERS: tuple[tuple[str, str, str], ...] = (
    ("pemda", "Pemerintah Daerah lain", r"daerah lain|pemerintah daerah|pemda"),
    ("pihak_ketiga", "Pihak Ketiga", r"pihak ketiga|swasta|badan usaha"),
    ("kl_lpnk", "Kementerian / Lembaga Pemerintah Non Kementerian",
     r"kementerian|lembaga pemerintah non|lpnk|\bk l\b"),
    ("luar_negeri", "Lembaga atau Pemerintah Daerah di Luar Negeri", r"luar negeri"),
)  # fmt: skip
_STANDARD_PARTNERS = ("pemda", "pihak_ketiga", "kl_lpnk")
# Words a case prefix skips: they name how, not what ("Pelaksanaan Koordinasi …").
_GENERIC_WORDS = frozenset({
    "pelaksanaan", "penyusunan", "koordinasi", "penyiapan", "persiapan", "prosedur", "standar",
    "operasional", "pelayanan", "layanan", "pengelolaan", "penyelenggaraan", "fasilitasi",
    "proses", "tata", "cara",
})  # fmt: skip
_SECTION_NOTES = ("kualifikasi", "keterkaitan", "peralatan", "peringatan", "pencatatan")
# SOP 54's reminder plan: each rung, and how many superiors above a performer it needs.
_REMINDERS: tuple[tuple[dict[str, str | int], int], ...] = (
    ({"name": "separuh", "at": "50%"}, 0),
    ({"name": "menjelang", "before_due": "30 menit"}, 0),
    ({"name": "jatuh_tempo", "at": "100%"}, 0),
    ({"name": "eskalasi_pelaksana", "after_due": "1 jam"}, 0),
    ({"name": "eskalasi_atasan", "after_due": "2 jam", "up": 1}, 1),
    ({"name": "eskalasi_atasan_2", "after_due": "1 hari", "up": 2}, 2),
)


@dataclass
class Draft:
    """The SOP file's content, what to check in it and the comment lines of its head."""

    data: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build(blocks: Sequence[Block], filename: str) -> Draft:
    """The draft of a document's blocks; TableMissing when it has no activity table."""
    table = find_table(blocks)
    header = read_header(blocks[: table.first_block])
    artifacts = Artifacts()
    reader = StepReader(table, artifacts)
    steps = reader.read()
    name_steps(steps)
    checks = reader.checks
    found_decisions = decisions(steps, table.performers, checks)
    draft = Draft({}, checks)
    _identity(draft, header, filename, table.total)
    draft.data["dasar_hukum"] = header.sections.get("dasar_hukum") or None
    draft.data["roles"] = _roles(draft, table.performers)
    partner_kinds, whens = _partners(draft, steps)
    draft.data["partner_kinds"] = partner_kinds
    draft.data["intake"] = reader.intake or None
    draft.data["permissions"] = _permissions(draft, steps)
    draft.data["reminders"] = _reminders(draft.data["roles"])
    draft.data["notices"] = {"digest": [steps[0].performer], "delivery_failed": ["admin"]}
    draft.data["artifacts"] = {
        key: {"label": item.label, "kind": item.kind} for key, item in artifacts.items.items()
    }
    draft.data["steps"] = [
        _step(step, found_decisions.get(index), whens.get(index))
        for index, step in enumerate(steps)
    ]
    for position in table.stray:
        draft.notes.append(t("import.row_position", position=position) + ": "
                           + t("import.check.stray_row"))  # fmt: skip
    draft.notes += _section_notes(header)
    draft.data = {key: value for key, value in draft.data.items() if value is not None}
    return draft


def _identity(draft: Draft, header: Header, filename: str, total: str) -> None:
    data, fields = draft.data, header.fields
    number = fields.get("nomor", "")
    title = fields.get("nama", "")
    if not title:
        title = re.sub(r"[_-]+", " ", filename.rsplit(".", 1)[0]).strip() or "SOP"
        draft.checks.append(Check(("title",), t("import.check.title_missing")))
    if not number:
        number = "-"
        draft.checks.append(Check(("number",), t("import.check.number_missing")))
    organisation = ", ".join(header.organisation)
    if not organisation:
        organisation = "-"
        draft.checks.append(Check(("organisation",), t("import.check.organisation_missing")))
    data["code"] = _code(number, title)
    data["number"] = number
    data["title"] = title
    data["organisation"] = organisation
    data["case_prefix"] = _prefix(title)
    draft.checks.append(Check(("case_prefix",), t("import.check.case_prefix")))
    data["total_mutu_baku"] = None
    if total:
        reading = read_duration(total)
        if reading.duration is None:
            unknown = t("import.check.total", written=total)
            draft.checks.append(Check(("total_mutu_baku",), unknown))
        else:
            data["total_mutu_baku"] = reading.duration.text


def _code(number: str, title: str) -> str:
    first = re.match(r"\s*(\d+)", number)
    year = re.search(r"(?:19|20)\d{2}", number)
    if first and year:
        return f"sop{first.group(1)}-{year.group(0)}"
    return key_of(title, [], 3).replace("_", "-")


def _prefix(title: str) -> str:
    """Initials of the title's last two words that are not generic ('Kesepakatan Bersama')."""
    words = [w for w in normal(title).split() if w.isalpha() and w not in _GENERIC_WORDS]
    initials = "".join(word[0] for word in words[-2:]).upper()
    return initials if len(initials) >= 2 else "SOP"


def _roles(draft: Draft, columns: Sequence[Column]) -> dict[str, Any]:
    roles: dict[str, Any] = {"admin": {"title": t("import.admin_title")}}
    above = superiors(columns)
    for column in columns:
        role: dict[str, Any] = {"title": column.title}
        if above[column.key] is not None:
            role["superior"] = above[column.key]
        roles[column.key] = role
        if column.rank is None:
            unknown = t("import.check.rank_unknown", title=column.title)
            draft.checks.append(Check(("roles", column.key), unknown))
    if any(above.values()):
        draft.checks.append(Check(("roles",), t("import.check.superiors")))
    return roles


def _partners(
    draft: Draft, steps: Sequence[StepDraft]
) -> tuple[dict[str, str], dict[int, dict[str, str]]]:
    """The partner kinds, and the condition of each step that waits (by index)."""
    whens: dict[int, dict[str, str]] = {}
    named: list[str] = []
    for index, step in enumerate(steps):
        if step.wait is None:
            continue
        kind = _partner_kind(step.wait.condition)
        whens[index] = {"partner_kind": kind} if kind else {}
        if kind:
            named.append(kind)
        where = ("steps", index, "precondition")
        label = step.wait.thing
        if kind:
            text = t("import.check.precondition_partner", label=label, partner=_label(kind))
        elif step.wait.condition:
            text = t("import.check.precondition_condition", label=label,
                     condition=step.wait.condition)  # fmt: skip
        else:
            text = t("import.check.precondition", label=label)
        draft.checks.append(Check(where, f"{step.row}: {text}"))
    if named:
        more = [key for key in dict.fromkeys(named) if key not in _STANDARD_PARTNERS]
        keys = [*_STANDARD_PARTNERS, *more]
        draft.checks.append(Check(("partner_kinds",), t("import.check.partner_kinds")))
        return {key: _label(key) for key in keys}, whens
    draft.checks.append(Check(("partner_kinds",), t("import.check.partner_kinds_none")))
    return {"umum": t("import.partner_general")}, whens


def _partner_kind(condition: str) -> str | None:
    words = normal(condition)
    partner = words.split(" dengan ", 1)[1] if " dengan " in f" {words} " else ""
    for key, _, pattern in _PARTNERS:
        if partner and re.search(pattern, partner):
            return key
    return None


def _label(kind: str) -> str:
    return next(label for key, label, _ in _PARTNERS if key == kind)


def _permissions(draft: Draft, steps: Sequence[StepDraft]) -> dict[str, list[str]]:
    first = steps[0].performer
    permissions = {
        "open_case": [first],
        "cancel_case": [first, "admin"],
        "view_dashboard": ["admin", first],
        "import_sop": ["admin"],
    }
    if steps[0].wait is not None:
        permissions["record_precondition"] = [first, "admin"]
    draft.checks.append(Check(("permissions", "open_case"), t("import.check.open_case")))
    return permissions


def _reminders(roles: dict[str, Any]) -> list[dict[str, str | int]]:
    """The reminder plan of SOP 54, without rungs above the longest chain of superiors."""
    depth = 0
    for key in roles:
        chain, up = 0, roles[key].get("superior")
        while up is not None and chain < len(roles):
            chain, up = chain + 1, roles[up].get("superior")
        depth = max(depth, chain)
    return [dict(rung) for rung, needs in _REMINDERS if needs <= depth]


def _step(
    step: StepDraft, found: list[dict[str, Any]] | None, when: dict[str, str] | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": step.code,
        "number": step.number,
        "title": step.title,
        "performer": step.performer,
        "assigns": step.assigns or None,
        "needs": step.needs or None,
        "produces": step.produces or None,
        "mutu_baku": step.mutu_baku,
    }
    if found:
        data["action"] = "decision"
        data["decisions"] = found
    elif is_sending(step.title):
        data["action"] = "sampaikan"
    if step.wait is not None and when is not None:
        data["precondition"] = {"when": when, "requires": [step.requires],
                                "description": step.note}  # fmt: skip
    elif step.note:
        data["note"] = step.note
    return {key: value for key, value in data.items() if value is not None}


def _section_notes(header: Header) -> list[str]:
    notes = []
    for name in _SECTION_NOTES:
        items = header.sections.get(name) or []
        if items:
            notes.append(t(f"import.section.{name}") + ": " + "; ".join(items))
    return notes
