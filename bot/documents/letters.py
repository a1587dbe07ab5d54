"""Lembar disposisi, surat undangan and notulen rapat, filled from a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.documents.context import filename, kop_context, paraf_rows
from bot.documents.render import BuiltDocument, render
from bot.documents.settings import DocumentSettings
from bot.documents.values import (
    BLANK_NAME,
    UNNUMBERED,
    clock,
    day_date,
    local,
    long_date,
    official_signatory,
    role_holder,
    role_title,
    run_signatory,
    signatory,
    stamp,
)
from bot.sop.model import ArtifactKind, Sop
from bot.texts import t
from bot.workflow.model import Case, Person, Roster

# SOP 54 artifacts the meeting is read from (step 2 records them).
MEETING_TIME = "waktu_rapat"
MEETING_PLACE = "tempat_rapat"
MEETING_PARTICIPANTS = "peserta_rapat"  # names joined with "; "
MEETING_AGENDA = "acara_rapat"


@dataclass(frozen=True)
class Meeting:
    """The coordination meeting: when, where, whom it invites, and its agenda."""

    starts_at: datetime
    place: str
    invitees: tuple[str, ...] = ()
    agenda: str | None = None  # None: the catalogue's agenda for the case
    ends_at: datetime | None = None  # None: "s.d. selesai"

    @classmethod
    def from_case(
        cls, case: Case, invitees: tuple[str, ...] = (), agenda: str | None = None
    ) -> Meeting:
        """The meeting recorded on the case in step 2: time, place, participants, agenda."""
        starts = datetime.fromisoformat(case.artifacts[MEETING_TIME].value)
        if not invitees and MEETING_PARTICIPANTS in case.artifacts:
            names = case.artifacts[MEETING_PARTICIPANTS].value.split(";")
            invitees = tuple(name.strip() for name in names if name.strip())
        if agenda is None and MEETING_AGENDA in case.artifacts:
            agenda = case.artifacts[MEETING_AGENDA].value
        return cls(starts, case.artifacts[MEETING_PLACE].value, invitees, agenda)


@dataclass(frozen=True)
class Minutes:
    """What the Ketua Tim answers after the meeting, for the notulen."""

    meeting: Meeting
    chair_id: int
    participants: tuple[str, ...]
    discussion: tuple[str, ...]
    decisions: tuple[str, ...]
    scribe_id: int | None = None  # None: the chair takes the minutes too


def lembar_disposisi(
    case: Case,
    sop: Sop,
    roster: Roster,
    settings: DocumentSettings,
    *,
    at: datetime,
    instruction: str | None = None,
    number: str | None = None,
) -> BuiltDocument:
    """The Kabag's disposition naming the people the first step assigns (SOP 54 step 1).

    `number` comes from the agenda register when the disposition is issued; without it the
    Nomor agenda is left open.
    """
    step = sop.first_step
    following = sop.step(step.goto) if step.goto else step
    kind = sop.record("disposisi")
    recipients = _recipients(case, sop, roster)
    signer = run_signatory(case.latest_run(step.code), case, sop, roster, local(at).date())
    instruction = instruction or t(
        "doc.disposisi.instruction", task=_lower_first(following.title), sop=sop.number
    )
    context = {
        "kop": kop_context(settings),
        "number": number or UNNUMBERED,
        "received": long_date(case.created_at),
        "partner": case.partner,
        "partner_kind": sop.partner_kinds.get(case.partner_kind, case.partner_kind),
        "ref": case.ref,
        "sifat": t(f"records.sifat.{kind.sifat.value}"),
        "urgensi": t(f"records.urgensi.{kind.urgensi.value}"),
        "subject": case.subject,
        "basis": _basis(case, sop),
        "recipients": recipients,
        "instruction": instruction,
        "deadline": t("doc.disposisi.deadline", mutu_baku=following.mutu_baku.text),
        "city": settings.city,
        "date": long_date(at),
        "signer": signer,
    }
    data = render("lembar_disposisi.docx", context, directory=settings.templates_dir, at=at)
    record = {
        "hal": case.subject,
        "penandatangan": signer.line,
        "tujuan": "; ".join(f"{r['name']} ({r['jabatan']})" for r in recipients),
        "tembusan": "-",
        "lampiran": "-",
        "isi_ringkas": t("records.summary.disposisi", partner=case.partner,
                         subject=case.subject, instruction=instruction),
    }  # fmt: skip
    return BuiltDocument(data, filename("lembar-disposisi", case.ref), record=record)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _recipients(case: Case, sop: Sop, roster: Roster) -> list[dict[str, str]]:
    """The people the first step assigned (SOP 54: the Ketua Tim), with their role title."""
    found = [
        {"name": person.name, "jabatan": role_title(sop, role)}
        for role in sop.first_step.assigns
        if (person := roster.person(case.assignments.get(role)))
    ]
    return found or [{"name": BLANK_NAME, "jabatan": "-"}]


def _basis(case: Case, sop: Sop) -> list[dict[str, str]]:
    """The facts the case was opened with (reply letter, the Wali Kota's disposition...)."""
    lines = []
    for value in sorted(case.artifacts.values(), key=lambda v: v.recorded_at):
        if value.step_code is not None:
            continue
        kind = sop.artifacts[value.key].kind if value.key in sop.artifacts else None
        if value.document_id is not None:
            shown = t("doc.basis.file", version=value.version)
        elif kind is ArtifactKind.DATETIME:
            shown = stamp(datetime.fromisoformat(value.value))
        else:
            shown = value.value
        lines.append({"label": sop.artifact_label(value.key), "value": shown})
    return lines or [{"label": "-", "value": "-"}]


def surat_undangan(
    case: Case,
    sop: Sop,
    roster: Roster,
    settings: DocumentSettings,
    meeting: Meeting,
    *,
    at: datetime,
    number: str | None = None,
    attachments: str | None = None,
) -> BuiltDocument:
    """The invitation to the coordination meeting (SOP 54 step 2), signed as configured.

    Signed by the configured role's holder, or by their Plt./Plh. on the letter's date.
    `number` comes from the agenda register when the letter is issued.
    """
    setting = settings.undangan_signer
    roles = settings.paraf_roles
    below = roles[: roles.index(setting.role)] if setting.role in roles else roles
    signer = official_signatory(
        role_holder(case, roster, setting.role),
        setting.title_lines,
        roster,
        local(at).date(),
        name=setting.name,
        nip=setting.nip,
    )
    invitees = list(meeting.invitees) or [t("doc.undangan.invitees_default")]
    details = _meeting(case, meeting, settings)
    context = {
        "kop": kop_context(settings),
        "city": settings.city,
        "date": long_date(at),
        "number": number or UNNUMBERED,
        "sifat": t(f"records.sifat.{sop.record('undangan').sifat.value}"),
        "lampiran": attachments or "-",
        "hal": t("doc.undangan.hal"),
        "invitees": invitees,
        "own_party": settings.own_party,
        "partner": case.partner,
        "subject": case.subject,
        "meeting": details,
        "signer": signer,
        "tembusan": list(settings.undangan_tembusan),
        "paraf": paraf_rows(case, sop, roster, below),
    }
    data = render("surat_undangan.docx", context, directory=settings.templates_dir, at=at)
    record = {
        "hal": t("doc.undangan.hal"),
        "penandatangan": signer.line,
        "tujuan": "; ".join(invitees),
        "tembusan": "; ".join(settings.undangan_tembusan) or "-",
        "lampiran": attachments or "-",
        "isi_ringkas": t("records.summary.undangan", agenda=_lower_first(details["agenda"]),
                         day=details["day"], time=details["time"], place=details["place"]),
    }  # fmt: skip
    return BuiltDocument(data, filename("surat-undangan", case.ref), record=record)


def _meeting(case: Case, meeting: Meeting, settings: DocumentSettings) -> dict[str, str]:
    start = clock(meeting.starts_at)
    time = (
        t("doc.meeting.time_range", start=start, end=clock(meeting.ends_at))
        if meeting.ends_at
        else t("doc.meeting.time_open", start=start)
    )
    agenda = meeting.agenda or t(
        "doc.meeting.agenda",
        own_party=settings.own_party,
        partner=case.partner,
        subject=case.subject,
    )
    return {
        "day": day_date(meeting.starts_at),
        "time": time,
        "place": meeting.place,
        "agenda": agenda,
    }


def notulen_rapat(
    case: Case,
    sop: Sop,
    roster: Roster,
    settings: DocumentSettings,
    minutes: Minutes,
    *,
    at: datetime,
) -> BuiltDocument:
    """The minutes of the coordination meeting from the Ketua Tim's answers (SOP 54 step 3)."""
    chair = roster.person(minutes.chair_id)
    scribe = roster.person(minutes.scribe_id) if minutes.scribe_id is not None else chair
    context: dict[str, Any] = {
        "kop": kop_context(settings),
        "rapat": t("doc.notulen.rapat"),
        "meeting": _meeting(case, minutes.meeting, settings),
        "chair": signatory(chair, (_title(chair, sop),)),
        "scribe": signatory(scribe, (_title(scribe, sop),)),
        "participants": list(minutes.participants) or ["-"],
        "discussion": list(minutes.discussion) or ["-"],
        "decisions": list(minutes.decisions) or ["-"],
        "city": settings.city,
        "date": long_date(at),
    }
    data = render("notulen_rapat.docx", context, directory=settings.templates_dir, at=at)
    return BuiltDocument(data, filename("notulen-rapat", case.ref))


def _title(person: Person | None, sop: Sop) -> str:
    """A person's jabatan, else the title of their first role in SOP order."""
    if person is None:
        return ""
    if person.jabatan:
        return person.jabatan
    return next((role.title for key, role in sop.roles.items() if key in person.roles), "")
