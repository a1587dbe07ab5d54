"""The Bot API stand-in, driven by python-telegram-bot's real Bot and Application."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from handlers.telegram.standin import SECRET_HEADER, RateLimits, StandIn, WebhookDelivery

TOKEN = "123:TEST"
BASE_URL = "http://standin/bot"
BASE_FILE_URL = "http://standin/file/bot"
MENU = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Setujui", callback_data="ap:1")],
     [InlineKeyboardButton("Kembalikan", callback_data="rt:1")]]
)  # fmt: skip


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class EchoBot:
    app: Application
    seen_update_ids: list[int] = field(default_factory=list)


def ptb_request(standin: StandIn) -> HTTPXRequest:
    return HTTPXRequest(httpx_kwargs={"transport": standin.transport})


def build_app(standin: StandIn) -> Application:
    return (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(BASE_URL)
        .base_file_url(BASE_FILE_URL)
        .request(ptb_request(standin))
        .get_updates_request(ptb_request(standin))
        .build()
    )


@asynccontextmanager
async def open_bot(standin: StandIn) -> AsyncIterator[Bot]:
    bot = Bot(
        TOKEN,
        base_url=BASE_URL,
        base_file_url=BASE_FILE_URL,
        request=ptb_request(standin),
        get_updates_request=ptb_request(standin),
    )
    async with bot:
        yield bot


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("Pilih tindakan:", reply_markup=MENU)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"Diterima: {query.data}")
    await query.edit_message_text(f"Pilihan: {query.data}")


async def hashes_in_a_thread_then_replies(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> None:
    assert update.message is not None
    digest = await asyncio.to_thread(hashlib.pbkdf2_hmac, "sha256", b"kb", b"salt", 100_000)
    await update.message.reply_text(digest.hex()[:8])


def add_echo_handlers(app: Application, seen: list[int]) -> None:
    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)

    app.add_handler(TypeHandler(Update, record), group=-1)  # sees every update first
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("hash", hashes_in_a_thread_then_replies))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_button))


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    stand_in = StandIn()
    yield stand_in
    await stand_in.aclose()


@pytest.fixture
async def bot(standin: StandIn) -> AsyncIterator[Bot]:
    async with open_bot(standin) as opened:
        yield opened


@pytest.fixture
async def echo_bot(standin: StandIn) -> AsyncIterator[EchoBot]:
    app = build_app(standin)
    harness = EchoBot(app)
    add_echo_handlers(app, harness.seen_update_ids)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0)
    standin.attach(app)
    yield harness
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


# -- a running Application -------------------------------------------------------------


async def test_a_text_message_comes_back_from_an_echo_application(standin, echo_bot):
    ani = standin.user(1001, "Ani", "Lestari")

    ani.send("Selamat pagi")
    await standin.settle()

    assert [m.text for m in ani.inbox] == ["Selamat pagi"]


async def test_a_pressed_button_reaches_the_callback_handler_and_its_answer_is_recorded(
    standin, echo_bot
):
    ani = standin.user(1001, "Ani")
    ani.send("/menu")
    await standin.settle()

    press = ani.press("Setujui")
    await standin.settle()

    assert press.answered and ani.toasts == ["Diterima: ap:1"]
    assert ani.last.text == "Pilihan: ap:1"


async def test_a_redelivered_update_reaches_the_handlers_twice_with_the_same_update_id(
    standin, echo_bot
):
    ani = standin.user(1001, "Ani")
    update_id = ani.send("Halo").update_id
    await standin.settle()

    assert update_id is not None
    standin.redeliver(update_id)
    await standin.settle()

    assert echo_bot.seen_update_ids == [update_id, update_id]
    assert [m.text for m in ani.inbox] == ["Halo", "Halo"]


async def test_settle_waits_for_a_handler_that_awaits_work_in_a_thread(standin, echo_bot):
    ani = standin.user(1001, "Ani")

    ani.send("/hash")
    await standin.settle()

    assert len(ani.inbox) == 1


async def test_settle_reports_pending_updates_when_no_bot_is_polling(standin):
    standin.user(1001, "Ani").send("Halo")

    with pytest.raises(TimeoutError, match=r"pending updates: \[1\]"):
        await standin.settle(max_wait=0)


# -- messages, keyboards, edits --------------------------------------------------------


async def test_editing_the_text_without_reply_markup_removes_the_inline_keyboard(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    sent = await bot.send_message(ani.id, "Pilih tindakan:", reply_markup=MENU)

    await bot.edit_message_text("Sudah diproses.", chat_id=ani.id, message_id=sent.message_id)

    assert ani.last.buttons == [] and ani.last.text == "Sudah diproses."
    assert ani.last.history[0].buttons == [[("Setujui", "ap:1")], [("Kembalikan", "rt:1")]]


async def test_an_edit_to_the_same_text_and_keyboard_raises_message_is_not_modified(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    sent = await bot.send_message(ani.id, "Pilih tindakan:", reply_markup=MENU)

    with pytest.raises(BadRequest, match="Message is not modified: specified new message"):
        await sent.edit_text("Pilih tindakan:", reply_markup=MENU)


async def test_editing_an_unknown_message_raises_message_to_edit_not_found(standin, bot):
    ani = standin.user(1001, "Ani", started=True)

    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=ani.id, message_id=999)


async def test_a_text_longer_than_4096_characters_raises_message_is_too_long(standin, bot):
    ani = standin.user(1001, "Ani", started=True)

    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ani.id, "a" * 4097)


async def test_a_whitespace_text_raises_message_text_is_empty(standin, bot):
    ani = standin.user(1001, "Ani", started=True)

    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ani.id, " \n ")


async def test_callback_data_of_65_bytes_raises_button_data_invalid(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Setujui", callback_data="x" * 65)]])

    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(ani.id, "Pilih:", reply_markup=keyboard)


async def test_html_markup_reaches_the_user_as_plain_text_with_entities(standin, bot):
    ani = standin.user(1001, "Ani", started=True)

    await bot.send_message(ani.id, "<b>KB-1</b> &amp; lampiran", parse_mode=ParseMode.HTML)

    assert ani.last.text == "KB-1 & lampiran"
    assert ani.last.entities == [{"type": "bold", "offset": 0, "length": 4}]


async def test_unbalanced_html_raises_cant_parse_entities(standin, bot):
    ani = standin.user(1001, "Ani", started=True)

    with pytest.raises(BadRequest, match="Can't parse entities: can't find end tag"):
        await bot.send_message(ani.id, "<b>KB-1 belum ditutup", parse_mode=ParseMode.HTML)


async def test_an_unescaped_dot_in_markdown_v2_raises_cant_parse_entities(standin, bot):
    ani = standin.user(1001, "Ani", started=True)

    with pytest.raises(BadRequest, match=r"character '\.' is reserved"):
        await bot.send_message(ani.id, "Tugas selesai.", parse_mode=ParseMode.MARKDOWN_V2)


async def test_pressing_a_missing_button_fails_listing_the_buttons_there_are(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    await bot.send_message(ani.id, "Pilih tindakan:", reply_markup=MENU)

    with pytest.raises(AssertionError, match=r"'Lewati'.*\['Setujui', 'Kembalikan'\]"):
        ani.press("Lewati")


# -- chats -----------------------------------------------------------------------------


async def test_sending_to_a_user_who_blocked_the_bot_raises_forbidden(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    ani.block()

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ani.id, "Pengingat tugas")


async def test_writing_first_to_a_user_who_never_started_the_bot_raises_forbidden(standin, bot):
    ani = standin.user(1001, "Ani")

    with pytest.raises(Forbidden, match="bot can't initiate conversation"):
        await bot.send_message(ani.id, "Halo")


async def test_sending_to_an_unknown_chat_raises_chat_not_found(bot):
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "Halo")


# -- files -----------------------------------------------------------------------------


async def test_a_document_the_user_uploaded_downloads_with_the_same_bytes(standin, bot):
    ani = standin.user(1001, "Ani")
    data = bytes(range(256)) * 40 + b"\r\n--boundary\r\n"
    upload = ani.upload("notulen.pdf", data, "application/pdf")
    assert upload.document is not None

    file = await bot.get_file(upload.document.file_id)
    buffer = io.BytesIO()
    await file.download_to_memory(buffer)

    assert buffer.getvalue() == data


async def test_get_file_of_a_file_over_20_mb_raises_file_is_too_big(standin, bot):
    ani = standin.user(1001, "Ani")
    upload = ani.upload("scan.pdf", b"\0" * (20 * 1024 * 1024 + 1), "application/pdf")
    assert upload.document is not None

    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(upload.document.file_id)


async def test_a_document_the_bot_uploads_arrives_with_its_filename_and_bytes(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    data = b"PK\x03\x04 rancangan \r\n\r\n"

    await bot.send_document(ani.id, InputFile(data, filename="rancangan KB.docx"), caption="KB")

    document = ani.last.document
    assert document is not None and (document.filename, document.data) == (
        "rancangan KB.docx",
        data,
    )


# -- flood control and failures --------------------------------------------------------


async def test_a_second_message_to_one_chat_within_a_second_raises_retry_after(monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    standin = StandIn(rate_limits=RateLimits(), clock=FakeClock())
    ani = standin.user(1001, "Ani", started=True)
    async with open_bot(standin) as bot:
        await bot.send_message(ani.id, "Satu")

        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(ani.id, "Dua")

    assert raised.value.retry_after == timedelta(seconds=1)
    assert standin.rate_limited == 1


async def test_a_chat_may_be_written_to_again_once_the_clock_moved_a_second():
    clock = FakeClock()
    standin = StandIn(rate_limits=RateLimits(), clock=clock)
    ani = standin.user(1001, "Ani", started=True)
    async with open_bot(standin) as bot:
        await bot.send_message(ani.id, "Satu")
        clock.now += 1.0

        await bot.send_message(ani.id, "Dua")

    assert [m.text for m in ani.inbox] == ["Satu", "Dua"] and standin.rate_limited == 0


async def test_an_injected_connect_error_surfaces_as_network_error_and_sends_nothing(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    standin.fail_next("sendMessage", error="connect")

    with pytest.raises(NetworkError, match="ConnectError"):
        await bot.send_message(ani.id, "Halo")

    assert ani.inbox == []


async def test_a_send_that_timed_out_after_taking_effect_still_reaches_the_user(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    standin.fail_next("sendMessage", error="timeout", delivered=True)

    with pytest.raises(TimedOut):
        await bot.send_message(ani.id, "Halo")

    assert [m.text for m in ani.inbox] == ["Halo"]


async def test_an_injected_bad_gateway_answers_the_next_call_only(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    standin.fail_next("sendMessage", status=502)

    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(ani.id, "Satu")
    await bot.send_message(ani.id, "Dua")

    assert [m.text for m in ani.inbox] == ["Dua"]


# -- the API surface -------------------------------------------------------------------


async def test_an_unknown_method_answers_404_not_found(standin):
    async with httpx.AsyncClient(transport=standin.transport) as client:
        response = await client.post(f"{BASE_URL}{TOKEN}/sendTelepathy", json={})

    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_get_updates_forgets_updates_below_the_offset(standin, bot):
    ani = standin.user(1001, "Ani")
    first, second = ani.send("satu").update_id, ani.send("dua").update_id
    assert first is not None and second is not None

    await bot.get_updates(offset=second)

    assert standin.pending_updates == [second]


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(standin, bot):
    ani = standin.user(1001, "Ani")
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await standin.wait_for(lambda: standin.api.polling == 1)

    ani.send("Halo")
    updates = await asyncio.wait_for(poll, 5)

    assert [u.message.text for u in updates if u.message] == ["Halo"]


async def test_get_updates_while_a_webhook_is_set_raises_conflict(standin, bot):
    await bot.set_webhook("http://127.0.0.1:9/hook")

    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()


async def test_the_served_api_answers_get_me_over_a_loopback_socket(standin):
    port = await standin.serve()
    request = HTTPXRequest()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)

    async with bot:
        me = await bot.get_me()

    assert me.is_bot and me.username == "sopbot_standin_bot"


# -- webhooks --------------------------------------------------------------------------


async def test_webhook_delivery_posts_the_update_with_the_secret_token_header():
    received: list[httpx.Request] = []

    def webhook(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    standin = StandIn(webhook_transport=httpx.MockTransport(webhook))
    async with open_bot(standin) as bot:
        await bot.set_webhook("https://sopbot.example/hook", secret_token="rahasia-123")
    update_id = standin.user(1001, "Ani").send("Halo").update_id

    await standin.settle()

    assert [r.headers[SECRET_HEADER] for r in received] == ["rahasia-123"]
    assert json.loads(received[0].content)["message"]["text"] == "Halo"
    assert standin.webhook_deliveries == [WebhookDelivery(update_id or 0, 200)]
    await standin.aclose()


async def test_an_application_in_webhook_mode_answers_an_update_posted_over_loopback(standin):
    app = build_app(standin)
    add_echo_handlers(app, [])
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        unix=listener,  # PTB serves any listening socket given here, TCP included
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="rahasia-123",
    )
    standin.attach(app)
    ani = standin.user(1001, "Ani")

    ani.send("Halo lewat webhook")
    await standin.settle()

    assert [m.text for m in ani.inbox] == ["Halo lewat webhook"]
    assert [d.status for d in standin.webhook_deliveries] == [200]
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


# -- more of what users see ------------------------------------------------------------


async def test_an_answer_with_show_alert_is_recorded_as_an_alert(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    await bot.send_message(ani.id, "Pilih tindakan:", reply_markup=MENU)
    press = ani.press("Kembalikan")

    await bot.answer_callback_query(press.id, "Tugas ini sudah diproses.", show_alert=True)

    assert ani.alerts == ["Tugas ini sudah diproses."] and ani.toasts == []


async def test_a_deleted_message_leaves_the_inbox_but_stays_in_the_record(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    sent = await bot.send_message(ani.id, "Sementara")

    await bot.delete_message(ani.id, sent.message_id)

    assert ani.inbox == [] and [m.deleted for m in standin.sent_to(ani.id)] == [True]


async def test_a_photo_from_the_user_reaches_the_bot_as_photo_sizes(standin, bot):
    ani = standin.user(1001, "Ani")
    ani.send_photo(b"\x89PNG\r\n\x1a\n" + b"\0" * 8 + (640).to_bytes(4, "big") * 2)

    updates = await bot.get_updates()

    photo = updates[0].message.photo if updates[0].message else ()
    assert [(p.width, p.height) for p in photo] == [(640, 640)]


async def test_blocking_the_bot_sends_a_my_chat_member_update_with_status_kicked(standin, bot):
    ani = standin.user(1001, "Ani", started=True)
    ani.block()

    updates = await bot.get_updates()

    member = updates[0].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"


async def test_a_document_can_be_sent_again_by_its_file_id(standin, bot):
    ani = standin.user(1001, "Ani")
    upload = ani.upload("notulen.pdf", b"%PDF-1.7", "application/pdf")
    assert upload.document is not None

    await bot.send_document(ani.id, upload.document.file_id)

    assert ani.last.document == upload.document
