"""An SOP document sent in chat: the draft's steps, its PERIKSA list and the YAML as a file.

Nothing is loaded or run: the draft is only shown and handed back, and an operator checks it
and points ``SOPBOT_SOP_FILE`` at it. Who may send one is the SOP file's ``import_sop``
permission, or the ``admin`` role when the file does not name one.
"""

from __future__ import annotations

from pathlib import PurePath

from bot.errors import NotPermitted
from bot.ports import FileStore
from bot.replies import FileRef, Reply
from bot.sop.importer import ImportResult, NotAnSopTable, import_document
from bot.sop.model import DecisionKind, Sop, Step
from bot.texts import t

IMPORT_SOP = "import_sop"
# WhatsApp sends documents of a few types only, YAML not among them; the name says .yaml.
YAML_MEDIA_TYPE = "text/plain"


def importers(sop: Sop) -> frozenset[str]:
    """The roles that may import an SOP document."""
    return frozenset(sop.allowed(IMPORT_SOP) or ("admin",))


def answer_upload(
    data: bytes, filename: str, roles: frozenset[str], sop: Sop, files: FileStore
) -> list[Reply] | None:
    """The answer to a document that no question awaited, when it is the importer's to give.

    An SOP table gets its draft, or NotPermitted for someone who may not import. A document
    that is not one gets the refusal (what was expected) when its sender may import and has no
    other role; anyone else's goes where uploads go (None).
    """
    allowed = bool(roles & importers(sop))
    try:
        result = import_document(data, filename)
    except NotAnSopTable as refused:
        if allowed and not roles - importers(sop):
            return [Reply(refused.text_key, dict(refused.params))]
        return None
    if not allowed:
        raise NotPermitted(action=t("action.import_sop"))
    return draft_replies(result, filename, files)


def draft_replies(result: ImportResult, filename: str, files: FileStore) -> list[Reply]:
    """The draft's step table, then its PERIKSA list with the YAML file attached."""
    sop = result.sop
    yaml_name = f"{PurePath(filename).stem or 'sop'}.yaml"
    stored = files.put(result.yaml.encode("utf-8"))
    summary = Reply(
        "import.chat.draft",
        {"filename": filename, "number": sop.number, "title": sop.title,
         "count": len(sop.steps), "steps": _steps(sop)},
    )  # fmt: skip
    if result.findings:
        items = "\n".join(
            t("import.chat.check", line=found.line, text=found.text) for found in result.findings
        )
        checks = t("import.chat.checks", count=len(result.findings), items=items)
    else:
        checks = t("import.chat.no_checks")
    attached = Reply(
        "import.chat.file",
        {"checks": checks, "filename": yaml_name},
        files=(FileRef(stored, yaml_name, YAML_MEDIA_TYPE),),
    )
    return [summary, attached]


def _steps(sop: Sop) -> str:
    lines = []
    for step in sop.steps:
        lines.append(t("sop.line", number=step.number, title=step.title,
                       performer=sop.roles[step.performer].title,
                       mutu_baku=step.mutu_baku.text))  # fmt: skip
        if step.decisions:
            approve = _target(sop, step, DecisionKind.APPROVE)
            returned = _target(sop, step, DecisionKind.RETURN)
            lines.append(t("import.chat.decisions", approve=approve, returned=returned))
    return "\n".join(lines)


def _target(sop: Sop, step: Step, kind: DecisionKind) -> str:
    decision = step.decision(kind)
    if decision is None:
        return "-"
    if decision.goto is None:
        return t("import.chat.end")
    return str(sop.step(decision.goto).number)
