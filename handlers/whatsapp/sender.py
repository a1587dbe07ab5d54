"""Sending one outbox message on WhatsApp: the 24-hour window, templates, errors mapped.

Free-form messages may reach a person only within 24 hours of their last message. Outside it
the message is *held* (a row in our database) and an approved template tells the person that
something waits; when they write again the adapter puts every held message back into the
outbox, so the full task follows through the same retries and pacing as any other message.
One notice per wait: a person who has not answered gets at most one template a day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import httpx
from pywa.errors import (
    AccountInMaintenanceMode,
    AuthorizationError,
    GenericError,
    MessageFailedToReachMessagingLimit,
    RateLimitHit,
    ReEngagementMessage,
    ServiceUnavailable,
    SpamRateLimitHit,
    ThrottlingError,
    TooManyMessages,
    UnknownError,
    WhatsAppError,
)
from pywa.types.callback import Button, Section, SectionList, SectionRow
from pywa.types.sent_update import SentMessage
from pywa.types.templates import TemplateLanguage
from pywa_async.client import WhatsApp

from bot.calendar import wall_clock_after
from bot.ports import (
    ChatWindow,
    Clock,
    FileStore,
    HeldMessage,
    Pace,
    SendResult,
    UnitOfWorkFactory,
)
from bot.replies import Reply
from handlers.whatsapp.render import Buttons, Document, Listing, Part, plan, template_values

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
# WhatsApp's customer service window is 24 hours; stop ten minutes early, as clocks differ.
WINDOW_SECONDS = 24 * 3600 - 600
NOTICE_EVERY_SECONDS = 24 * 3600
# Seconds to wait after each throttling error (WhatsApp sends no Retry-After).
_WAIT = {
    RateLimitHit: 5.0,
    TooManyMessages: 6.0,
    SpamRateLimitHit: 3600.0,
    MessageFailedToReachMessagingLimit: 3600.0,
}
_TRANSIENT = (ServiceUnavailable, UnknownError, GenericError, AccountInMaintenanceMode)
# Failures before the request left: nothing can have arrived, so resending is safe.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class TemplateSpec:
    """The approved template sent outside the window, and what fills its body parameters."""

    name: str
    language: TemplateLanguage
    sources: tuple[str, ...]


def window_open(window: ChatWindow, now: datetime) -> bool:
    """Whether a free-form message may be sent now: the person wrote in the last 24 hours,
    and no notice waits for their answer (WhatsApp refused a message as outside the window)."""
    last = window.last_inbound_at
    if last is None or window.notice_sent_at is not None:
        return False
    return now < wall_clock_after(last, seconds=WINDOW_SECONDS)


def needs_notice(window: ChatWindow, now: datetime) -> bool:
    """Whether to send a template: none waits for an answer, or the one that waits is a day old."""
    sent = window.notice_sent_at
    return sent is None or now >= wall_clock_after(sent, seconds=NOTICE_EVERY_SECONDS)


class WhatsAppSender:
    """`ChannelSender` for WhatsApp: documents, text (split at 4096), buttons or lists."""

    def __init__(
        self,
        wa: WhatsApp,
        files: FileStore,
        uow: UnitOfWorkFactory,
        clock: Clock,
        template: TemplateSpec,
    ) -> None:
        self.wa = wa
        self.files = files
        self.uow = uow
        self.clock = clock
        self.template = template

    async def send(
        self,
        recipient: str,
        reply: Reply,
        key: str,
        pace: Pace | None = None,
        edit_ref: str | None = None,
    ) -> SendResult:
        """Deliver a queued reply, or hold it behind a template when the window is closed.

        WhatsApp cannot edit a message: an edit (`edit_ref`) comes as a new message, and a
        reply that only changes an earlier message is not sent.
        """
        if reply.edit_only:
            return SendResult(True)
        try:
            async with self.uow() as uow:
                window = await uow.windows.get(CHANNEL, recipient)
            if not window_open(window, self.clock.now()):
                return await self._hold(recipient, reply, key, pace)
            try:
                message_id = await self.deliver(recipient, reply, pace)
            except ReEngagementMessage:  # WhatsApp counts the window differently: ask first
                logger.info("window closed for outbox message %s; sending the template", key)
                return await self._hold(recipient, reply, key, pace)
        except WhatsAppError as error:
            return result_of(error)
        except httpx.HTTPError as error:
            return _network_result(error, key)
        return SendResult(True, message_id=message_id)

    async def deliver(self, to: str, reply: Reply, pace: Pace | None = None) -> str | None:
        """Send a reply's parts within the window; the last message's id."""
        message_id = None
        for part in plan(reply):
            if pace is not None:
                await pace()
            message_id = await self._send_part(to, part)
        return message_id

    async def _send_part(self, to: str, part: Part) -> str:
        sent: SentMessage
        if isinstance(part, Document):
            media = await self.wa.upload_media(
                media=self.files.read(part.file.sha256),
                mime_type=part.file.media_type,
                filename=part.file.filename,
            )
            sent = await self.wa.send_document(
                to, media, filename=part.file.filename, caption=part.caption or None
            )
        elif isinstance(part, Buttons):
            sent = await self.wa.send_message(to, part.text, buttons=buttons_of(part))
        elif isinstance(part, Listing):
            sent = await self.wa.send_message(to, part.text, buttons=section_list_of(part))
        else:
            sent = await self.wa.send_message(to, part.text)
        return str(sent.id)

    async def _hold(self, to: str, reply: Reply, key: str, pace: Pace | None) -> SendResult:
        """Keep the message for when the window opens; send the template if none waits."""
        now = self.clock.now()
        async with self.uow() as uow:
            await uow.windows.hold(CHANNEL, to, HeldMessage(key, reply), now)
            window = await uow.windows.get(CHANNEL, to)
            person = await uow.people.by_identity(CHANNEL, to)
            await uow.commit()
        if not needs_notice(window, now):
            return SendResult(True)  # an earlier notice still waits for the person's answer
        if pace is not None:
            await pace()
        name = person.name if person is not None else ""
        values = template_values(reply, list(self.template.sources), recipient=name)
        params = [{"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}]
        sent = await self.wa.send_template(
            to, self.template.name, self.template.language, params if values else None
        )
        async with self.uow() as uow:
            await uow.windows.noticed(CHANNEL, to, now)
            await uow.commit()
        return SendResult(True, message_id=str(sent.id))


def buttons_of(part: Buttons) -> list[Button]:
    """pywa reply buttons for a planned message."""
    return [Button(title=title, callback_data=action) for title, action in part.buttons]


def section_list_of(part: Listing) -> SectionList:
    """A pywa section list for a planned message."""
    rows = [SectionRow(r.title, r.id, r.description) for r in part.rows]
    return SectionList(button_title=part.button, sections=[Section(part.section, rows)])


def result_of(error: WhatsAppError) -> SendResult:
    """A platform error as a neutral result: wait, try again later, or give up."""
    text = f"{error.code}: {error.message}"
    if isinstance(error, ThrottlingError):
        return SendResult(False, retry_after=_WAIT.get(type(error), 60.0), error=text)
    status = error.status_code or 0
    if isinstance(error, (AuthorizationError, *_TRANSIENT)) or error.is_transient or status >= 500:
        # A bad token or Meta's outage is fixed on their side or by the operator: keep trying.
        return SendResult(False, error=text)
    return SendResult(False, permanent=True, error=text)


def _network_result(error: httpx.HTTPError, key: str) -> SendResult:
    if isinstance(error, _NOT_SENT):
        return SendResult(False, error=repr(error))
    # The request went out and its answer was lost: it may have arrived.
    logger.warning("WhatsApp's answer to %s was lost", key)
    return SendResult(False, unknown=True, error=repr(error))
