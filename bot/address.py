"""How the bot addresses an official: "Yth. Bapak/Ibu <jabatan>"; "Yth. Bapak Wali Kota".

Formal letters and messages in the city government address the office, not the name. The
jabatan recorded for the person wins; otherwise the title of the SOP role the message is about
(or of the person's first role in the SOP's order) stands in for it.
"""

from __future__ import annotations

from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.texts import t
from bot.workflow.model import Person

HEAD_OF_CITY = "wali kota"  # "Wali Kota", "Wali Kota Tangerang"; not "Wakil Wali Kota"


def jabatan_of(person: Person | None, sop: Sop, role: str | None = None) -> str:
    """The jabatan a message names: the recorded one, else the role's title in the SOP."""
    if person is not None and person.jabatan.strip():
        return person.jabatan.strip()
    if role is not None and role in sop.roles:
        return sop.roles[role].title
    roles = person.roles if person is not None else frozenset()
    return next((r.title for key, r in sop.roles.items() if key in roles), "")


def salutation(jabatan: str) -> str:
    """`Yth. Bapak/Ibu Sekretaris Daerah`; the Wali Kota is `Yth. Bapak Wali Kota`."""
    if not jabatan:
        return t("address.plain")
    if jabatan.lower().startswith(HEAD_OF_CITY):
        return t("address.head_of_city", jabatan=jabatan)
    return t("address.formal", jabatan=jabatan)


def address(person: Person | None, sop: Sop, role: str | None = None) -> str:
    """The greeting line's address for `person`, acting in `role` when the message is about one."""
    return salutation(jabatan_of(person, sop, role))


def address_among(person: Person | None, sops: SopRegistry) -> str:
    """The greeting line's address where several SOPs run: the jabatan recorded, else the
    title of the person's role in the first SOP that names one of their roles."""
    roles = person.roles if person is not None else frozenset()
    sop = next((s for s in sops.current if roles & set(s.roles)), sops.default)
    return address(person, sop)
