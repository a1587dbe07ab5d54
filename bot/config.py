"""Settings from the environment and `.env`. Built once in bootstrap and passed in."""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.audit import MIN_KEY_BYTES
from bot.calendar import OfficeHours, RamadanSchedule
from bot.startup import StartupError
from bot.texts import t

# Fields a document number format may use, e.g. "{klasifikasi}/{nomor}-Tapem/{month_roman}/{year}":
# {nomor} is the agenda register's number; {seq} (earlier formats) the same with four digits.
NUMBER_FIELDS = ("nomor", "seq", "klasifikasi", "ref", "year", "month", "month_roman")
GRAPH_URL = "https://graph.facebook.com"
_API_VERSION = re.compile(r"/v\d+(\.\d+)?$")


# What a WhatsApp template parameter may be filled with: `recipient` (the person's registered
# name), `text` (the message itself on one line, shortened) or a parameter of the message, e.g.
# `ref`, `subject`, `number`, `title`.
TEMPLATE_SOURCES = "recipient,text,ref,subject,number,title"


def template_params(value: str) -> list[str]:
    """The template's parameter sources in order, from `WHATSAPP_TEMPLATE_PARAMS`."""
    return [name.strip() for name in value.split(",") if name.strip()]


# Pydantic's error types, in words an operator reads (catalogue keys; ctx fills them).
_ERROR_TEXTS = {
    "greater_than_equal": "startup.config.ge",
    "less_than_equal": "startup.config.le",
    "greater_than": "startup.config.gt",
    "less_than": "startup.config.lt",
    "int_parsing": "startup.config.int",
    "int_type": "startup.config.int",
    "int_from_float": "startup.config.int",
    "float_parsing": "startup.config.number",
    "float_type": "startup.config.number",
    "bool_parsing": "startup.config.bool",
    "bool_type": "startup.config.bool",
    "literal_error": "startup.config.choice",
}


