"""What a reviewer is told about a draft handed to them: its checklist and what changed."""

from __future__ import annotations

from bot.actions import encode
from bot.chat.session import Chat, Checklist
from bot.ports import DocumentRecord, OutgoingMessage
from bot.replies import Choice, FileRef, Reply
from bot.sop.model import Step
from bot.texts import t
from bot.uploads import DOCX_MEDIA_TYPE
from bot.workflow.model import Case
from bot.workflow.rules import labels, missing_for_completion


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
              "checklist": short_warning(checklist), "changes": ""}  # fmt: skip
    compared: Reply | None = None
    if len(versions) > 1:
        before = versions[-2]
        changes = await documents.changes(
            case, (before.sha256, before.version), (latest.sha256, latest.version)
        )
        if changes is not None:
            params["changes"] = t("review.changes", changes=changes.text)
            file = FileRef(changes.file.sha256, changes.file.filename, changes.file.media_type)
            caption = {"before": before.version, "version": latest.version, "ref": case.ref}
            compared = Reply("review.changes_caption", caption, files=(file,))
    more = (Choice("button.show_checks", encode("checks", case.id or 0, target.number)),)
    reply = Reply("review.notes", params, more if checklist.failed() else ())
    key_base = f"{case.ref}:{key}:v{latest.version}:review"
    out = []
    for person in await _reviewers(core, case, target):
        out.append(OutgoingMessage(person, reply, f"{key_base}:{person}"))
        if compared is not None:  # the comparison follows the notes that explain it
            out.append(OutgoingMessage(person, compared, f"{key_base}:changes:{person}"))
    return out


async def _versions(core: Chat, case: Case, key: str) -> list[DocumentRecord]:
    async with core.uow() as uow:
        records = await uow.documents.list_for_case(case.id or 0)
    return sorted((r for r in records if r.kind == key), key=lambda r: r.version)


async def _reviewers(core: Chat, case: Case, step: Step) -> list[int]:
    if step.performer in case.assignments:
        return [case.assignments[step.performer]]
    return [p.id for p in (await core.workflow.roster()).holders(step.performer)]


# --- the draft check as a short warning ------------------------------------------------------

WARNING_LINES = 3
WARNING_WIDTH = 80


def check_line(checklist: Checklist | None) -> str:
    """The draft check in one line: "Pemeriksaan rancangan: 2 catatan" or "tanpa catatan"."""
    if checklist is None:
        return ""
    failed = len(checklist.failed())
    return t("guard.check_some", count=failed) if failed else t("guard.check_none")


def short_warning(checklist: Checklist | None) -> str:
    """The failed points, at most three lines of at most 80 characters, and how many more."""
    if checklist is None:
        return ""
    failed = [point.text for point in checklist.failed()]
    if not failed:
        return check_line(checklist)
    lines = [f"• {clip(text, WARNING_WIDTH - 2)}" for text in failed[:WARNING_LINES]]
    if len(failed) > WARNING_LINES:
        lines.append(t("guard.check_more", count=len(failed) - WARNING_LINES))
    return t("guard.warning", check=check_line(checklist), lines="\n".join(lines))


def clip(text: str, width: int) -> str:
    """`text` cut at a word boundary to fit `width` characters, with … when cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return f"{cut}…"


async def latest_check(
    core: Chat, case: Case, step: Step
) -> tuple[str, DocumentRecord, Checklist] | None:
    """The draft a step reads (its latest .docx version) and the checker's result on it."""
    documents = core.documents
    if documents is None:
        return None
    key = next((k for k in step.needs if k in documents.CHECKED), None)
    if key is None:
        return None
    versions = await _versions(core, case, key)
    if not versions or versions[-1].media_type != DOCX_MEDIA_TYPE:
        return None
    latest = versions[-1]
    return key, latest, await documents.check(case, core.files.read(latest.sha256))


