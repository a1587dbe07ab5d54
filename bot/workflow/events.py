"""What happened to a case. Each event becomes one audit entry and may cause messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    case_ref: str
    actor_id: int | None
    at: datetime

    @property
    def kind(self) -> str:
        """Stable name of the event kind, used in the audit trail."""
        return type(self).__name__

    def data(self) -> dict[str, Any]:
        """The event's fields as JSON-ready values."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            out[key] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass(frozen=True)
class CaseOpened(Event):
    partner: str
    partner_kind: str
    subject: str
    sop_code: str = ""
    sop_version: int = 1


@dataclass(frozen=True)
class CaseWaiting(Event):
    """The first step may not start yet (SOP precondition)."""

    step_code: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class TaskAssigned(Event):
    step_code: str
    round: int
    assignee_id: int | None
    started_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class TaskDelegated(Event):
    """A task went to the Plt./Plh. of its performer, who is away (the delegation table)."""

    step_code: str
    round: int
    holder_id: int
    deputy_id: int
    delegation_kind: str
    delegation_id: int
    holder: str = ""  # names as they were, so the trail reads without the roster
    deputy: str = ""


@dataclass(frozen=True)
class PerformerAssigned(Event):
    step_code: str
    role: str
    person_id: int
    acting_for: int | None = None


@dataclass(frozen=True)
class ArtifactRecorded(Event):
    step_code: str | None
    artifact: str
    value: str
    version: int
    filename: str | None = None
    acting_for: int | None = None


@dataclass(frozen=True)
class StepFinished(Event):
    """A step run ended: completed, submitted, approved, returned or skipped."""

    step_code: str
    round: int
    outcome: str
    next_step: str | None
    note: str | None = None
    acting_for: int | None = None
    delegation_kind: str | None = None


@dataclass(frozen=True)
class DeviationRecorded(Event):
    step_code: str
    round: int
    deviation: str
    detail: str
    reason: str | None = None
    late_minutes: int | None = None


@dataclass(frozen=True)
class CaseCancelled(Event):
    reason: str


@dataclass(frozen=True)
class CaseClosed(Event):
    pass


@dataclass(frozen=True)
class ProgressReported(Event):
    role: str
    text: str
    acting_for: int | None = None
