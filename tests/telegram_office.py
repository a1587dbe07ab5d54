"""Five officials in Telegram: the real bot against the project's Bot API stand-in."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from pydantic import SecretStr

from bot import bootstrap
from bot.bootstrap.demo import against_standin
from bot.clock import JAKARTA, FixedClock
from bot.config import Settings
from bot.periodic import TickReport
from handlers.telegram.standin.core import StandIn
from handlers.telegram.standin.users import SimUser
from tests.deciding import Deciding

WEBHOOK_SECRET = "rahasia-webhook-123"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

CAST: dict[str, tuple[int, str, str]] = {
    "kabag": (1001, "kabag", "Drs. Budi Santoso, M.Si."),
    "ketua": (1002, "ketua_tim", "Siti Rahmawati, S.H."),
    "sekda": (1003, "sekda", "Dr. Hendra Wijaya, M.M."),
    "walikota": (1004, "walikota", "H. Sachrudin"),
    "tkksd": (1005, "tkksd", "Rina Marlina, S.E."),
}


def docx_bytes(*paragraphs: str) -> bytes:
    """A real .docx with these paragraphs."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass
class TelegramOffice(Deciding):
    """The bot, its database and the simulated officials; `start()` and `stop()` the bot."""

    data_dir: Path
    clock: FixedClock = field(
        default_factory=lambda: FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=JAKARTA))
    )
    standin: StandIn = field(default_factory=StandIn)
    users: dict[str, SimUser] = field(default_factory=dict)

    def settings(self) -> Settings:
        return Settings(
            telegram_bot_token="123456:TEST",  # type: ignore[arg-type]
            telegram_base_url="http://standin/bot",
            telegram_base_file_url="http://standin/file/bot",
            sopbot_data_dir=self.data_dir,
        )

    async def start(
        self,
        *,
        webhook: bool = False,
        settings: Settings | None = None,
        whatsapp_session: Any = None,
        share_webhook_port: bool = False,
    ) -> None:
        """Start the real bot against the stand-in: long polling, or a webhook (with
        `share_webhook_port`, WhatsApp's webhook is served on the same port)."""
        settings = settings or self.settings()
        listener = None
        if webhook:
            listener = socket.create_server(("127.0.0.1", 0))
            listener.setblocking(False)
            self.webhook_url = f"http://127.0.0.1:{listener.getsockname()[1]}/telegram"
            settings = settings.model_copy(
                update={
                    "telegram_webhook_url": self.webhook_url,
                    "telegram_webhook_secret": SecretStr(WEBHOOK_SECRET),
                    "telegram_webhook_port": listener.getsockname()[1],
                }
            )
            if share_webhook_port:
                port = listener.getsockname()[1]
                settings = settings.model_copy(update={"whatsapp_webhook_port": port})
        self.app = await bootstrap.build_app(settings, self.clock)
        self.core = bootstrap.build_chat(self.app)
        self._running = AsyncExitStack()
        self.service = await self._running.enter_async_context(
            against_standin(
                self.app, self.standin, webhook=webhook, listener=listener,
                whatsapp_session=whatsapp_session,
            )
        )  # fmt: skip
        self.runtime = self.service.runtime

    async def stop(self) -> None:
        """Stop the bot as a restart would: nothing in memory survives."""
        await self.standin.settle()
        await self._running.aclose()
        await self.app.close()

    async def hire(self) -> None:
        """Everyone redeems an invite code with /start CODE."""
        for key, (user_id, role, name) in CAST.items():
            code, _ = await self.app.admin.create_invite(role, name)
            user = self.standin.user(user_id, name.split()[0])
            user.send(f"/start {code}")
            self.users[key] = user
        await self.settle()

    async def tick(self) -> TickReport:
        """One periodic tick of the running bot (reminders, digest), its messages sent."""
        report = await self.runtime.tick()
        await self.settle()
        return report

    async def settle(self) -> None:
        """Wait until the bot has handled everything and gone quiet."""
        await self.standin.settle()

    async def say(self, who: str, text: str) -> Any:
        self.users[who].send(text)
        await self.settle()
        return self.users[who].last

    async def press(self, who: str, label: str, message: Any = None) -> Any:
        callback = self.users[who].press(label, message)
        await self.settle()
        return callback

    async def upload(self, who: str, filename: str, data: bytes, mime: str = DOCX) -> Any:
        self.users[who].upload(filename, data, mime)
        await self.settle()
        return self.users[who].last

    async def give_file(self, who: str, label: str, filename: str, data: bytes) -> Any:
        """Hand in a document as a person would: with its Unggah button when the card has
        room for one, else by sending the file and choosing where it belongs."""
        try:
            await self.press(who, f"Unggah {label}")
        except AssertionError:
            answer = await self.upload(who, filename, data)
            if answer.labels:
                await self.press(who, label, answer)
            return self.last(who)
        return await self.upload(who, filename, data)

    def inbox(self, who: str) -> list[Any]:
        return self.users[who].inbox

    def last(self, who: str) -> Any:
        return self.users[who].last

    def card(self, who: str) -> Any:
        """The newest task card in the chat (documents may follow it)."""
        return next(
            m for m in reversed(self.inbox(who)) if m.document is None and "Langkah" in m.text
        )

    def documents(self, who: str) -> list[Any]:
        """The documents the bot sent into the chat, oldest first."""
        return [m for m in self.inbox(who) if m.from_bot and m.document is not None]

    def at(self, iso: str) -> None:
        self.clock.set(datetime.fromisoformat(iso).replace(tzinfo=JAKARTA))


async def open_case(office: TelegramOffice) -> None:
    """The Kabag opens a case through the /baru dialogue."""
    await office.say("kabag", "/baru")
    await office.say("kabag", "Pemerintah Kota Bandung")
    await office.press("kabag", "Pemerintah Daerah lain")
    await office.say("kabag", "Kerja sama pengelolaan sampah")
    await office.say("kabag", "415.4/123-Tapem, 10 Maret 2026")
    await office.say("kabag", "Disposisi No. 005/123-Tapem")


@asynccontextmanager
async def running_office(
    folder: Path, *, with_a_case: bool = False
) -> AsyncIterator[TelegramOffice]:
    """The bot running against the stand-in with every official registered (and, if asked,
    the Kabag's first case opened); stopped afterwards."""
    office = TelegramOffice(folder)
    await office.start()
    try:
        await office.hire()
        if with_a_case:
            await open_case(office)
        yield office
    finally:
        await office.stop()


async def set_meeting(
    office: TelegramOffice,
    place: str = "Ruang Rapat Tapem",
    when: str = "2026-03-04 08:00",  # step 2 is due then: the meeting is not after it
    agenda: str = "Pembahasan rancangan kesepakatan bersama",
) -> None:
    """Step 2's meeting items as the card asks them, one after another: the place, the time
    (the TKKSD are invited and the surat undangan is built), the agenda."""
    await office.press("ketua", "Isi Tempat rapat")
    await office.say("ketua", place)
    await office.say("ketua", when)
    await office.say("ketua", agenda)


async def step_two(office: TelegramOffice) -> None:
    """Step 1 done with a generated disposition; the Ketua Tim has step 2."""
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Buat Lembar disposisi")
    await office.press("kabag", "Selesai")
