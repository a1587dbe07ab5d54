"""What a reviewer is told about a draft handed to them: its checklist and what changed."""

from __future__ import annotations

from bot.chat.session import Chat
from bot.ports import DocumentRecord, OutgoingMessage
from bot.replies import FileRef, Reply
from bot.sop.model import Step
from bot.texts import t
from bot.uploads import DOCX_MEDIA_TYPE
from bot.workflow.model import Case


async def notes_for_reviewers(core: Chat, case: Case, step: Step) -> list[OutgoingMessage]:
    """When a step hands a draft to a decision step: the draft's check and its changes."""
    documents = core.documents
    if documents is None or step.goto is None:
        return []
    target = core.sop.step(step.goto)
    key = next((k for k in target.needs if k in documents.CHECKED), None)
    if not target.decisions or key is None:
        return []
    versions = await _versions(core, case, key)
    if not versions or versions[-1].media_type != DOCX_MEDIA_TYPE:
        return []
    latest = versions[-1]
    checklist = await documents.check(case, core.files.read(latest.sha256))
    params = {"ref": case.ref, "label": core.sop.artifact_label(key), "version": latest.version,
              "checklist": checklist.as_text(), "changes": ""}  # fmt: skip
    files: tuple[FileRef, ...] = ()
    if len(versions) > 1:
        before = versions[-2]
        changes = await documents.changes(
            case, (before.sha256, before.version), (latest.sha256, latest.version)
        )
        if changes is not None:
            params["changes"] = t("review.changes", changes=changes.text)
            files = (FileRef(changes.file.sha256, changes.file.filename, changes.file.media_type),)
    reply = Reply("review.notes", params, files=files)
    key_base = f"{case.ref}:{key}:v{latest.version}:review"
    return [
        OutgoingMessage(person, reply, f"{key_base}:{person}")
        for person in await _reviewers(core, case, target)
    ]


async def _versions(core: Chat, case: Case, key: str) -> list[DocumentRecord]:
    async with core.uow() as uow:
        records = await uow.documents.list_for_case(case.id or 0)
    return sorted((r for r in records if r.kind == key), key=lambda r: r.version)


async def _reviewers(core: Chat, case: Case, step: Step) -> list[int]:
    if step.performer in case.assignments:
        return [case.assignments[step.performer]]
    return [p.id for p in (await core.workflow.roster()).holders(step.performer)]
