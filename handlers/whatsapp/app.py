"""Building the WhatsApp channel: pywa client, handlers registered here in order, webhook app."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from pywa.types.templates import TemplateLanguage
from pywa_async.client import WhatsApp
from pywa_async.handlers import CallbackButtonHandler, CallbackSelectionHandler, MessageHandler
from starlette.applications import Starlette

from bot.chat.core import ChatCore
from bot.config import Settings, template_params
from bot.delivery import Delivery
from bot.pacing import Pacer, SendLimits
from bot.preflight import check_whatsapp
from bot.startup import StartupError
from handlers.whatsapp.adapter import WhatsAppAdapter
from handlers.whatsapp.sender import CHANNEL, TemplateSpec, WhatsAppSender
from handlers.whatsapp.webhook import Webhook, starlette_app

API_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass
class WhatsAppChannel:
    """Everything `sopbot run` needs to serve WhatsApp."""

    wa: WhatsApp
    app: Starlette
    adapter: WhatsAppAdapter
    sender: WhatsAppSender
    delivery: Delivery
    webhook: Webhook
    session: httpx.AsyncClient

    async def close(self) -> None:
        """Close the Graph API connections."""
        await self.session.aclose()


def build_whatsapp(
    core: ChatCore,
    settings: Settings,
    *,
    session: httpx.AsyncClient | None = None,
    delivery: Delivery | None = None,
    rate_limit: bool = True,
) -> WhatsAppChannel:
    """The pywa client with our adapter's bound methods as handlers, and the webhook app.

    Refuses to start without the app secret: pywa would silently stop checking signatures.
    `delivery` is shared with the other channels (its sender is added to it), so one drain
    routes each message to the person's preferred channel; `rate_limit` is for a delivery of
    its own (tests without limits pass False).
    """
    check_whatsapp(settings)
    secret, verify = settings.whatsapp_app_secret, settings.whatsapp_verify_token
    assert secret is not None and verify is not None
    session = session or httpx.AsyncClient(timeout=API_TIMEOUT)
    wa = whatsapp_client(settings, session)
    sender = WhatsAppSender(wa, core.files, core.uow, core.clock, template_spec(settings))
    if delivery is None:
        delivery = channel_delivery(core, settings, rate_limit=rate_limit)
    delivery.senders[CHANNEL] = sender
    adapter = WhatsAppAdapter(core, delivery, sender)
    # pywa picks one handler type per update; the order only says what the bot answers.
    # Button presses and list choices first: they carry the core's action data, never text.
    # (pywa_async re-exports the sync handler classes, whose hints name the sync client.)
    wa.add_handlers(
        CallbackButtonHandler(adapter.on_button),  # type: ignore[arg-type]
        CallbackSelectionHandler(adapter.on_selection),  # type: ignore[arg-type]
        MessageHandler(adapter.on_message),  # type: ignore[arg-type]
    )
    webhook = Webhook(
        wa,
        core.uow,
        core.clock,
        phone_id=str(settings.whatsapp_phone_id),
        app_secret=secret.get_secret_value(),
        verify_token=verify.get_secret_value(),
    )
    app = starlette_app(webhook, settings.whatsapp_webhook_path)
    return WhatsAppChannel(wa, app, adapter, sender, delivery, webhook, session)


def whatsapp_client(settings: Settings, session: httpx.AsyncClient | None = None) -> WhatsApp:
    """The pywa client for the configured number (with the app secret when there is one)."""
    if not settings.whatsapp_enabled or settings.whatsapp_token is None:
        raise ValueError("WhatsApp needs WHATSAPP_PHONE_ID and WHATSAPP_TOKEN")
    secret, verify = settings.whatsapp_app_secret, settings.whatsapp_verify_token
    return WhatsApp(
        phone_id=settings.whatsapp_phone_id,
        token=settings.whatsapp_token.get_secret_value(),
        session=session or httpx.AsyncClient(timeout=API_TIMEOUT),
        app_id=settings.whatsapp_app_id,
        app_secret=secret.get_secret_value() if secret else None,
        verify_token=verify.get_secret_value() if verify else None,
        validate_updates=True,
        skip_duplicate_updates=False,  # our inbox table de-duplicates, across restarts too
    )


def channel_delivery(core: ChatCore, settings: Settings, *, rate_limit: bool = True) -> Delivery:
    """An outbox drainer of its own, when WhatsApp runs alone (tests without limits: False)."""
    pacer = None
    if rate_limit:
        per_chat = settings.sopbot_send_chat_seconds
        pacer = Pacer(SendLimits(settings.sopbot_send_per_second, 1.0, per_chat))
    alert = core.sop.notices.delivery_failed
    return Delivery(core.uow, core.clock, {}, pacer=pacer, alert_roles=alert)


def template_spec(settings: Settings) -> TemplateSpec:
    """The configured template (an unknown language code is refused at start)."""
    code = settings.whatsapp_template_language
    known = {member.value: member for member in TemplateLanguage}
    if code not in known:  # pywa's own lookup raises TypeError on an unknown code
        raise StartupError(
            "WHATSAPP_TEMPLATE_LANGUAGE",
            "startup.whatsapp_language",
            "startup.whatsapp_language_fix",
            code=code,
        )
    language = known[code]
    sources = tuple(template_params(settings.whatsapp_template_params))
    return TemplateSpec(settings.whatsapp_template_name, language, sources)
