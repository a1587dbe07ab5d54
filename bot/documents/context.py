"""Template values shared by several documents: the letterhead and the paraf boxes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.documents.render import read_logo
from bot.documents.settings import DocumentSettings
from bot.documents.values import BLANK_NAME, role_holder, role_title
from bot.sop.model import Sop
from bot.texts import t
from bot.workflow.model import Case, Roster


def kop_context(settings: DocumentSettings) -> dict[str, Any]:
    """The letterhead fields: the telephone, e-mail and web line, and the configured logo
    (which takes the place of the templates' placeholder logo)."""
    kop = settings.kop
    contact = [t("doc.kop.phone", phone=kop.phone)] if kop.phone else []
    contact += [t("doc.kop.email", email=kop.email)] if kop.email else []
    contact += [kop.contact] if kop.contact else []
    return {
        "government": kop.government,
        "office": kop.office,
        "address": kop.address,
        "contact": "; ".join(contact),
        "logo": read_logo(kop.logo) or "",
    }


def paraf_rows(case: Case, sop: Sop, roster: Roster, roles: Iterable[str]) -> list[dict[str, str]]:
    """One paraf box per role (role title and the name of who holds it on this case)."""
    rows = []
    for role in roles:
        if role not in sop.roles:
            continue
        person = role_holder(case, roster, role)
        rows.append({"role": role_title(sop, role), "name": person.name if person else BLANK_NAME})
    return rows


def filename(kind: str, case_ref: str, extension: str = "docx") -> str:
    """A safe file name such as `surat-undangan-KB-2026-0001.docx`."""
    stem = re.sub(r"[^A-Za-z0-9.-]+", "-", f"{kind}-{case_ref}").strip("-")
    return f"{stem}.{extension}"
