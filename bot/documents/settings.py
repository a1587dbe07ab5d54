"""What the documents take from the configuration: letterhead, signers, numbering, templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.documents.values import title_case


def _items(text: str, separator: str = "|") -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(separator) if part.strip())


@dataclass(frozen=True)
class Kop:
    """The letterhead lines and optional logo file."""

    government: str
    office: str
    address: str
    contact: str
    logo: Path | None = None
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class SignerSetting:
    """Who signs a document: an SOP role, the jabatan lines, optional fixed name and NIP."""

    role: str
    title_lines: tuple[str, ...]
    name: str | None = None
    nip: str | None = None


@dataclass(frozen=True)
class DocumentSettings:
    """Everything the builders need from the settings, parsed once."""

    kop: Kop
    city: str
    number_formats: dict[str, str]  # disposisi | undangan | persetujuan | kb -> format
    undangan_signer: SignerSetting
    undangan_tembusan: tuple[str, ...]
    kb_signer: SignerSetting
    paraf_roles: tuple[str, ...]
    kb_max_years: int
    templates_dir: Path | None = None
    persetujuan_signer: SignerSetting = SignerSetting("kabag", ("Kepala Bagian",))
    soffice: str = "soffice"

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentSettings:
        """Read the `SOPBOT_DOC_*` settings."""
        return cls(
            kop=Kop(
                settings.sopbot_doc_kop_government,
                settings.sopbot_doc_kop_office,
                settings.sopbot_doc_kop_address,
                settings.sopbot_doc_kop_contact,
                settings.sopbot_doc_kop_logo,
                settings.sopbot_doc_kop_phone,
                settings.sopbot_doc_kop_email,
            ),
            city=settings.sopbot_doc_city,
            number_formats={
                "disposisi": settings.sopbot_doc_number_disposisi,
                "undangan": settings.sopbot_doc_number_undangan,
                "persetujuan": settings.sopbot_doc_number_persetujuan,
                "kb": settings.sopbot_doc_number_kb,
            },
            undangan_signer=SignerSetting(
                settings.sopbot_doc_undangan_signer_role,
                _items(settings.sopbot_doc_undangan_signer_title),
                settings.sopbot_doc_undangan_signer_name,
                settings.sopbot_doc_undangan_signer_nip,
            ),
            undangan_tembusan=_items(settings.sopbot_doc_undangan_tembusan),
            kb_signer=SignerSetting(
                settings.sopbot_doc_kb_signer_role,
                _items(settings.sopbot_doc_kb_signer_title),
                settings.sopbot_doc_kb_signer_name,
            ),
            paraf_roles=_items(settings.sopbot_doc_paraf_roles, ","),
            kb_max_years=settings.sopbot_kb_max_years,
            templates_dir=settings.sopbot_templates_dir,
            persetujuan_signer=SignerSetting(
                settings.sopbot_doc_persetujuan_signer_role,
                _items(settings.sopbot_doc_persetujuan_signer_title),
            ),
            soffice=settings.sopbot_soffice,
        )

    @property
    def own_party(self) -> str:
        """The government as a party in running text: `Pemerintah Kota Tangerang`."""
        return title_case(self.kop.government)
