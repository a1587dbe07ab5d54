"""Officials on WhatsApp beside officials on Telegram, one bot, one database.

The Telegram side is `TelegramOffice` (the real PTB Application against the Bot API stand-in);
the WhatsApp side is the real pywa client against the Graph API stand-in, its webhook the real
Starlette app, reached through httpx's ASGI transport with signed POSTs. Both channels share the
core and one outbox drainer, as in `sopbot run`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from bot.config import Settings
from bot.workflow import commands as c
from handlers.whatsapp.standin import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_ID,
    VERIFY_TOKEN,
    GraphStandIn,
    Sent,
    WaUser,
    sign,
)
from tests.deciding import Deciding
from tests.office import Office
from tests.telegram_office import CAST, DOCX, TelegramOffice

WEBHOOK = "/whatsapp"

WA_CAST: dict[str, tuple[str, str, str]] = {
    "sekda": ("6281100000003", "sekda", "Dr. Hendra Wijaya, M.M."),
    "kabag": ("6281100000001", "kabag", "Drs. Budi Santoso, M.Si."),
    "ketua": ("6281100000002", "ketua_tim", "Siti Rahmawati, S.H."),
    "walikota": ("6281100000004", "walikota", "H. Sachrudin"),
}


def whatsapp_settings(base: Settings, **changes: Any) -> Settings:
    """The Telegram office's settings with WhatsApp configured against the fake."""
    values: dict[str, Any] = {
        "whatsapp_phone_id": PHONE_ID,
        "whatsapp_token": SecretStr(ACCESS_TOKEN),
        "whatsapp_app_secret": SecretStr(APP_SECRET),
        "whatsapp_verify_token": SecretStr(VERIFY_TOKEN),
        "whatsapp_template_params": "recipient,ref",
    }
    return base.model_copy(update={**values, **changes})


@dataclass
class WhatsAppOffice(Deciding):
    """`telegram` prepares; `wa_users` answer on WhatsApp. `start()` and `stop()` the bot."""

    data_dir: Path
    telegram: TelegramOffice = field(init=False)
    wa_users: dict[str, WaUser] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)  # further settings (SOP files…)

    def __post_init__(self) -> None:
        self.telegram = TelegramOffice(self.data_dir)
        self.graph = GraphStandIn(clock=self.telegram.clock.now)

    @property
    def clock(self) -> Any:
        return self.telegram.clock

    async def start(self, on_telegram: tuple[str, ...] = ("kabag", "ketua", "walikota", "tkksd")):
        """Start both channels; the Telegram officials named register there."""
        self.session = httpx.AsyncClient(transport=self.graph.transport)
        # One bot for both channels: one inbox worker, one outbox sender.
        await self.telegram.start(settings=self.settings(), whatsapp_session=self.session)
        webhook = self.telegram.service.webhooks["whatsapp"]
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=webhook), base_url="http://bot"
        )
        for key in on_telegram:
            await self.hire_on_telegram(key)

    async def hire_on_telegram(self, key: str, nip: str | None = None) -> None:
        """`key` of the Telegram cast redeems an invite there with /start CODE."""
        user_id, role, name = CAST[key]
        code, _ = await self.telegram.app.admin.create_invite(role, name, nip)
        user = self.telegram.standin.user(user_id, name.split()[0])
        user.send(f"/start {code}")
        self.telegram.users[key] = user
        await self.telegram.settle()

    def settings(self) -> Settings:
        return whatsapp_settings(self.telegram.settings(), **self.changes)

    async def stop(self) -> None:
        await self.client.aclose()
        await self.session.aclose()
        await self.telegram.stop()

    async def register(self, who: str, nip: str | None = None) -> Sent:
        """`who` redeems an invite on WhatsApp with "daftar KODE"."""
        wa_id, role, name = WA_CAST[who]
        code, _ = await self.telegram.app.admin.create_invite(role, name, nip)
        self.wa_users[who] = WaUser(wa_id, name.split()[0])
        return await self.say(who, f"daftar {code}")

    async def post(
        self, payload: dict[str, Any], signature: str | None = "sign"
    ) -> httpx.Response:
        """POST an update to the webhook, signed with the app secret unless told otherwise."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Hub-Signature-256"] = sign(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        response = await self.client.post(WEBHOOK, content=body, headers=headers)
        await self.telegram.settle()
        return response

    async def send(self, who: str, payload: dict[str, Any]) -> httpx.Response:
        """The user's message reaches WhatsApp (their window opens) and then the bot."""
        user = self.wa_users[who]
        self.graph.last_inbound[user.bsuid] = self.clock.now()
        response = await self.post(payload)
        assert response.status_code == 200, response.text
        return response

    async def say(self, who: str, text: str) -> Sent:
        await self.send(who, self.wa_users[who].text(text, self.clock.now()))
        return self.last(who)

    async def press(self, who: str, label: str, message: Sent | None = None) -> Sent:
        """Tap the reply button or list row whose title (or description) contains `label`."""
        message = message or self.with_choice(who, label)
        title, data, _ = next(c for c in message.choices if label in c[0] or label in c[2])
        user, now = self.wa_users[who], self.clock.now()
        if message.is_list:
            payload = user.selection(title, data, message.id, now)
        else:
            payload = user.button(title, data, message.id, now)
        await self.send(who, payload)
        return self.last(who)

    async def upload(self, who: str, filename: str, data: bytes, mime: str = DOCX) -> Sent:
        media_id = self.graph.put_media(data, mime, filename)
        await self.send(
            who, self.wa_users[who].document(media_id, filename, mime, self.clock.now())
        )
        return self.last(who)

    def inbox(self, who: str) -> list[Sent]:
        return self.graph.to(self.wa_users[who])

    def last(self, who: str) -> Sent:
        return self.inbox(who)[-1]

    def with_choice(self, who: str, label: str) -> Sent:
        """The newest message to `who` offering a choice that contains `label`."""
        for message in reversed(self.inbox(who)):
            if any(label in title or label in desc for title, _, desc in message.choices):
                return message
        raise AssertionError(f"no message to {who} offers {label!r}")

    async def prepare(self) -> None:
        """Steps 1 to 4 through the services (quicker than by chat), done by the Telegram
        officials; the Kabag's step 5 (Sampaikan) waits. `submit()` presses it."""
        ids = {}
        async with self.telegram.app.uow() as uow:
            for key in ("kabag", "ketua"):
                person = await uow.people.by_identity("telegram", str(CAST[key][0]))
                assert person is not None, f"{key} is not registered on Telegram"
                ids[key] = person.id
        app = self.telegram.app
        self.walk = Office(app.uow, app.files, clock=self.clock, sop=app.sop, ids=ids)
        self.case = await self.walk.open()
        await self.walk.assign_and_dispose(self.case)
        await self.walk.prepare(self.case, meeting="2026-03-04 08:00")  # step 2 due 08:00
        self.telegram.at("2026-03-04T10:30")
        await self.walk.meet_and_draft(self.case)
        await self.drain()

    async def submit(self) -> None:
        """The Kabag's Sampaikan (step 5): the draft goes to the Sekda."""
        await self.walk.act("kabag", c.Submit, self.case, "penyampaian")
        await self.drain()

    async def drain(self) -> None:
        """Send what the services queued, as the running bot's sender does."""
        self.telegram.runtime.delivery.wake()
        await self.telegram.settle()
