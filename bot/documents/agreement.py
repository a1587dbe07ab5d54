"""The draft Kesepakatan Bersama skeleton and the lembar persetujuan (approval trail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.documents.context import filename, kop_context, paraf_rows
from bot.documents.render import BuiltDocument, render
from bot.documents.settings import DocumentSettings
from bot.documents.values import (
    BLANK_NAME,
    document_number,
    format_nip,
    performer_of,
    role_holder,
    role_title,
    stamp,
    step_label,
    terbilang,
    title_case,
)
from bot.fmt import format_datetime
from bot.sop.model import Sop
from bot.texts import t
from bot.workflow.model import Case, Outcome, Roster, StepRun

# SOP 54 step 10 records the signing plan under this artifact.
SIGNING_PLAN = "rencana_penandatanganan"


def rancangan_kb(
    case: Case,
    sop: Sop,
    roster: Roster,
    settings: DocumentSettings,
    *,
    at: datetime,
    years: int | None = None,
    number: str | None = None,
) -> BuiltDocument:
    """A draft agreement to start from ("Buat dari template"), with every mandatory article."""
    years = years or settings.kb_max_years
    if not 0 < years <= settings.kb_max_years:
        raise ValueError(f"jangka waktu {years} is outside 1..{settings.kb_max_years} years")
    signer = settings.kb_signer
    holder = role_holder(case, roster, signer.role)
    context: dict[str, Any] = {
        "kop": kop_context(settings),
        "title_own": settings.kop.government.upper(),
        "title_partner": case.partner.upper(),
        "title_subject": case.subject.upper(),
        "number": number or document_number(settings.number_formats["kb"], case.ref, at),
        "city": settings.city,
        "own_office": f"{title_case(settings.kop.office)} {settings.own_party}",
        "partner": case.partner,
        "subject": case.subject,
        "pihak_kesatu": {
            "name": signer.name or (holder.name if holder else BLANK_NAME),
            "title": title_case(" ".join(signer.title_lines)),
            "signature_title": " ".join(signer.title_lines),
            "institution": settings.own_party,
        },
        "pihak_kedua": {"name": BLANK_NAME, "title": "……………………", "institution": case.partner},
        "years": years,
        "years_words": terbilang(years),
        "paraf": paraf_rows(case, sop, roster, settings.paraf_roles),
    }
    data = render("rancangan_kb.docx", context, directory=settings.templates_dir, at=at)
    return BuiltDocument(data, filename("rancangan-kesepakatan-bersama", case.ref))


def lembar_persetujuan(
    case: Case, sop: Sop, roster: Roster, settings: DocumentSettings, *, at: datetime
) -> BuiltDocument:
    """Who did, approved or returned what and when, with their notes (end of the case)."""
    order = {id(run): index for index, run in enumerate(case.runs)}
    finished = sorted(
        (r for r in case.runs if r.finished_at), key=lambda r: (r.finished_at, order[id(r)])
    )
    approvals = [r for r in finished if r.outcome is Outcome.APPROVED]
    plan = case.artifacts.get(SIGNING_PLAN)
    context: dict[str, Any] = {
        "kop": kop_context(settings),
        "ref": case.ref,
        "partner": case.partner,
        "partner_kind": sop.partner_kinds.get(case.partner_kind, case.partner_kind),
        "subject": case.subject,
        "sop_number": sop.number,
        "sop_title": sop.title,
        "status": t(f"status.{case.status.value}"),
        "trail": [_trail_row(run, sop, roster) for run in finished],
        "approved": t(
            "doc.persetujuan.approved",
            by=performer_of(approvals[-1], roster),
            at=format_datetime(approvals[-1].finished_at or at),
        )
        if approvals
        else "-",
        "signing": format_datetime(datetime.fromisoformat(plan.value)) if plan else "-",
        "printed": format_datetime(at),
    }
    data = render("lembar_persetujuan.docx", context, directory=settings.templates_dir, at=at)
    return BuiltDocument(data, filename("lembar-persetujuan", case.ref))


def _trail_row(run: StepRun, sop: Sop, roster: Roster) -> dict[str, str]:
    step = sop.step(run.step_code)
    title = role_title(sop, step.performer)
    if run.acting_for is not None:
        title = f"{(run.delegation_kind or 'plh').capitalize()}. {title}"
    person = roster.person(run.decided_by)
    nip = format_nip(person.nip) if person and person.nip else ""
    return {
        "step": step_label(sop, run.step_code, run.round),
        "name": performer_of(run, roster),
        "role": title,
        "nip": f"NIP. {nip}" if nip else "",
        "outcome": t(f"outcome.{run.outcome.value}") if run.outcome else "-",
        "at": stamp(run.finished_at),
        "note": run.note or "-",
    }
