"""The SOP as data: roles, artifacts, steps and decisions, read from a YAML file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.calendar import Duration

# The case-level actions the engine checks against `Sop.permissions` (see `Sop.allowed`).
PERMISSIONS: tuple[str, ...] = (
    "open_case",
    "cancel_case",
    "record_precondition",
    "view_dashboard",  # the read-only web dashboard (`sopbot run --dashboard`)
    "import_sop",  # send an SOP document to the bot for a YAML draft (default: the admin role)
    "export_records",  # a finished case's records package (SRIKANDI) from chat
)

# The outgoing naskah the bot numbers from its agenda register, by kind (`records:` in the file).
RECORD_KINDS: tuple[str, ...] = ("disposisi", "undangan", "persetujuan", "kb")
# The fields a naskah number format may use (`bot.documents.values.document_number` fills them).
NUMBER_FIELDS: tuple[str, ...] = (
    "nomor", "seq", "ref", "klasifikasi", "year", "month", "month_roman"
)


class Sifat(StrEnum):
    """Security classification of a naskah, as SRIKANDI's registration form offers it."""

    BIASA = "biasa"
    TERBATAS = "terbatas"
    RAHASIA = "rahasia"
    SANGAT_RAHASIA = "sangat_rahasia"


class Urgensi(StrEnum):
    """Tingkat urgensi of a naskah, as SRIKANDI's registration form offers it."""

    BIASA = "biasa"
    SEGERA = "segera"
    AMAT_SEGERA = "amat_segera"


@dataclass(frozen=True)
class RecordKind:
    """How one kind of naskah is registered: jenis, sifat, urgensi and klasifikasi arsip."""

    key: str  # one of RECORD_KINDS
    jenis: str  # Jenis Naskah, e.g. "Surat Undangan"
    sifat: Sifat = Sifat.BIASA
    urgensi: Urgensi = Urgensi.BIASA
    klasifikasi: str = ""  # kode klasifikasi arsip, e.g. "000.5.3"
    # This SOP's number format for the kind ({nomor}, {klasifikasi}, {year}...); empty: the
    # deployment's SOPBOT_DOC_NUMBER_<KIND>. The register's count stays one per kind and year.
    nomor: str = ""


class ArtifactKind(StrEnum):
    DOCUMENT = "document"  # an uploaded or generated file
    TEXT = "text"  # a number, a place, a short statement
    DATETIME = "datetime"  # an instant, e.g. the meeting time
    DATE = "date"
    ANY = "any"  # a file or, failing that, its number as text
    PEOPLE = "people"  # holders of `role` chosen with buttons, plus names typed in


class DecisionKind(StrEnum):
    APPROVE = "approve"
    RETURN = "return"


class ReminderAnchor(StrEnum):
    """What a reminder's time is measured from."""

    ELAPSED = "at"  # a share of the mutu baku has passed since the step's clock started
    BEFORE_DUE = "before_due"  # office time before the deadline
    AFTER_DUE = "after_due"  # office time (or working days) after the deadline


@dataclass(frozen=True)
class Role:
    key: str
    title: str
    superior: str | None = None


def superior_chain(role: str, roles: Mapping[str, Role]) -> list[str]:
    """The role's superiors, nearest first; the loader rejects loops, this stops at one."""
    chain: list[str] = []
    up = roles[role].superior
    while up is not None and up not in chain:
        chain.append(up)
        up = roles[up].superior
    return chain


@dataclass(frozen=True)
class Artifact:
    """Something a step needs (kelengkapan) or produces (output)."""

    key: str
    label: str
    kind: ArtifactKind
    role: str | None = None  # for PEOPLE: the role whose holders are offered
    template: str | None = None  # a Word template the bot can fill to produce it ("Buat …")
    checked: bool = False  # a draft of the agreement: checked on upload, compared by version
    # What must be filled before the bot can build it: artifact keys, or role keys whose
    # person must be chosen (the surat undangan names the meeting's time and place).
    after: tuple[str, ...] = ()
    # Limits on a time (the value of a date or datetime, the moment of submission of anything
    # else): `now`, `deadline` (the step's) or an artifact key (its time, or when it was
    # recorded); `office_hours` refuses days off and times outside office hours.
    not_before: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()
    office_hours: bool = False


# The names `not_before` / `not_after` accept besides artifact keys.
NOT_BEFORE_NAMES = ("now",)
NOT_AFTER_NAMES = ("deadline",)


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    label: str
    goto: str | None  # next step code; None ends the case
    records: tuple[str, ...] = ()  # artifacts this decision itself produces
    note_required: bool = False
    # A return: the time its fix may take (the run it starts is measured against this, not
    # the step's own mutu baku), the documents to be fixed before sending up again, the
    # artifact that records why a document was left unchanged, and who else is told.
    fix_time: Duration | None = None
    fixes: tuple[str, ...] = ()
    unchanged: str | None = None
    tells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Precondition:
    """A condition on the case that must hold before a step may start."""

    when: Mapping[str, str]  # case attribute -> value, e.g. partner_kind: kl_lpnk
    requires: tuple[str, ...]  # artifact keys that must be recorded first
    description: str


