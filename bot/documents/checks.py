"""Checks on an uploaded draft Kesepakatan Bersama (.docx): title, parties, articles, term.

The result is a channel-neutral checklist: each item is ok or not, with an Indonesian
explanation from the catalogue. The Ketua Tim sees it when uploading; the Sekda sees it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.documents.docx_text import UnreadableDocument, normalise, paragraphs
from bot.documents.settings import DocumentSettings
from bot.documents.values import parse_words
from bot.texts import t

# Mandatory articles and the headings that count as each (upper case, without "Pasal n").
ARTICLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("maksud_tujuan", ("MAKSUD DAN TUJUAN", "MAKSUD, TUJUAN")),
    ("ruang_lingkup", ("RUANG LINGKUP",)),
    ("jangka_waktu", ("JANGKA WAKTU", "MASA BERLAKU")),
    ("pembiayaan", ("PEMBIAYAAN", "BIAYA")),
    ("penyelesaian_perselisihan", ("PENYELESAIAN PERSELISIHAN", "PENYELESAIAN SENGKETA")),
    ("keadaan_kahar", ("KEADAAN KAHAR", "KEADAAN MEMAKSA", "FORCE MAJEURE", "FORCE MAJEUR")),
    ("penutup", ("PENUTUP", "KETENTUAN PENUTUP")),
)
_TITLE_END = ("PADA HARI", "PASAL", "YANG BERTANDA TANGAN", "DENGAN MEMPERHATIKAN", "KAMI YANG")
_TITLE_RE = re.compile(
    r"KESEPAKATAN BERSAMA ANTARA (?P<own>.+?) DAN (?P<partner>.+?) TENTANG (.+)"
)
_PASAL_RE = re.compile(r"^(?:BAB [IVXLC]+|PASAL \d+[A-Z]?)\b[\s.:–-]*")
_DIGITS_RE = re.compile(r"(\d+)\s*(?:\([^)]*\))?\s*(tahun|bulan)", re.IGNORECASE)
_WORDS_RE = re.compile(
    r"((?:(?:satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|seratus"
    r"|belas|puluh|ratus)\s+)+)(tahun|bulan)",
    re.IGNORECASE,
)
MAX_HEADING_WORDS = 8


@dataclass(frozen=True)
class CheckItem:
    key: str  # judul | pihak_kesatu | pihak_kedua | pasal.<article> | jangka_waktu | berkas
    ok: bool
    text: str


@dataclass(frozen=True)
class DraftCheck:
    items: tuple[CheckItem, ...]

    @property
    def ok(self) -> bool:
        """Whether every item passed."""
        return all(item.ok for item in self.items)

    def failed(self) -> tuple[CheckItem, ...]:
        """The items that did not pass."""
        return tuple(item for item in self.items if not item.ok)

    def as_text(self) -> str:
        """The checklist as chat text: a header, then one ✅/❌ line per item."""
        passed = sum(1 for item in self.items if item.ok)
        header = t("draft.check.header", passed=passed, total=len(self.items))
        lines = [f"{'✅' if item.ok else '❌'} {item.text}" for item in self.items]
        return "\n".join([header, *lines])


def check_draft(
    data: bytes, settings: DocumentSettings, *, partner: str | None = None
) -> DraftCheck:
    """Check a draft agreement; `partner` is the case's partner, expected as PIHAK KEDUA."""
    try:
        text = paragraphs(data)
    except UnreadableDocument:
        return DraftCheck((CheckItem("berkas", False, t("draft.check.unreadable")),))
    own = normalise(settings.kop.government).upper()
    title = _title(text)
    match = _TITLE_RE.fullmatch(title)
    headings = _headings(text)
    items = [_title_item(title, match, own)]
    items += _party_items(text, match, own, partner)
    items += [_article_item(key, key in headings) for key, _ in ARTICLES]
    items.append(_term_item(text, headings.get("jangka_waktu"), settings.kb_max_years))
    return DraftCheck(tuple(items))


