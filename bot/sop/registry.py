"""Every SOP a deployment runs, each in every version it has loaded.

A case runs on the SOP version it was opened with (`Case.sop_code`, `Case.sop_version`); new
cases take the newest version of their SOP. Roles are shared by key across SOPs: a person who
holds `kabag` is the Kabag in every SOP that names that role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.sop.model import Decision, Role, Sop, Step


class OnSop(Protocol):
    """Anything that runs on one SOP version (a case)."""

    @property
    def sop_code(self) -> str: ...

    @property
    def sop_version(self) -> int: ...


@dataclass(frozen=True)
class LoadedSop:
    """An SOP file as read at start: its parsed form and the exact text it was parsed from."""

    sop: Sop
    text: str


@dataclass(frozen=True)
class SopVersion:
    """One stored version of an SOP: its number, the text's digest, the text and when loaded."""

    code: str
    version: int
    sha256: str
    text: str
    loaded_at: datetime


class SopRegistry:
    """The SOPs in load order, each with all its versions; the first SOP is the default."""

    def __init__(self, sops: Iterable[Sop], retired: Iterable[Sop] = ()) -> None:
        """`retired`: stored versions of SOPs whose file is no longer loaded; their running
        cases finish on them, and no new case is opened on them."""
        self._versions: dict[tuple[str, int], Sop] = {(s.code, s.version): s for s in retired}
        self._newest: dict[str, Sop] = {}
        for sop in sops:
            self._versions[(sop.code, sop.version)] = sop
            newest = self._newest.get(sop.code)
            if newest is None or sop.version > newest.version:
                self._newest[sop.code] = sop
        if not self._newest:
            raise ValueError("an SOP registry needs at least one SOP")

    @classmethod
    def of(cls, sops: Sop | SopRegistry) -> SopRegistry:
        """A registry as given, or one holding a single SOP."""
        return sops if isinstance(sops, SopRegistry) else cls([sops])

    @property
    def default(self) -> Sop:
        """The newest version of the first SOP loaded (what a deployment of one SOP runs)."""
        return next(iter(self._newest.values()))

    @property
    def current(self) -> tuple[Sop, ...]:
        """The newest version of every SOP, in load order."""
        return tuple(self._newest.values())

    @property
    def several(self) -> bool:
        """Whether more than one SOP runs here."""
        return len(self._newest) > 1

    @property
    def every(self) -> tuple[Sop, ...]:
        """Every version of every SOP, retired ones included."""
        return tuple(self._versions.values())

    def newest(self, code: str) -> Sop:
        """The newest version of the SOP with that code (KeyError if none)."""
        return self._newest[code]

    def find(self, code: str) -> Sop | None:
        """The newest version of the SOP with that code, as typed (any case), or None."""
        wanted = code.strip().lower()
        return next((s for s in self._newest.values() if s.code.lower() == wanted), None)

    def version(self, code: str, version: int) -> Sop:
        """That version of that SOP (KeyError if it was never loaded)."""
        return self._versions[(code, version)]

    def versions(self, code: str) -> list[Sop]:
        """Every loaded version of an SOP, oldest first."""
        return sorted((s for (c, _), s in self._versions.items() if c == code),
                      key=lambda s: s.version)  # fmt: skip

    def for_case(self, case: OnSop) -> Sop:
        """The SOP version a case runs on; a case that names none runs on the default SOP."""
        code = case.sop_code or self.default.code
        found = self._versions.get((code, case.sop_version))
        return found if found is not None else self.newest(code)

    def openable(self, roles: Iterable[str]) -> list[Sop]:
        """The SOPs whose cases a holder of these roles may open, in load order."""
        held = set(roles)
        return [s for s in self.current if held & set(s.allowed("open_case"))]

    def artifact_label(self, key: str) -> str:
        """The label of an artifact key in the first SOP that has it."""
        found = next((s for s in self.current if key in s.artifacts), self.default)
        return found.artifact_label(key)

    def notice_roles(self, notice: str) -> tuple[str, ...]:
        """The roles any SOP names for a notice that belongs to no case (`delivery_failed`,
        `system_failure`), each once, in load order."""
        named = (role for sop in self.current for role in getattr(sop.notices, notice))
        return tuple(dict.fromkeys(named))

    def role_titles(self, key: str) -> tuple[str, ...]:
        """The titles the SOPs give a role key, each once, in load order (one title when they
        agree)."""
        return tuple(dict.fromkeys(s.roles[key].title for s in self.current if key in s.roles))

    @property
    def roles(self) -> Mapping[str, Role]:
        """Every role key of every SOP (the first SOP naming a key gives its title)."""
        merged: dict[str, Role] = {}
        for sop in self.current:
            for key, role in sop.roles.items():
                merged.setdefault(key, role)
        return merged


def version_lines(registry: SopRegistry, stored: Iterable[SopVersion]) -> list[str]:
    """`sopbot sop versions`: each stored version, newest last, with its changes."""
    from bot.texts import t

    lines: list[str] = []
    before: Sop | None = None
    for row in stored:
        sop = registry.version(row.code, row.version)
        loaded = row.loaded_at.strftime("%Y-%m-%d %H:%M")
        revised = t("sop.version_revised", revised=sop.revised) if sop.revised else ""
        lines.append(t("sop.version_line", version=row.version, number=sop.number,
                       revised=revised, loaded=loaded, sha=row.sha256[:12]))  # fmt: skip
        found = changes(before, sop) if before is not None else []
        if before is None:
            found = [t("sop.change.first", steps=len(sop.steps))]
        lines += [f"  - {line}" for line in found or [t("sop.change.none")]]
        before = sop
    return lines


def _fix(decision: Decision) -> str:
    return decision.fix_time.text if decision.fix_time else ""


def changes(old: Sop, new: Sop) -> list[str]:
    """What changed from one SOP version to the next: steps added, removed, retimed, and
    performers, decisions or return targets changed (lines in Bahasa Indonesia)."""
    from bot.texts import t

    lines: list[str] = []
    if old.revised != new.revised:
        lines.append(t("sop.change.revised", before=old.revised or "-", after=new.revised or "-"))
    for step in new.steps:
        if not old.has_step(step.code):
            lines.append(t("sop.change.added", **_step_params(step, new)))
    for step in old.steps:
        if not new.has_step(step.code):
            lines.append(t("sop.change.removed", **_step_params(step, old)))
    for step in new.steps:
        if not old.has_step(step.code):
            continue
        before = old.step(step.code)
        params = _step_params(step, new)
        if before.mutu_baku.text != step.mutu_baku.text:
            lines.append(t("sop.change.retimed", before=before.mutu_baku.text,
                           after=step.mutu_baku.text, **params))  # fmt: skip
        if before.performer != step.performer:
            lines.append(t("sop.change.performer", before=old.roles[before.performer].title,
                           after=new.roles[step.performer].title, **params))  # fmt: skip
        if _decisions(before) != _decisions(step):
            lines.append(t("sop.change.decisions", **params))
    return lines


def _step_params(step: Step, sop: Sop) -> dict[str, object]:
    return {"number": step.number, "title": step.title, "mutu_baku": step.mutu_baku.text,
            "performer": sop.roles[step.performer].title}  # fmt: skip


def _decisions(step: Step) -> tuple[tuple[str, str, str | None, str], ...]:
    own = tuple((d.kind.value, d.label, d.goto, _fix(d)) for d in step.decisions)
    return (*own, ("goto", "", step.goto, ""))
