"""The draft Kesepakatan Bersama skeleton and the lembar persetujuan (approval trail)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.documents.context import filename, kop_context, paraf_rows
from bot.documents.render import BuiltDocument, render
from bot.documents.settings import DocumentSettings
from bot.documents.values import (
    BLANK_NAME,
    UNNUMBERED,
    format_nip,
    local,
    long_date,
    official_signatory,
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
    """A draft agreement to start from ("Buat dari template"), with every mandatory article.

    A draft has no number: the agreement takes its number from the agenda register only when
    its signing is recorded (`number` is given then).
    """
    years = years or settings.kb_max_years
    if not 0 < years <= settings.kb_max_years:
        raise ValueError(f"jangka waktu {years} is outside 1..{settings.kb_max_years} years")
    setting = settings.kb_signer
    holder = role_holder(case, roster, setting.role)
    signer = official_signatory(holder, setting.title_lines, roster, local(at).date())
    name = setting.name if setting.name and not signer.acting else signer.name
    title_lines = signer.title_lines if signer.acting else setting.title_lines
    context: dict[str, Any] = {
        "kop": kop_context(settings),
        "title_own": settings.kop.government.upper(),
        "title_partner": upper_as_typed(case.partner),
        "title_subject": upper_as_typed(case.subject),
        "number": number or UNNUMBERED,
        "city": settings.city,
        "own_office": f"{title_case(settings.kop.office)} {settings.own_party}",
        "partner": case.partner,
        "subject": case.subject,
        "pihak_kesatu": {
            "name": name if holder or setting.name else BLANK_NAME,
            "title": title_case(" ".join(title_lines)),
            "signature_title": " ".join(title_lines),
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
    case: Case,
    sop: Sop,
    roster: Roster,
    settings: DocumentSettings,
    *,
    at: datetime,
    number: str | None = None,
) -> BuiltDocument:
    """Who did, approved or returned what, for whom and when, with their notes.

    Issued with a number from the agenda register when the case finishes; signed by the
    configured role's holder (or their Plt./Plh. that day).
    """
    order = {id(run): index for index, run in enumerate(case.runs)}
    finished = sorted(
        (r for r in case.runs if r.finished_at), key=lambda r: (r.finished_at, order[id(r)])
    )
    approvals = [r for r in finished if r.outcome is Outcome.APPROVED]
    plan = case.artifacts.get(SIGNING_PLAN)
    setting = settings.persetujuan_signer
    signer = official_signatory(
        role_holder(case, roster, setting.role), setting.title_lines, roster, local(at).date()
    )
    approved = _approved(approvals[-1], sop, roster) if approvals else "-"
    signing = format_datetime(datetime.fromisoformat(plan.value)) if plan else "-"
    context: dict[str, Any] = {
        "kop": kop_context(settings),
        "number": number or UNNUMBERED,
        "city": settings.city,
        "date": long_date(at),
        "signer": signer,
        "ref": case.ref,
        "partner": case.partner,
        "partner_kind": sop.partner_kinds.get(case.partner_kind, case.partner_kind),
        "subject": case.subject,
        "sop_number": sop.number,
        "sop_title": sop.title,
        "status": t(f"status.{case.status.value}"),
        "trail": [_trail_row(run, sop, roster) for run in finished],
        "approved": approved,
        "signing": signing,
        "printed": format_datetime(at),
    }
    data = render("lembar_persetujuan.docx", context, directory=settings.templates_dir, at=at)
    record = {
        "hal": t("records.hal.persetujuan", subject=case.subject),
        "penandatangan": signer.line,
        "tujuan": t("records.tujuan.persetujuan", ref=case.ref),
        "tembusan": "-",
        "lampiran": "-",
        "isi_ringkas": t("records.summary.persetujuan", partner=case.partner,
                         subject=case.subject, approved=approved, signing=signing),
    }  # fmt: skip
    return BuiltDocument(data, filename("lembar-persetujuan", case.ref), record=record)


def _approved(run: StepRun, sop: Sop, roster: Roster) -> str:
    """Who gave the final approval, for whom when acting, and when."""
    at = format_datetime(run.finished_at) if run.finished_at else "-"
    title = role_title(sop, sop.step(run.step_code).performer)
    if run.acting_for is None:
        by = f"{roster.name(run.decided_by)} ({title})"
        return t("doc.persetujuan.approved", by=by, at=at)
    return t(
        "doc.persetujuan.approved_acting",
        by=roster.name(run.decided_by),
        kind=(run.delegation_kind or "plh").capitalize(),
        title=title,
        holder=roster.name(run.acting_for),
        at=at,
    )


def _trail_row(run: StepRun, sop: Sop, roster: Roster) -> dict[str, str]:
    step = sop.step(run.step_code)
    title = role_title(sop, step.performer)
    acting_for = ""
    if run.acting_for is not None:
        title = f"{(run.delegation_kind or 'plh').capitalize()}. {title}"
        acting_for = t("doc.persetujuan.for", name=roster.name(run.acting_for))
    person = roster.person(run.decided_by)
    nip = format_nip(person.nip) if person and person.nip else ""
    return {
        "step": step_label(sop, run.step_code, run.round),
        "name": roster.name(run.decided_by or run.assignee_id),
        "role": title,
        "for": acting_for,
        "pangkat": person.rank if person else "",
        "nip": f"NIP. {nip}" if nip else "",
        "outcome": t(f"outcome.{run.outcome.value}") if run.outcome else "-",
        "at": stamp(run.finished_at),
        "note": run.note or "-",
    }


_MARKUP = re.compile(r"(<[^<>]*>)")


def upper_as_typed(text: str) -> str:
    """The title's capitals, but what looks like markup (`<b>`) is printed as it was typed."""
    return "".join(
        part if _MARKUP.fullmatch(part) else part.upper() for part in _MARKUP.split(text)
    )
