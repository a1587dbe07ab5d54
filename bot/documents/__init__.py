"""Every document of the SOP as a real .docx, from Word templates in `templates_docx/`.

Builders take plain inputs (a case, the SOP, the roster, `DocumentSettings`, and what the
step collected) and return a `BuiltDocument` (bytes, a suggested file name, media type).
`bot.documents.service.CaseDocuments` does the I/O around them for the chat (file store,
worker thread); `bot.reports` computes the compliance figures the report renders.
"""

from bot.documents.agreement import lembar_persetujuan, rancangan_kb
from bot.documents.checks import CheckItem, DraftCheck, check_draft
from bot.documents.diff import DraftDiff, chat_text, diff_drafts, version_diff_docx
from bot.documents.docx_text import UnreadableDocument
from bot.documents.letters import Meeting, Minutes, lembar_disposisi, notulen_rapat, surat_undangan
from bot.documents.render import BuiltDocument, TemplateError
from bot.documents.report_docx import laporan_kepatuhan, report_caption
from bot.documents.settings import DocumentSettings

__all__ = [
    "BuiltDocument",
    "CheckItem",
    "DocumentSettings",
    "DraftCheck",
    "DraftDiff",
    "Meeting",
    "Minutes",
    "TemplateError",
    "UnreadableDocument",
    "chat_text",
    "check_draft",
    "diff_drafts",
    "laporan_kepatuhan",
    "lembar_disposisi",
    "lembar_persetujuan",
    "notulen_rapat",
    "rancangan_kb",
    "report_caption",
    "surat_undangan",
    "version_diff_docx",
]
