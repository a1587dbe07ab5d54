"""No token, secret, key or code in any log line.

Representative flows run with logging set up as `sopbot run` sets it up, at its most verbose
(`configure_logging(DEBUG)`), and every record any logger emits is captured at the root: the
Telegram office end to end (invites, a case, an upload, a failing send, a webhook with a wrong
secret token), the WhatsApp office (registration, buttons, a failing send, a forged signature,
a wrong verify token), and the dashboard login. Each record is rendered in full (message, its
arguments, exception and stack, extra attributes) and searched for every secret.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.auditkey import KEY_FILE
from bot.bootstrap import QUIET_LOGGERS, configure_logging
from bot.config import Settings
from bot.ports import OutgoingMessage
from bot.replies import Reply
from handlers.web.app import COOKIE
from tests.telegram_office import CAST, WEBHOOK_SECRET, TelegramOffice, docx_bytes, step_two
from tests.web_office import SECRET as WEB_SECRET
from tests.web_office import open_office
from tests.whatsapp_graph import APP_SECRET, VERIFY_TOKEN, FakeGraph
from tests.whatsapp_office import WhatsAppOffice, whatsapp_settings

BOT_TOKEN = "7012345678:AAH-rahasia-token-bot-Zq9xYw"
WA_TOKEN = "EAAG-rahasia-token-whatsapp-91xQ"
AUDIT_KEY = "kunci-audit-rahasia-yang-panjang-sekali-42"
STANDARD = set(vars(logging.makeLogRecord({})))


class Capture(logging.Handler):
    """Keeps every record that reaches the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def rendered(record: logging.LogRecord) -> str:
    """Everything a handler could write about the record."""
    parts = [record.name, record.getMessage(), repr(record.args), str(record.msg)]
    if record.exc_info and record.exc_info[1] is not None:
        parts += traceback.format_exception(record.exc_info[1])
    parts += [record.exc_text or "", record.stack_info or ""]
    parts += [repr(value) for key, value in vars(record).items() if key not in STANDARD]
    return "\n".join(parts)


@dataclass
class Secrets:
    values: dict[str, str] = field(default_factory=dict)

    def add(self, what: str, value: str) -> str:
        self.values[what] = value
        return value


@pytest.fixture
def captured() -> Iterator[Capture]:
    """Logging as `sopbot run` configures it, at DEBUG; the previous levels come back after."""
    names = ["", *QUIET_LOGGERS]
    levels = {name: logging.getLogger(name).level for name in names}
    capture = Capture()
    configure_logging(logging.DEBUG)
    logging.getLogger().addHandler(capture)
    yield capture
    logging.getLogger().removeHandler(capture)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def secrets() -> Secrets:
    found = Secrets()
    for what, value in [
        ("bot token", BOT_TOKEN),
        ("bot token's secret part", BOT_TOKEN.partition(":")[2]),
        ("WhatsApp token", WA_TOKEN),
        ("app secret", APP_SECRET),
        ("verify token", VERIFY_TOKEN),
        ("webhook secret", WEBHOOK_SECRET),
        ("web secret", WEB_SECRET),
        ("audit key", AUDIT_KEY),
    ]:
        found.add(what, value)
    return found


def assert_no_secret(capture: Capture, secrets: Secrets) -> None:
    leaks = [
        f"{what} in {record.name}: {record.getMessage()[:200]!r}"
        for record in capture.records
        for what, value in secrets.values.items()
        if value in rendered(record)
    ]
    assert leaks == []
    assert capture.records, "nothing was logged: the capture is not working"


class SecretOffice(TelegramOffice):
    """The Telegram office with distinctive secrets in its settings."""

    def settings(self) -> Settings:
        return (
            super()
            .settings()
            .model_copy(
                update={
                    "telegram_bot_token": SecretStr(BOT_TOKEN),
                    "sopbot_audit_key": SecretStr(AUDIT_KEY),
                    "sopbot_web_secret": SecretStr(WEB_SECRET),
                }
            )
        )


async def hire(office: TelegramOffice, secrets: Secrets) -> None:
    """Everyone sends /start CODE; the codes are secrets too."""
    for key, (user_id, role, name) in CAST.items():
        code, _ = await office.app.admin.create_invite(role, name)
        secrets.add(f"invite code of {key}", code)
        office.users[key] = office.standin.user(user_id, name.split()[0])
        office.users[key].send(f"/start {code}")
    await office.settle()


async def queue_for(office: TelegramOffice, who: str) -> None:
    """A message in the outbox for `who`, as a reminder would be."""
    async with office.app.uow() as uow:
        person = await uow.people.by_identity("telegram", str(CAST[who][0]))
        assert person is not None
        message = OutgoingMessage(person.id, Reply("chat.no_tasks"), f"log-test-{who}")
        await uow.outbox.add(message, office.clock.now())
        await uow.commit()


