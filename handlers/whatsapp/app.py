"""Building the WhatsApp channel: pywa client, handlers registered here in order, the webhook."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from pywa.types.templates import TemplateLanguage
from pywa_async.client import WhatsApp
from pywa_async.handlers import CallbackButtonHandler, CallbackSelectionHandler, MessageHandler

from bot.chat.core import ChatCore
from bot.config import Settings, template_params
from bot.preflight import check_whatsapp
from bot.startup import StartupError
from handlers.whatsapp.adapter import WhatsAppAdapter
from handlers.whatsapp.sender import CHANNEL, TemplateSpec, WhatsAppSender
from handlers.whatsapp.webhook import Webhook

# Short and bounded: a slow Graph API holds up one chat's sending, never the others.
API_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass
class WhatsAppChannel:
    """Everything the runtime needs of WhatsApp."""

    wa: WhatsApp
    adapter: WhatsAppAdapter
    sender: WhatsAppSender
    webhook: Webhook
    session: httpx.AsyncClient
    name: str = CHANNEL

    async def close(self) -> None:
        """Close the Graph API connections."""
        await self.session.aclose()


def build_whatsapp(
    core: ChatCore, settings: Settings, *, session: httpx.AsyncClient | None = None
) -> WhatsAppChannel:
    """The pywa client with our adapter's bound methods as handlers, and the webhook's checks.

    Refuses to start without the app secret: pywa would silently stop checking signatures.
    """
    check_whatsapp(settings)
    secret, verify = settings.whatsapp_app_secret, settings.whatsapp_verify_token
    assert secret is not None and verify is not None
    session = session or httpx.AsyncClient(timeout=API_TIMEOUT)
    wa = whatsapp_client(settings, session)
    sender = WhatsAppSender(wa, core.files, core.uow, core.clock, template_spec(settings))
    adapter = WhatsAppAdapter(core, wa)
    # pywa picks one handler type per update; the order only says what the bot answers.
    # Button presses and list choices first: they carry the core's action data, never text.
    # (pywa_async re-exports the sync handler classes, whose hints name the sync client.)
    wa.add_handlers(
        CallbackButtonHandler(adapter.on_button),  # type: ignore[arg-type]
        CallbackSelectionHandler(adapter.on_selection),  # type: ignore[arg-type]
        MessageHandler(adapter.on_message),  # type: ignore[arg-type]
    )
    webhook = Webhook(
        phone_id=str(settings.whatsapp_phone_id),
        app_secret=secret.get_secret_value(),
        verify_token=verify.get_secret_value(),
    )
    return WhatsAppChannel(wa, adapter, sender, webhook, session)


def whatsapp_client(settings: Settings, session: httpx.AsyncClient | None = None) -> WhatsApp:
    """The pywa client for the configured number (with the app secret when there is one)."""
    if not settings.whatsapp_enabled or settings.whatsapp_token is None:
        raise ValueError("WhatsApp needs WHATSAPP_PHONE_ID and WHATSAPP_TOKEN")
    secret, verify = settings.whatsapp_app_secret, settings.whatsapp_verify_token
    session = session or httpx.AsyncClient(timeout=API_TIMEOUT)
    wa = WhatsApp(
        phone_id=settings.whatsapp_phone_id,
        token=settings.whatsapp_token.get_secret_value(),
        session=session,
        app_id=settings.whatsapp_app_id,
        app_secret=secret.get_secret_value() if secret else None,
        verify_token=verify.get_secret_value() if verify else None,
        validate_updates=True,
        skip_duplicate_updates=False,  # our inbox table de-duplicates, across restarts too
    )
    session.base_url = graph_base_url(settings.whatsapp_graph_url, session.base_url)
    return wa


def graph_base_url(graph_url: str, pywa_base: httpx.URL) -> str:
    """WHATSAPP_GRAPH_URL with the version path pywa chose (`/v26.0/`).

    pywa's constructor points its session at https://graph.facebook.com/v{version}, fixed.
    """
    return f"{graph_url.rstrip('/')}{pywa_base.path}"


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