class ConfigError(StartupError):
    """Settings with invalid values; the message names each of them."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    telegram_bot_token: SecretStr | None = None  # None: `sopbot demo` still works
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)

    database_url: str | None = None  # None: SQLite (WAL) in sopbot_data_dir
    sopbot_data_dir: Path = Path("data")
    sopbot_sop_file: Path | None = None  # None: the SOP 54/2025 file shipped with the package
    # Every *.yaml in it runs too (after SOPBOT_SOP_FILE when both are set; by file name).
    sopbot_sop_dir: Path | None = None
    # `sopbot run`'s log; DEBUG also logs the cause of a start-up error with its traceback.
    sopbot_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    sopbot_sweep_seconds: int = Field(default=60, ge=5, le=3600)
    # Updates of different chats one process handles at once (one chat's stay in order).
    sopbot_concurrency: int = Field(default=4, ge=1, le=64)
    sopbot_office_hours: str = str(OfficeHours.default())
    sopbot_ramadan_dates: str | None = None  # e.g. 2027-02-08..2027-03-09
    sopbot_ramadan_hours: str = "Mon-Thu 08:00-15:00; Fri 08:00-15:30"
    sopbot_invite_ttl_hours: int = Field(default=72, ge=1, le=24 * 30)
    sopbot_max_upload_mb: int = Field(default=20, ge=1, le=20)
    sopbot_upload_types: str = "docx,pdf"
    # Keys the audit chain's MACs (bot/audit.py). None: the key file in sopbot_data_dir.
    sopbot_audit_key: SecretStr | None = None

    whatsapp_phone_id: str | None = None
    # The Graph API's scheme and host (pywa adds /v{version}): an egress gateway or a test double.
    whatsapp_graph_url: str = GRAPH_URL
    whatsapp_token: SecretStr | None = None
    whatsapp_app_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_webhook_listen: str = "127.0.0.1"
    whatsapp_webhook_port: int = Field(default=8080, ge=1, le=65535)
    whatsapp_webhook_path: str = "/whatsapp"
    # Outside the 24-hour window only an approved template may be sent (handlers/whatsapp).
    whatsapp_template_name: str = "sopbot_pemberitahuan"
    whatsapp_template_language: str = "id"
    whatsapp_template_params: str = "recipient,text"  # fill {{1}}, {{2}}, ...: TEMPLATE_SOURCES

    # Documents (bot/documents): letterhead, signers, numbering; "|" separates lines or items.
    sopbot_templates_dir: Path | None = None  # None: the .docx templates shipped with sopbot
    sopbot_doc_kop_government: str = "PEMERINTAH KOTA TANGERANG"
    sopbot_doc_kop_office: str = "SEKRETARIAT DAERAH"
    sopbot_doc_kop_address: str = "Jl. Satria Sudirman No. 1, Kota Tangerang, Banten 15111"
    sopbot_doc_kop_phone: str = "(021) ………………"  # printed as "Telepon …"
    sopbot_doc_kop_email: str = "………………@tangerangkota.go.id"  # printed as "Pos-el …"
    sopbot_doc_kop_contact: str = "Laman: www.tangerangkota.go.id"
    # PNG/JPEG put in place of the templates' placeholder logo (None: the placeholder stays).
    sopbot_doc_kop_logo: Path | None = None
    sopbot_doc_city: str = "Tangerang"
    # Numbers from the agenda register, per kind of naskah and year (see NUMBER_FIELDS).
    sopbot_doc_number_disposisi: str = "{nomor}/Disp-Tapem/{month_roman}/{year}"
    sopbot_doc_number_undangan: str = "{klasifikasi}/{nomor}-Tapem/{month_roman}/{year}"
    sopbot_doc_number_persetujuan: str = "{nomor}/LP-Tapem/{month_roman}/{year}"
    sopbot_doc_number_kb: str = "{nomor}/KB-Tapem/{month_roman}/{year}"
    # How long taking a number may wait for the register before the action is refused.
    sopbot_register_wait_seconds: float = Field(default=5.0, ge=0.1, le=60.0)
    sopbot_doc_undangan_signer_role: str = "kabag"
    sopbot_doc_undangan_signer_title: str = (
        "a.n. SEKRETARIS DAERAH KOTA TANGERANG|Kepala Bagian Tata Pemerintahan"
    )
    sopbot_doc_undangan_signer_name: str | None = None  # None: the holder of the role
    sopbot_doc_undangan_signer_nip: str | None = None
    sopbot_doc_undangan_tembusan: str = (
        "Wali Kota Tangerang (sebagai laporan)|Sekretaris Daerah Kota Tangerang"
    )
    # Who signs the lembar persetujuan (the approval trail issued when a case finishes).
    sopbot_doc_persetujuan_signer_role: str = "kabag"
    sopbot_doc_persetujuan_signer_title: str = (
        "a.n. SEKRETARIS DAERAH KOTA TANGERANG|Kepala Bagian Tata Pemerintahan"
    )
    sopbot_doc_kb_signer_role: str = "walikota"
    sopbot_doc_kb_signer_title: str = "WALI KOTA TANGERANG"
    sopbot_doc_kb_signer_name: str | None = None  # None: the holder of the role
    sopbot_doc_paraf_roles: str = "ketua_tim,kabag,sekda"
    sopbot_kb_max_years: int = Field(default=5, ge=1, le=50)
    # LibreOffice, for the PDFs of a records package (`sopbot export srikandi`).
    sopbot_soffice: str = "soffice"

    # Outgoing messages (bot/delivery.py): Telegram allows about 30 a second, 1 a second per chat.
    sopbot_send_per_second: int = Field(default=30, ge=1, le=30)
    sopbot_send_chat_seconds: float = Field(default=1.0, ge=0.0, le=60.0)

    # Read-only web dashboard (`sopbot run --dashboard`; login codes from `sopbot web-login`).
    sopbot_web_secret: SecretStr | None = None  # signs login codes and session cookies
    sopbot_web_listen: str = "127.0.0.1"
    sopbot_web_port: int = Field(default=8090, ge=1, le=65535)
    sopbot_web_url: str = "http://127.0.0.1:8090"  # as people reach it, for the printed link
    sopbot_web_login_minutes: int = Field(default=15, ge=1, le=24 * 60)
    sopbot_web_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    sopbot_web_secure_cookie: bool = False  # True behind HTTPS: the cookie is never sent in clear

    # Fault injection for `make proof` only: exit hard at the n-th pass of a stage
    # (bot/failpoints.py), e.g. "outbox.sent:3". Never set in production.
    sopbot_failpoint: str | None = None

    @field_validator("sopbot_failpoint")
    @classmethod
    def _failpoint(cls, value: str | None) -> str | None:
        if value:
            from bot.failpoints import parse

            parse(value)
        return value

    @field_validator("whatsapp_webhook_path")
    @classmethod
    def _webhook_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(t("startup.config.path_slash"))
        return value

    @field_validator("whatsapp_graph_url", mode="before")
    @classmethod
    def _graph_url(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        url = value.strip().rstrip("/") or GRAPH_URL
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http or https URL, e.g. {GRAPH_URL}")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must not carry a query, a fragment or credentials")
        if _API_VERSION.search(parts.path):
            raise ValueError(f"give it without the API version, e.g. {GRAPH_URL}")
        return url

    @field_validator("whatsapp_template_params")
    @classmethod
    def _template_params(cls, value: str) -> str:
        for name in template_params(value):
            if not name.isidentifier():
                raise ValueError(
                    t("startup.config.template_param", name=name, sources=TEMPLATE_SOURCES)
                )
        return value

    @field_validator("sopbot_office_hours", "sopbot_ramadan_hours")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        try:
            OfficeHours.parse(value)
        except ValueError as error:
            raise ValueError(t("startup.config.office_hours", detail=error)) from None
        return value

    @field_validator(
        "sopbot_doc_number_disposisi",
        "sopbot_doc_number_undangan",
        "sopbot_doc_number_persetujuan",
        "sopbot_doc_number_kb",
    )
    @classmethod
    def _number_format(cls, value: str) -> str:
        used = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        unknown = sorted(used - set(NUMBER_FIELDS))
        if unknown:
            raise ValueError(
                t("startup.config.number_field", field=unknown[0], fields=", ".join(NUMBER_FIELDS))
            )
        return value

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "database_url",
        "sopbot_sop_file",
        "sopbot_sop_dir",
        "sopbot_ramadan_dates",
        "whatsapp_phone_id",
        "whatsapp_token",
        "whatsapp_app_id",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        "sopbot_templates_dir",
        "sopbot_doc_kop_logo",
        "sopbot_doc_undangan_signer_name",
        "sopbot_doc_undangan_signer_nip",
        "sopbot_doc_kb_signer_name",
        "sopbot_web_secret",
        "sopbot_failpoint",
        "sopbot_audit_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # A line copied blank from .env.example means "not set", not the current directory.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sopbot_audit_key")
    @classmethod
    def _audit_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_KEY_BYTES:
            raise ValueError(f"must be at least {MIN_KEY_BYTES} characters of random text")
        return value

    @field_validator("sopbot_ramadan_dates")
    @classmethod
    def _ramadan_dates(cls, value: str | None) -> str | None:
        if value:
            try:
                RamadanSchedule.parse(value, str(OfficeHours.default()))
            except ValueError as error:
                raise ValueError(t("startup.config.ramadan_dates", detail=error)) from None
        return value

    @field_validator("sopbot_log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def office_hours(self) -> OfficeHours:
        """Parsed office hours."""
        return OfficeHours.parse(self.sopbot_office_hours)

    @property
    def ramadan(self) -> RamadanSchedule | None:
        """The reduced Ramadan schedule, when configured."""
        if not self.sopbot_ramadan_dates:
            return None
        return RamadanSchedule.parse(self.sopbot_ramadan_dates, self.sopbot_ramadan_hours)

    @property
    def whatsapp_enabled(self) -> bool:
        """Whether enough WHATSAPP_* settings are present to serve WhatsApp."""
        return bool(self.whatsapp_phone_id and self.whatsapp_token)


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value is a `ConfigError` naming each bad setting in Indonesian."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _invalid(exc.errors()) from None
    except UnicodeDecodeError:
        raise ConfigError(
            ".env", "startup.config.env_encoding", "startup.config.env_fix"
        ) from None


def _invalid(errors: list[ErrorDetails]) -> ConfigError:
    named = [(_setting_name(error), _reason(error)) for error in errors]
    names = ", ".join(dict.fromkeys(name for name, _ in named))
    if len(named) == 1:
        return ConfigError(
            names, "startup.config.invalid", "startup.config.fix", reason=named[0][1], names=names
        )
    details = "; ".join(t("startup.config.detail", setting=n, reason=r) for n, r in named)
    return ConfigError(
        names, "startup.config.invalid_many", "startup.config.fix", details=details, names=names
    )


def _setting_name(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"]).upper() or "SETTINGS"


def _reason(error: ErrorDetails) -> str:
    context: dict[str, Any] = dict(error.get("ctx") or {})
    key = _ERROR_TEXTS.get(error["type"])
    if error["type"] == "value_error":
        reason = str(context.get("error", error["msg"]))
    elif key is not None:
        if "expected" in context:  # literal_error: "'A', 'B' or 'C'"
            context["expected"] = str(context["expected"]).replace(" or ", ", ")
        reason = t(key, **context)
    else:
        reason = t("startup.config.other", detail=error["msg"])
    field = Settings.model_fields.get(str(error["loc"][0])) if error["loc"] else None
    secret = field is not None and "SecretStr" in str(field.annotation)
    value = error.get("input")
    if isinstance(value, str) and not secret and len(value) <= 80 and value not in reason:
        reason += t("startup.config.given", value=value)
    return reason