@pytest.fixture
async def telegram(tmp_path: Path) -> AsyncIterator[SecretOffice]:
    office = SecretOffice(tmp_path / "tg")
    await office.start(webhook=True)
    yield office
    await office.stop()


async def test_the_telegram_office_logs_no_secret(captured, secrets, telegram):
    await hire(telegram, secrets)
    await step_two(telegram)
    await telegram.give_file(
        "ketua", "Surat undangan", "undangan.docx", docx_bytes("Surat undangan rapat")
    )
    telegram.standin.fail_next("sendMessage", error="connect")
    await telegram.say("ketua", "/tugas")  # the answer goes out at once, and fails
    await queue_for(telegram, "kabag")
    telegram.standin.fail_next("sendMessage", status=502)
    telegram.runtime.delivery.wake()  # the outbox's send fails, to be retried
    await telegram.settle()
    wrong_code = "SALAH-KODE-0000-0000"
    secrets.add("a wrong invite code", wrong_code)
    await telegram.say("sekda", f"/start {wrong_code}")
    async with httpx.AsyncClient() as client:
        refused = await client.post(
            telegram.webhook_url,
            json={"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/baru"}},
            headers={"X-Telegram-Bot-Api-Secret-Token": "tebakan"},
        )

    assert refused.status_code == 403
    assert telegram.standin.pending_failures == 0  # both failures were met
    assert_no_secret(captured, secrets)


class SecretWhatsAppOffice(WhatsAppOffice):
    """The WhatsApp office with the distinctive secrets (its Graph fake expects that token)."""

    def __post_init__(self) -> None:
        self.telegram = SecretOffice(self.data_dir)
        self.graph = FakeGraph(self.telegram.clock, token=WA_TOKEN)

    def settings(self) -> Settings:
        return whatsapp_settings(self.telegram.settings(), whatsapp_token=SecretStr(WA_TOKEN))


@pytest.fixture
async def whatsapp(tmp_path: Path) -> AsyncIterator[SecretWhatsAppOffice]:
    office = SecretWhatsAppOffice(tmp_path / "wa")
    await office.start()
    yield office
    await office.stop()


async def register(office: SecretWhatsAppOffice, secrets: Secrets, who: str) -> None:
    from tests.whatsapp_graph import WaUser
    from tests.whatsapp_office import WA_CAST

    wa_id, role, name = WA_CAST[who]
    code, _ = await office.telegram.app.admin.create_invite(role, name)
    secrets.add(f"WhatsApp invite code of {who}", code)
    office.wa_users[who] = WaUser(wa_id, name.split()[0])
    await office.say(who, f"daftar {code}")


async def test_the_whatsapp_office_logs_no_secret(captured, secrets, whatsapp):
    await whatsapp.prepare()
    await register(whatsapp, secrets, "sekda")
    await whatsapp.submit()
    await whatsapp.give_back("sekda", "Pasal 3 perlu diperbaiki")
    whatsapp.graph.fail_next("messages", status=500, code=131000, message="Something")
    await whatsapp.send("sekda", whatsapp.wa_users["sekda"].text("tugas", whatsapp.clock.now()))
    await whatsapp.drain()
    forged = await whatsapp.post({"object": "whatsapp_business_account"}, "sha256=" + "0" * 64)
    unsigned = await whatsapp.post({"object": "whatsapp_business_account"}, None)
    challenge = await whatsapp.client.get(
        "/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "tebakan", "hub.challenge": "1"},
    )

    assert (forged.status_code, unsigned.status_code, challenge.status_code) == (403, 401, 403)
    assert_no_secret(captured, secrets)


async def test_the_dashboard_login_logs_no_secret(captured, secrets, tmp_path):
    office = await open_office(tmp_path / "web")
    secrets.add("audit key file", (tmp_path / "web" / KEY_FILE).read_text().strip())
    code = secrets.add("login code", office.login_code("kabag"))
    forged = code[:-4] + "AAAA"
    try:
        transport = httpx.ASGITransport(app=office.dashboard())
        async with httpx.AsyncClient(transport=transport, base_url="http://dasbor") as browser:
            await browser.get("/login", params={"code": code})
            secrets.add("session cookie", browser.cookies[COOKIE])
            await browser.get("/")
            await browser.get("/login", params={"code": code})
            await browser.post("/login", data={"code": forged})
            await office.app.admin.verify_audit()
    finally:
        await office.app.close()

    assert_no_secret(captured, secrets)


def test_the_libraries_that_log_urls_or_updates_stay_quiet_even_at_debug(captured):
    levels = {name: logging.getLogger(name).getEffectiveLevel() for name in QUIET_LOGGERS}

    assert levels["httpx"] == levels["httpcore"] == logging.WARNING
    assert levels["telegram"] == levels["pywa"] == logging.INFO
    assert logging.getLogger("bot").getEffectiveLevel() == logging.DEBUG
