"""Administration: invites, people, delegations (Plt/Plh) and holiday overrides.

Each change is one transaction with its audit entry.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from typing import Any

from bot.audit import SEALED, AuditKey, ChainReport, SealOutcome, verify
from bot.calendar import HolidayOverride, wall_clock_after
from bot.errors import InvalidInput, InvalidInvite, TooManyInviteAttempts, UserNotFound
from bot.fmt import format_datetime
from bot.ports import AuditEntry, Clock, Invite, UnitOfWork, UnitOfWorkFactory
from bot.sop.model import Sop
from bot.sop.registry import SopRegistry
from bot.texts import t
from bot.workflow.model import Delegation, Person, Roster

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 16  # 32 letters: 5 bits each, 80 bits in all
CODE_GROUP = 4
DELEGATION_KINDS = ("plt", "plh")
# A chat account that sent this many wrong, expired or used codes within the window is refused
# until the oldest of them is a window old, without its next code being checked at all.
INVITE_TRIES = 5
INVITE_WINDOW_HOURS = 1


def hash_code(code: str) -> str:
    """Invite codes are stored only as this hash of their normalised form."""
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_code() -> str:
    """A fresh code that is easy to read aloud and type on a phone: `K7P2-QX9M-4HRT-W8CZ`."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def find_person(roster: Roster, text: str) -> Person:
    """A person by id, NIP or (unique, case-insensitive) part of the name."""
    needle = text.strip()
    if needle.isdigit() and int(needle) in roster.people:
        return roster.people[int(needle)]
    by_nip = [p for p in roster.people.values() if p.nip and p.nip == needle]
    if len(by_nip) == 1:
        return by_nip[0]
    by_name = [p for p in roster.people.values() if needle.lower() in p.name.lower()]
    if len(by_name) == 1:
        return by_name[0]
    raise UserNotFound(who=needle)


async def _own_used_code(
    uow: UnitOfWork, error: InvalidInvite, code_hash: str, channel: str, external_id: str
) -> bool:
    """Whether a used code was used by this very chat account (a repeated /start)."""
    if error.params.get("reason") != "used":
        return False
    person = await uow.people.by_identity(channel, external_id)
    return person is not None and await uow.invites.used_by(code_hash) == person.id


async def _with_nip(uow: UnitOfWork, nip: str | None) -> Person | None:
    """The one registered person with that NIP, if the NIP is given and known."""
    if not nip:
        return None
    found = [p for p in await uow.people.list() if p.nip == nip]
    return found[0] if len(found) == 1 else None