async def kabag_warning(core: Chat, case: Case, step: Step) -> list[OutgoingMessage]:
    """When a draft with failed points reaches the step that sends it up (the Kabag's
    Sampaikan): a short warning to its performer, with the full list a button away."""
    if step.goto is None:
        return []
    target = core.sop.step(step.goto)
    if target.action != "sampaikan" or target.goto is None:
        return []
    found = await latest_check(core, case, target)
    if found is None or not found[2].failed():
        return []
    key, latest, checklist = found
    to = core.sop.roles[core.sop.step(target.goto).performer].title
    params = {"ref": case.ref, "label": core.sop.artifact_label(key), "version": latest.version,
              "warning": short_warning(checklist), "to": to}  # fmt: skip
    more = Choice("button.show_checks", encode("checks", case.id or 0, target.number))
    reply = Reply("guard.warning_kabag", params, (more,))
    key_base = f"{case.ref}:{key}:v{latest.version}:warning"
    return [OutgoingMessage(person, reply, f"{key_base}:{person}")
            for person in await _reviewers(core, case, target)]  # fmt: skip


# --- asking once before a decision takes effect -----------------------------------------------

MIN_REASON_CHARS = 15
MIN_REASON_WORDS = 3
NOTE_CONFIRM = {  # verb -> (question, yes button, change-the-note button)
    "return": ("guard.return", "button.confirm_return", "button.edit_note"),
    "skip": ("guard.skip", "button.confirm_skip", "button.edit_reason"),
    "answer": ("guard.answer", "button.confirm_approve", "button.edit_answer"),
}


def confirmation(
    question: Reply, yes: str, verb: str, case_id: int, number: int, version: int, *extra: Choice
) -> Reply:
    """The question asked before a press takes effect: Ya (`verb`) and any extra choice; the
    way back (Batal of its dialogue, or Kembali to the card) is added where it is asked."""
    ya = Choice(yes, encode(verb, case_id, number, version))
    return Reply(question.text_key, question.params, (ya, *extra))


async def draft_summary(core: Chat, case: Case, step: Step) -> str:
    """What is being decided: the draft's label and version, and its check in one line."""
    found = await latest_check(core, case, step)
    if found is not None:
        key, latest, checklist = found
        head = t("guard.draft", label=core.sop.artifact_label(key), version=latest.version)
        return f"{head}\n{check_line(checklist)}"
    for key in step.needs:
        value = case.artifacts.get(key)
        if value is not None and value.document_id is not None:
            return t("guard.draft", label=core.sop.artifact_label(key), version=value.version)
    return ""


async def approval(core: Chat, case: Case, step: Step, version: int) -> Reply:
    """Setujui asks once, showing the case, the draft version and its check."""
    params = {"ref": case.ref, "subject": case.subject,
              "draft": await draft_summary(core, case, step)}  # fmt: skip
    question = Reply("guard.approve", params)
    return confirmation(question, "button.confirm_approve", "confirm", case.id or 0,
                        step.number, version)  # fmt: skip


def real_reason(text: str) -> bool:
    """A skip's reason is at least a sentence: 15 characters and 3 words, not "ok" or "-"."""
    words = [word for word in text.split() if any(ch.isalnum() for ch in word)]
    return len(text) >= MIN_REASON_CHARS and len(words) >= MIN_REASON_WORDS


async def note_question(core: Chat, case: Case, step: Step, verb: str, version: int,
                        note: str) -> Reply:  # fmt: skip
    """The typed note shown back: Ya, kembalikan (Ya, lewati; Ya, setujui with an answer),
    Ubah catatan, Batal."""
    key, yes, change = NOTE_CONFIRM[verb]
    params: dict[str, object] = {"ref": case.ref, "subject": case.subject, "note": note,
                                 "number": step.number, "title": step.title}  # fmt: skip
    if verb in ("return", "answer"):
        params["draft"] = await draft_summary(core, case, step)
    else:
        params["missing"] = labels(missing_for_completion(case, step, core.sop), core.sop)
    asks_again = "approve" if verb == "answer" else verb  # Setujui asks for the answer anew
    again = Choice(change, encode(asks_again, case.id or 0, step.number, version))
    return confirmation(Reply(key, params), yes, "noted", case.id or 0, step.number, version,
                        again)  # fmt: skip
