"""What a user asks the workflow to do. Both channels build these same objects."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Command:
    actor_id: int


@dataclass(frozen=True)
class OpenCase(Command):
    partner: str
    partner_kind: str
    subject: str
    facts: dict[str, str] = field(default_factory=dict)  # artifact key -> text value
    sop_code: str = ""  # which SOP the case runs; "": the deployment's first (or only) one


@dataclass(frozen=True)
class CaseCommand(Command):
    case_id: int


@dataclass(frozen=True)
class StepCommand(CaseCommand):
    """Acts on the open task of `step_code`; `task_version` pins the version the user saw."""

    step_code: str
    task_version: int | None = None


@dataclass(frozen=True)
class Complete(StepCommand):
    """ "Selesai": finish the step; `reason` accounts for lateness."""

    reason: str | None = None


@dataclass(frozen=True)
class Submit(Complete):
    """ "Sampaikan": hand the draft on to the next performer."""


@dataclass(frozen=True)
class Approve(StepCommand):
    note: str | None = None


@dataclass(frozen=True)
class Return(StepCommand):
    note: str = ""


@dataclass(frozen=True)
class Skip(StepCommand):
    """ "Lewati": finish the step although something is missing, with a reason."""

    reason: str = ""


@dataclass(frozen=True)
class KeepUnchanged(StepCommand):
    """ "Tanpa perubahan": a returned draft is sent up again as it is, for a recorded reason."""

    reason: str = ""


@dataclass(frozen=True)
class AssignPerformer(StepCommand):
    role: str = ""
    person_id: int = 0


@dataclass(frozen=True)
class DocumentRef:
    sha256: str
    filename: str
    size: int
    media_type: str
    document_id: int | None = None


@dataclass(frozen=True)
class AttachDocument(StepCommand):
    artifact: str = ""
    document: DocumentRef | None = None


@dataclass(frozen=True)
class RecordFact(StepCommand):
    artifact: str = ""
    value: str = ""


@dataclass(frozen=True)
class RecordPrecondition(CaseCommand):
    """Records an artifact a waiting case needs before its first step may start."""

    artifact: str
    value: str


@dataclass(frozen=True)
class CancelCase(CaseCommand):
    reason: str


@dataclass(frozen=True)
class ReportProgress(CaseCommand):
    """A performer's progress report in free text (`/lapor`), passed to their superior."""

    text: str