class Admin:
    """Operator actions; `actor_id` None means the server operator at the CLI."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sop: Sop | SopRegistry,
        clock: Clock,
        invite_ttl_hours: int = 72,
        audit_key: AuditKey | None = None,
    ):
        self.uow = uow
        # Roles are shared by key: an invite names a role of any SOP the deployment runs.
        self.roles = SopRegistry.of(sop).roles
        self.clock = clock
        self.invite_ttl_hours = invite_ttl_hours
        self.audit_key = audit_key

    async def create_invite(
        self,
        role: str,
        name: str | None = None,
        nip: str | None = None,
        actor_id: int | None = None,
    ) -> tuple[str, Invite]:
        """A single-use invite code for a role; only its hash is stored."""
        if role not in self.roles:
            choices = ", ".join(self.roles)
            raise InvalidInput(reason=t("invalid.unknown_role", role=role, choices=choices))
        now = self.clock.now()
        code = new_code()
        # Invite validity is wall-clock time, not office time.
        invite = Invite(role, name, nip, wall_clock_after(now, hours=self.invite_ttl_hours))
        async with self.uow() as uow:
            await uow.invites.add(hash_code(code), invite, now)
            self._audit(
                uow,
                "InviteCreated",
                actor_id,
                role=role,
                name=name,
                nip=nip,
                expires_at=invite.expires_at.isoformat(),
            )
            await uow.commit()
        return code, invite

    async def accept_invite(
        self, code: str, channel: str, external_id: str, display_name: str = ""
    ) -> Person:
        """Register a chat account with an invite code, or add the role to its person.

        A wrong, expired or used code is counted against the chat account; after
        INVITE_TRIES of them within the window the account is refused without a check.
        """
        now = self.clock.now()
        async with self.uow() as uow:
            await self._refuse_locked_out(uow, channel, external_id, now)
            code_hash = hash_code(code)
            try:
                invite = await uow.invites.claim(code_hash, now)
            except InvalidInvite as error:
                if not await _own_used_code(uow, error, code_hash, channel, external_id):
                    await uow.invite_failures.purge(self._window_start(now))
                    await uow.invite_failures.add(channel, external_id, now)
                    await uow.commit()
                raise
            person = await uow.people.by_identity(channel, external_id)
            if person is None:
                # An invite with the NIP of someone registered already links another chat
                # account (e.g. WhatsApp beside Telegram) to that person.
                person = await _with_nip(uow, invite.nip)
                if person is None:
                    name = invite.name or display_name or external_id
                    person = await uow.people.add(name, [invite.role], "", invite.nip or "")
                else:
                    person = await uow.people.add_role(person.id, invite.role)
                await uow.people.bind_identity(person.id, channel, external_id)
            else:
                person = await uow.people.add_role(person.id, invite.role)
            await uow.invites.mark_used_by(code_hash, person.id)
            self._audit(
                uow,
                "PersonRegistered",
                person.id,
                person_id=person.id,
                role=invite.role,
                channel=channel,
            )
            await uow.commit()
        return person

    async def _refuse_locked_out(
        self, uow: UnitOfWork, channel: str, external_id: str, now: datetime
    ) -> None:
        """Raise TooManyInviteAttempts while the account has used up its tries."""
        failures = await uow.invite_failures.after(channel, external_id, self._window_start(now))
        if len(failures) >= INVITE_TRIES:
            until = wall_clock_after(failures[-INVITE_TRIES], hours=INVITE_WINDOW_HOURS)
            raise TooManyInviteAttempts(until=format_datetime(until))

    @staticmethod
    def _window_start(now: datetime) -> datetime:
        return wall_clock_after(now, hours=-INVITE_WINDOW_HOURS)

    async def add_person(
        self,
        name: str,
        roles: list[str],
        jabatan: str = "",
        nip: str = "",
        actor_id: int | None = None,
    ) -> Person:
        """Add a person directly (operator set-up and tests)."""
        if not name.strip():
            raise InvalidInput(reason=t("invalid.empty", field="Nama"))
        for role in roles:
            if role not in self.roles:
                choices = ", ".join(self.roles)
                raise InvalidInput(reason=t("invalid.unknown_role", role=role, choices=choices))
        async with self.uow() as uow:
            person = await uow.people.add(name.strip(), roles, jabatan, nip)
            self._audit(uow, "PersonAdded", actor_id, person_id=person.id, roles=sorted(roles))
            await uow.commit()
        return person

    async def people(self) -> list[Person]:
        """Everyone registered, active or not."""
        async with self.uow.reading() as uow:
            return await uow.people.list()

    async def set_active(self, who: str, active: bool, actor_id: int | None = None) -> Person:
        """Deactivate (or reactivate) a person found by id, NIP or name."""
        async with self.uow() as uow:
            person = find_person(await uow.people.roster(), who)
            await uow.people.set_active(person.id, active)
            kind = "PersonReactivated" if active else "PersonDeactivated"
            self._audit(uow, kind, actor_id, person_id=person.id, name=person.name)
            await uow.commit()
        return person

    async def set_details(
        self,
        who: str,
        *,
        nip: str | None = None,
        jabatan: str | None = None,
        pangkat: str | None = None,
        golongan: str | None = None,
        actor_id: int | None = None,
    ) -> Person:
        """Record what signature blocks print about a person (None: leave it as it is)."""
        given = {"nip": nip, "jabatan": jabatan, "pangkat": pangkat, "golongan": golongan}
        changes = {key: value.strip() for key, value in given.items() if value is not None}
        if "nip" in changes and changes["nip"] and not changes["nip"].replace(" ", "").isdigit():
            raise InvalidInput(reason=t("invalid.nip", nip=changes["nip"]))
        async with self.uow() as uow:
            person = find_person(await uow.people.roster(), who)
            updated = await uow.people.set_details(person.id, **changes)
            self._audit(uow, "PersonUpdated", actor_id, person_id=person.id, **changes)
            await uow.commit()
        return updated

    async def delegate(
        self,
        principal: str,
        deputy: str,
        kind: str,
        starts: date,
        ends: date,
        actor_id: int | None = None,
    ) -> Delegation:
        """Record a Plt/Plh: `deputy` acts for `principal` from `starts` to `ends`."""
        if kind not in DELEGATION_KINDS:
            raise InvalidInput(reason=t("invalid.delegation_kind", kind=kind))
        if ends < starts:
            raise InvalidInput(reason=t("invalid.delegation_dates"))
        async with self.uow() as uow:
            roster = await uow.people.roster()
            p, d = find_person(roster, principal), find_person(roster, deputy)
            if p.id == d.id:
                raise InvalidInput(reason=t("invalid.self_delegation"))
            delegation = await uow.delegations.add(p.id, d.id, kind, starts, ends)
            self._audit(
                uow,
                "DelegationAdded",
                actor_id,
                delegation_id=delegation.id,
                principal_id=p.id,
                deputy_id=d.id,
                kind=kind,
                starts=starts.isoformat(),
                ends=ends.isoformat(),
            )
            await uow.commit()
        return delegation

    async def delegations(self) -> list[Delegation]:
        """All delegations, revoked ones included."""
        async with self.uow.reading() as uow:
            return await uow.delegations.list()

    async def revoke(self, delegation_id: int, actor_id: int | None = None) -> Delegation:
        """End a delegation early."""
        async with self.uow() as uow:
            delegation = await uow.delegations.revoke(delegation_id)
            self._audit(uow, "DelegationRevoked", actor_id, delegation_id=delegation_id)
            await uow.commit()
        return delegation

    async def add_holiday(self, day: date, name: str, actor_id: int | None = None) -> None:
        """Declare a (regional) holiday or an added cuti bersama."""
        await self._put_holiday(HolidayOverride(day, name.strip() or "Libur", True), actor_id)

    async def remove_holiday(self, day: date, name: str = "", actor_id: int | None = None) -> str:
        """Drop an override; with none, declare the day a working day. Says which it did."""
        async with self.uow() as uow:
            removed = await uow.holidays.delete(day)
            if not removed:
                await uow.holidays.put(HolidayOverride(day, name.strip() or "Hari kerja", False))
            what = "removed" if removed else "working_day"
            self._audit(uow, "HolidayRemoved", actor_id, day=day.isoformat(), result=what)
            await uow.commit()
        return what

    async def holidays(self) -> list[HolidayOverride]:
        """The admin's overrides."""
        async with self.uow.reading() as uow:
            return await uow.holidays.list()

    async def verify_audit(self) -> ChainReport:
        """Check the audit trail's hash chain and MACs end to end."""
        async with self.uow.reading() as uow:
            return verify(await uow.audit.all(), self._audit_key(), await uow.audit.head())

    async def seal_audit(self, actor_id: int | None = None) -> SealOutcome:
        """Key the entries written before the chain was keyed, once, if their links hold.

        Refused when the chain is broken, or when it was sealed before: an unkeyed entry in a
        sealed trail can only mean the trail was altered.
        """
        key = self._audit_key()
        async with self.uow() as uow:
            records = await uow.audit.all()
            report = verify(records, key, await uow.audit.head())
            if not report.sealable:
                return SealOutcome(report)
            earlier = next((r.id for r in records if r.entry.kind == SEALED), None)
            if earlier is not None:
                return SealOutcome(report, sealed_before=earlier)
            unkeyed = {r.id: key.entry_mac(r.hash) for r in records if r.mac is None}
            await uow.audit.sign(unkeyed)
            first, last = min(unkeyed), max(unkeyed)
            self._audit(uow, SEALED, actor_id, first=first, last=last, count=len(unkeyed))
            await uow.commit()
        return SealOutcome(report, tuple(sorted(unkeyed)))

    def _audit_key(self) -> AuditKey:
        if self.audit_key is None:
            raise RuntimeError("no audit key: build the app with bootstrap.build_app")
        return self.audit_key

    async def _put_holiday(self, override: HolidayOverride, actor_id: int | None) -> None:
        async with self.uow() as uow:
            await uow.holidays.put(override)
            self._audit(
                uow, "HolidayAdded", actor_id, day=override.day.isoformat(), name=override.name
            )
            await uow.commit()

    def _audit(self, uow: UnitOfWork, event: str, actor_id: int | None, **data: Any) -> None:
        at: datetime = self.clock.now()
        uow.audit.append(AuditEntry(at, event, actor_id, None, data))
