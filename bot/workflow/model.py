"""The case aggregate and the people who act on it. Plain data: no I/O, no ORM."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class CaseStatus(StrEnum):
    WAITING = "menunggu"  # a precondition of the first step is not met yet
    RUNNING = "berjalan"
    DONE = "selesai"
    CANCELLED = "dibatalkan"


class Outcome(StrEnum):
    COMPLETED = "selesai"
    APPROVED = "disetujui"
    RETURNED = "dikembalikan"
    SKIPPED = "dilewati"
    CANCELLED = "dibatalkan"


class DeviationKind(StrEnum):
    KELENGKAPAN = "kelengkapan"
    WAKTU = "waktu"
    OUTPUT = "output"


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    roles: frozenset[str]
    jabatan: str = ""
    nip: str = ""
    active: bool = True
    pangkat: str = ""  # e.g. "Pembina Tingkat I"
    golongan: str = ""  # e.g. "IV/b"

    @property
    def rank(self) -> str:
        """Pangkat and golongan as printed under a signature: `Pembina Tingkat I (IV/b)`."""
        if self.pangkat and self.golongan:
            return f"{self.pangkat} ({self.golongan})"
        return self.pangkat or self.golongan


@dataclass(frozen=True)
class Delegation:
    """A Plt/Plh: `deputy_id` acts for `principal_id` from `starts` to `ends` inclusive."""

    id: int
    principal_id: int
    deputy_id: int
    kind: str  # plt | plh
    starts: date
    ends: date
    revoked: bool = False

    def active_on(self, day: date) -> bool:
        """Whether the delegation is in force on that day."""
        return not self.revoked and self.starts <= day <= self.ends


@dataclass(frozen=True)
class Acting:
    """Who really acts, and for whom when by delegation."""

    actor_id: int
    for_id: int | None = None
    delegation_kind: str | None = None


@dataclass(frozen=True)
class Roster:
    """A snapshot of people and delegations the engine checks actions against."""

    people: Mapping[int, Person]
    delegations: tuple[Delegation, ...] = ()

    @classmethod
    def of(cls, people: Iterable[Person], delegations: Iterable[Delegation] = ()) -> Roster:
        """Build a roster from people and delegations."""
        return cls({p.id: p for p in people}, tuple(delegations))

    def person(self, person_id: int | None) -> Person | None:
        """The person with that id, if known."""
        return self.people.get(person_id) if person_id is not None else None

    def name(self, person_id: int | None) -> str:
        """Display name of a person, or a dash."""
        person = self.person(person_id)
        return person.name if person else "-"

    def holders(self, role: str) -> list[Person]:
        """Active people holding a role, by id."""
        return sorted(
            (p for p in self.people.values() if p.active and role in p.roles), key=lambda p: p.id
        )

    def principals_of(self, deputy_id: int, day: date) -> list[Delegation]:
        """Delegations in force on `day` that let `deputy_id` act for someone."""
        return [d for d in self.delegations if d.deputy_id == deputy_id and d.active_on(day)]

    def standing_in(self, principal_id: int | None, day: date) -> Delegation | None:
        """The Plt/Plh acting for `principal_id` on `day` (the latest recorded), if any.

        Only an active deputy counts: a deactivated one cannot receive the principal's work.
        """
        found = [
            d
            for d in self.delegations
            if d.principal_id == principal_id
            and d.active_on(day)
            and (deputy := self.people.get(d.deputy_id)) is not None
            and deputy.active
        ]
        return max(found, key=lambda d: d.id) if found else None


@dataclass
class ArtifactValue:
    """The latest recorded value of an artifact on a case."""

    key: str
    value: str  # text, ISO datetime/date, or a document's sha256
    step_code: str | None
    recorded_by: int | None
    recorded_at: datetime
    document_id: int | None = None
    version: int = 1
    filename: str | None = None


@dataclass
class Deviation:
    """A departure from the mutu baku, to be accounted for (Pencatatan dan Pendataan)."""

    step_code: str
    round: int
    kind: DeviationKind
    detail: str
    recorded_at: datetime
    reason: str | None = None
    late_minutes: int | None = None
    id: int | None = None


@dataclass
class StepRun:
    """One execution of a step in a case; an open run is someone's task."""

    step_code: str
    round: int
    started_at: datetime
    due_at: datetime
    assignee_id: int | None
    version: int = 1
    finished_at: datetime | None = None
    outcome: Outcome | None = None
    decided_by: int | None = None
    acting_for: int | None = None
    delegation_kind: str | None = None
    note: str | None = None
    kelengkapan_ok: bool | None = None
    output_ok: bool | None = None
    late_minutes: int | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        """Whether the run is still waiting for its performer."""
        return self.outcome is None


@dataclass
class Case:
    """One draft cooperation agreement (KB) going through the SOP."""

    ref: str
    partner: str
    partner_kind: str
    subject: str
    created_at: datetime
    created_by: int
    status: CaseStatus = CaseStatus.RUNNING
    assignments: dict[str, int] = field(default_factory=dict)
    artifacts: dict[str, ArtifactValue] = field(default_factory=dict)
    runs: list[StepRun] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    version: int = 0
    id: int | None = None
    # The SOP and its version the case was opened on; it finishes on them ("": the default).
    sop_code: str = ""
    sop_version: int = 1

    @property
    def is_active(self) -> bool:
        """Whether the case still accepts actions."""
        return self.status in (CaseStatus.WAITING, CaseStatus.RUNNING)

    def open_runs(self) -> list[StepRun]:
        """Runs nobody has finished yet."""
        return [r for r in self.runs if r.is_open]

    def current_run(self, step_code: str) -> StepRun | None:
        """The open run of that step, if any."""
        return next((r for r in self.open_runs() if r.step_code == step_code), None)

    def latest_run(self, step_code: str) -> StepRun | None:
        """The most recent run of that step, open or finished."""
        runs = [r for r in self.runs if r.step_code == step_code]
        return runs[-1] if runs else None

    def rounds_of(self, step_code: str) -> int:
        """How many times that step has been started in this case."""
        return sum(1 for r in self.runs if r.step_code == step_code)

    def has(self, artifact_key: str) -> bool:
        """Whether the artifact has been recorded on this case."""
        return artifact_key in self.artifacts
