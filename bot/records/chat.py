"""The Kabag's "Paket SRIKANDI" button in a finished case's notice.

The press only queues the request, in the update's transaction; the package (PDFs by
LibreOffice take seconds) is built by the periodic work outside any update and sent through the
outbox (`Records.process_exports`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ports import AuditEntry, ExportRequest
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.chat.model import Answer
    from bot.chat.session import Chat, Turn

KIND = "srikandi"


async def ask_package(core: Chat, turn: Turn, case_id: int) -> Answer:
    """Queue the case's SRIKANDI package for the person who pressed (once while it waits)."""
    from bot.chat.model import Answer

    await core.authorise(turn.person, "export_records")
    case = await core.case(case_id)
    now = core.clock.now()
    async with core.uow() as uow:
        update = turn.update
        if update and await uow.updates.seen(update.channel, update.update_id, now):
            return Answer()
        if await uow.exports.pending(case_id, KIND, turn.person.id) is None:
            await uow.exports.add(ExportRequest(case_id, KIND, turn.person.id, now))
            data = {"kind": KIND}
            uow.audit.append(AuditEntry(now, "RecordsPackageRequested", turn.person.id,
                                        case.ref, data))  # fmt: skip
        await uow.commit()
    return Answer([Reply("records.package_requested", {"ref": case.ref})])
