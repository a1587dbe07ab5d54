"""An SOP .docx sent in chat, on the conversation core over fakes (no channel, no database)."""

from __future__ import annotations

from importlib import resources

import pytest

from bot.chat.core import ChatCore
from bot.chat.model import Incoming, IncomingFile, Sender
from bot.sop.importer.chat import YAML_MEDIA_TYPE, importers
from bot.sop.loader import load_sop, parse_sop
from bot.texts import t
from bot.uploads import UploadPolicy
from tests.fakes import MemoryFileStore
from tests.sop_documents import SHAPES, plain_docx, sop54, sop_docx

ADMIN = Sender("telegram", "9001")
KABAG = Sender("telegram", "9002")
DEFAULT_SOP = resources.files("bot.sop") / "sop54_2025.yaml"
POLICY = UploadPolicy(frozenset({"docx", "pdf"}), 2**22)


@pytest.fixture
async def chat(office) -> ChatCore:
    async with office.uow() as uow:
        await uow.people.bind_identity(office.ids["admin"], ADMIN.channel, ADMIN.external_id)
        await uow.people.bind_identity(office.ids["kabag"], KABAG.channel, KABAG.external_id)
        await uow.commit()
    return ChatCore(office.workflow, office.admin, MemoryFileStore(), POLICY)


def upload(sender: Sender, data: bytes, filename: str = "SOP-54.docx") -> Incoming:
    async def fetch() -> bytes:
        return data

    return Incoming(
        sender, f"u-{sender.external_id}", file=IncomingFile(filename, len(data), fetch)
    )


def said(reply) -> str:
    return t(reply.text_key, **reply.params)


async def test_an_admin_gets_the_step_table_of_the_sop_document(chat):
    answer = await chat.handle(upload(ADMIN, sop_docx(sop54(SHAPES))))

    table = said(answer.replies[0])
    assert "Pelaksanaan Koordinasi Penyiapan Rancangan Kesepakatan Bersama" in table
    assert "7. Menerima rancangan kesepakatan bersama — Sekretaris Daerah, 15 menit" in table
    assert "Setujui → langkah 8; Kembalikan → langkah 5" in table


async def test_an_admin_gets_the_periksa_list_and_the_yaml_draft_as_a_file(chat):
    answer = await chat.handle(upload(ADMIN, sop_docx(sop54(SHAPES))))

    checks = answer.replies[1]
    (file,) = checks.files
    draft = chat.files.read(file.sha256).decode("utf-8")
    assert (file.filename, file.media_type) == ("SOP-54.yaml", YAML_MEDIA_TYPE)
    assert "• baris " in said(checks) and "No 4: ada tanda juga" in said(checks)
    assert [s.number for s in parse_sop(draft).steps] == [1, 2, 3, 4, 5, 7, 8, 10]


async def test_the_imported_draft_runs_nothing(chat, office):
    await chat.handle(upload(ADMIN, sop_docx(sop54(SHAPES))))

    assert chat.sop is office.sop
    assert await office.workflow.waiting() == []


async def test_someone_who_is_not_an_admin_is_refused(chat):
    answer = await chat.handle(upload(KABAG, sop_docx(sop54(SHAPES))))

    (reply,) = answer.replies
    assert said(reply) == t("error.not_permitted", action=t("action.import_sop"))


async def test_an_admin_sending_another_document_is_told_what_an_sop_document_is(chat):
    answer = await chat.handle(upload(ADMIN, plain_docx(["NOTA DINAS", "Perihal: rapat"])))

    (reply,) = answer.replies
    assert reply.text_key == "import.refused"
    assert t("import.refused.no_table") in said(reply)


async def test_another_document_from_someone_else_goes_where_uploads_go(chat):
    answer = await chat.handle(upload(KABAG, plain_docx(["NOTA DINAS", "Perihal: rapat"])))

    assert [reply.text_key for reply in answer.replies] == ["chat.upload_no_task"]


def test_without_an_import_permission_in_the_sop_file_admins_import():
    assert importers(load_sop()) == {"admin"}


def test_the_sop_file_may_give_the_import_to_other_roles():
    text = DEFAULT_SOP.read_text(encoding="utf-8").replace(
        "  view_dashboard: [admin, kabag, sekda]\n",
        "  view_dashboard: [admin, kabag, sekda]\n  import_sop: [kabag]\n",
    )

    assert importers(parse_sop(text)) == {"kabag"}