@dataclass(frozen=True)
class ReminderRule:
    """One rung of a reminder plan: when it fires and how far up the superiors it goes."""

    name: str  # unique in its plan; one row per task, rung and person
    anchor: ReminderAnchor
    percent: int = 0  # ELAPSED: share of the mutu baku, 1-100
    offset: Duration | None = None  # BEFORE_DUE, AFTER_DUE
    up: int = 0  # 0: the performer; 1: their superior; 2: the superior's superior ...
    line: int | None = None


@dataclass(frozen=True)
class Notices:
    """Who gets the messages that belong to no single task (roles)."""

    digest: tuple[str, ...] = ()  # daily at office opening: open cases, who is awaited, overdue
    delivery_failed: tuple[str, ...] = ()  # a message that could not be delivered
    # An update the bot could not handle: a count and the first trace, per kind, per 15 minutes.
    system_failure: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    code: str
    number: int
    title: str
    performer: str
    mutu_baku: Duration
    needs: tuple[str, ...] = ()
    produces: tuple[str, ...] = ()
    collects: tuple[str, ...] = ()  # extra inputs the performer gives; not part of the mutu baku
    participants: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()  # roles whose person this step chooses
    action: str = "selesai"  # which word finishes the step: selesai | sampaikan | decision
    goto: str | None = None  # next step when there are no decisions; None ends the case
    decisions: tuple[Decision, ...] = ()
    clock_starts_at: str | None = None  # a datetime artifact; default: when assigned
    precondition: Precondition | None = None
    note: str = ""
    confirm: str = ""  # asked (Ya/Batal) before the finishing button takes effect
    reminders: tuple[ReminderRule, ...] | None = None  # None: the SOP's default plan
    line: int | None = None

    def decision(self, kind: DecisionKind) -> Decision | None:
        """The decision of that kind on this step, if it has one."""
        return next((d for d in self.decisions if d.kind is kind), None)


@dataclass(frozen=True)
class Sop:
    code: str
    number: str
    title: str
    organisation: str
    case_prefix: str
    roles: Mapping[str, Role]
    artifacts: Mapping[str, Artifact]
    steps: tuple[Step, ...]
    partner_kinds: Mapping[str, str]
    permissions: Mapping[str, tuple[str, ...]]
    total_mutu_baku: Duration | None = None
    intake: tuple[str, ...] = ()  # artifacts asked for when a case is opened, in order
    source: str = ""
    dasar_hukum: tuple[str, ...] = ()  # the legal basis the SOP document lists
    reminders: tuple[ReminderRule, ...] = ()  # the default plan of every step
    notices: Notices = field(default_factory=Notices)
    records: Mapping[str, RecordKind] = field(default_factory=dict)  # by RECORD_KINDS key
    revised: str = ""  # Tanggal Revisi of the SOP document, as written
    version: int = 1  # which stored version of the file this is (see bot/sop/registry.py)
    _by_code: Mapping[str, Step] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {s.code: s for s in self.steps})

    @property
    def first_step(self) -> Step:
        """The step a new case starts with."""
        return self.steps[0]

    def step(self, code: str) -> Step:
        """The step with that code (KeyError if none)."""
        return self._by_code[code]

    def has_step(self, code: str) -> bool:
        """Whether the SOP has a step with that code."""
        return code in self._by_code

    def artifact_label(self, key: str) -> str:
        """The human label of an artifact key."""
        artifact = self.artifacts.get(key)
        return artifact.label if artifact else key

    def reminder_plan(self, step: Step) -> tuple[ReminderRule, ...]:
        """The step's own reminder plan, or the SOP's default one."""
        return self.reminders if step.reminders is None else step.reminders

    def superior_chain(self, role: str) -> list[str]:
        """The role's superiors, nearest first (Ketua Tim → Kabag → Sekda → Wali Kota)."""
        return superior_chain(role, self.roles)

    def record(self, kind: str) -> RecordKind:
        """How naskah of `kind` are registered; one the file does not describe is Biasa."""
        if kind not in RECORD_KINDS:
            raise KeyError(kind)
        from bot.texts import t

        return self.records.get(kind) or RecordKind(kind, t(f"records.kind.{kind}"))

    def allowed(self, permission: str) -> tuple[str, ...]:
        """Role keys granted a case-level permission (open_case, cancel_case, ...)."""
        return self.permissions.get(permission, ())
