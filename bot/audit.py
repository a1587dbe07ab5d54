"""The audit trail's hash chain: each entry's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from bot.ports import AuditEntry, AuditRecord

GENESIS = "0" * 64


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
    ok: bool
    checked: int
    broken_at: int | None = None  # id of the first record that does not verify
    reason: str = ""


def verify(records: Iterable[AuditRecord], head: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain in id order and report the first link that does not hold.

    With the stored `head`, entries cut off the end of the chain are detected too.
    """
    prev = GENESIS
    checked = 0
    last_id = 0
    for record in records:
        if record.prev_hash != prev:
            return ChainReport(False, checked, record.id, "prev_hash tidak cocok")
        if chain_hash(prev, record.entry) != record.hash:
            return ChainReport(False, checked, record.id, "isi entri berubah")
        prev = record.hash
        last_id = record.id
        checked += 1
    if head is not None and head != (last_id, prev):
        return ChainReport(False, checked, head[0], "entri terakhir hilang")
    return ChainReport(True, checked)