def _title(text: list[str]) -> str:
    """The title: the leading paragraphs up to the opening clause, without NOMOR lines."""
    lines = []
    for paragraph in text[:15]:
        upper = paragraph.upper()
        if upper.startswith(_TITLE_END):
            break
        if not upper.startswith("NOMOR"):
            lines.append(upper)
    return normalise(" ".join(lines))


def _title_item(title: str, match: re.Match[str] | None, own: str) -> CheckItem:
    if match is not None and normalise(match["own"]) == own:
        return CheckItem("judul", True, t("draft.check.title_ok", title=title))
    shown = (title[:160] + "…") if len(title) > 160 else (title or "-")
    return CheckItem("judul", False, t("draft.check.title_bad", own=own, found=shown))


def _party_items(
    text: list[str], match: re.Match[str] | None, own: str, partner: str | None
) -> list[CheckItem]:
    body = " ".join(text).upper()
    named_partner = normalise(match["partner"]) if match else ""
    expected = normalise(partner).upper() if partner else named_partner
    checks = (
        ("pihak_kesatu", "draft.party.kesatu", own, own in body and "PIHAK KESATU" in body),
        (
            "pihak_kedua",
            "draft.party.kedua",
            expected or "-",
            bool(expected) and expected in body and "PIHAK KEDUA" in body,
        ),
    )
    items = []
    for key, label, name, ok in checks:
        text_key = "draft.check.party_ok" if ok else "draft.check.party_missing"
        items.append(CheckItem(key, ok, t(text_key, party=t(label), name=name)))
    return items


def _article_item(key: str, present: bool) -> CheckItem:
    text_key = "draft.check.article_ok" if present else "draft.check.article_missing"
    return CheckItem(f"pasal.{key}", present, t(text_key, article=t(f"draft.article.{key}")))


def _heading(paragraph: str) -> str | None:
    """The article a heading paragraph names (`Pasal 5 JANGKA WAKTU`, `JANGKA WAKTU`)."""
    upper = _PASAL_RE.sub("", paragraph.upper()).strip(" .:")
    if not upper or len(upper.split()) > MAX_HEADING_WORDS:
        return None
    for key, names in ARTICLES:
        if any(upper == name or upper.startswith(name + " ") for name in names):
            return key
    return None


def _headings(text: list[str]) -> dict[str, int]:
    """Article key -> index of its heading paragraph (first occurrence)."""
    found: dict[str, int] = {}
    for index, paragraph in enumerate(text):
        key = _heading(paragraph)
        if key is not None and key not in found:
            found[key] = index
    return found


def _article_body(text: list[str], start: int) -> str:
    """The paragraphs after a heading, up to the next `Pasal n` or article heading."""
    body = []
    for paragraph in text[start + 1 :]:
        if _PASAL_RE.match(paragraph.upper()) or _heading(paragraph) is not None:
            break
        body.append(paragraph)
    return " ".join(body)


def _longest_term_months(body: str) -> int | None:
    """The longest duration written in the article, in months (digits or words)."""
    terms = [(int(n), unit) for n, unit in _DIGITS_RE.findall(body)]
    if not terms:
        terms = [(parse_words(words) or 0, unit) for words, unit in _WORDS_RE.findall(body)]
    months = [n * 12 if unit.lower() == "tahun" else n for n, unit in terms if n > 0]
    return max(months) if months else None


def _term_item(text: list[str], heading: int | None, max_years: int) -> CheckItem:
    months = _longest_term_months(_article_body(text, heading)) if heading is not None else None
    if months is None:
        return CheckItem("jangka_waktu", False, t("draft.check.term_missing"))
    term = (
        t("draft.term.years", n=months // 12)
        if months % 12 == 0
        else t("draft.term.months", n=months)
    )
    ok = months <= max_years * 12
    key = "draft.check.term_ok" if ok else "draft.check.term_too_long"
    return CheckItem("jangka_waktu", ok, t(key, term=term, max=max_years))
