"""The audit trail's keyed hash chain.

Each entry's hash covers its content and the previous hash, so a changed or removed entry breaks
every link after it. Anyone who can write to the database could recompute those hashes, so each
entry also carries a MAC, HMAC-SHA256 of its hash under the audit key, which lives outside the
database (`SOPBOT_AUDIT_KEY`, or the key file in the data directory). The chain's head row (the
last id and hash, so that entries cut off the end are noticed) carries a MAC too.

Entries written before the chain was keyed have no MAC. `verify` reports them as an unkeyed
prefix, which is not a verified trail; `sopbot audit seal` keys that prefix once, after checking
its links. An entry without a MAC after a keyed one is always a failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

from bot.ports import AuditEntry, AuditHead, AuditRecord
from bot.texts import t

GENESIS = "0" * 64
SEALED = "AuditSealed"  # the entry `sopbot audit seal` writes
MIN_KEY_BYTES = 32
_ENTRY = b"sopbot-audit-entry\x00"
_HEAD = b"sopbot-audit-head\x00"


class AuditKey:
    """The secret the chain's MACs are made with. Its repr never shows it."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_KEY_BYTES:
            raise ValueError(f"an audit key needs at least {MIN_KEY_BYTES} bytes")
        self._secret = secret

    def __repr__(self) -> str:
        return "AuditKey(<hidden>)"

    def entry_mac(self, digest: str) -> str:
        """The MAC of an entry, over its chain hash (which covers its content and its place)."""
        return hmac.new(self._secret, _ENTRY + digest.encode(), hashlib.sha256).hexdigest()

    def head_mac(self, last_id: int, last_hash: str) -> str:
        """The MAC of the chain's head row."""
        message = _HEAD + f"{last_id}|{last_hash}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def canonical(entry: AuditEntry) -> str:
    """The entry as canonical JSON: the exact bytes the chain hashes."""
    return json.dumps(
        {
            "at": entry.at.isoformat(),
            "kind": entry.kind,
            "actor_id": entry.actor_id,
            "case_ref": entry.case_ref,
            "data": entry.data,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    """Hash of an entry linked to its predecessor."""
    return hashlib.sha256((prev_hash + canonical(entry)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """What `verify` found. `ok` only when every link holds and every entry is keyed."""

    ok: bool
    checked: int
    broken_at: int | None = None  # id of the first entry that does not verify
    reason: str = ""
    # Ids of the entries without a MAC at the start of the chain (written before keying).
    unkeyed: tuple[int, ...] = ()
    sealable: bool = False  # the only finding is that unkeyed prefix, its links intact


@dataclass(frozen=True)
class SealOutcome:
    """What `sopbot audit seal` did: the check before, and the entries it keyed."""

    report: ChainReport
    sealed: tuple[int, ...] = ()
    sealed_before: int | None = None  # id of an earlier seal entry: sealing again is refused


def verify(
    records: Iterable[AuditRecord], key: AuditKey, head: AuditHead | None = None
) -> ChainReport:
    """Walk the chain in id order and report the first entry that does not hold.

    With the stored `head`, entries cut off the end of the chain are detected too.
    """
    prev, checked, last_id = GENESIS, 0, 0
    unkeyed: list[int] = []
    for record in records:
        problem = _problem(record, prev, key, keyed_before=checked > len(unkeyed))
        if problem is not None:
            return ChainReport(False, checked, record.id, problem, tuple(unkeyed))
        if record.mac is None:
            unkeyed.append(record.id)
        prev, last_id = record.hash, record.id
        checked += 1
    if head is not None:
        problem = _head_problem(head, last_id, prev, key, keyed=checked > len(unkeyed))
        if problem is not None:
            return ChainReport(False, checked, head.last_id, problem, tuple(unkeyed))
    if unkeyed:
        reason = t("audit.reason.unkeyed", first=unkeyed[0], last=unkeyed[-1], count=len(unkeyed))
        return ChainReport(False, checked, unkeyed[0], reason, tuple(unkeyed), sealable=True)
    return ChainReport(True, checked)


def _problem(record: AuditRecord, prev: str, key: AuditKey, *, keyed_before: bool) -> str | None:
    """Why one entry does not verify after `prev`, or None."""
    if record.prev_hash != prev:
        return t("audit.reason.prev_hash")
    if chain_hash(prev, record.entry) != record.hash:
        return t("audit.reason.body_changed")
    if record.mac is None:
        return t("audit.reason.unkeyed_after_keyed") if keyed_before else None
    if not hmac.compare_digest(record.mac, key.entry_mac(record.hash)):
        return t("audit.reason.mac")
    return None


def _head_problem(
    head: AuditHead, last_id: int, last_hash: str, key: AuditKey, *, keyed: bool
) -> str | None:
    """Why the head row does not match the chain's last entry, or None."""
    if (head.last_id, head.last_hash) != (last_id, last_hash):
        return t("audit.reason.tail_missing")
    if head.mac is None:
        return t("audit.reason.head_unkeyed") if keyed else None
    if not hmac.compare_digest(head.mac, key.head_mac(head.last_id, head.last_hash)):
        return t("audit.reason.head_mac")
    return None
