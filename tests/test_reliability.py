"""Nothing lost, nothing doubled, in the running bot: failed sends, slow chats, the webhook's
answer after the commit, updates stored before a crash. (The real process killed: test_crash.)"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot import bootstrap
from bot.inbox import Received
from handlers.whatsapp.standin import GraphStandIn, WaUser, sign
from storage.db import SQLITE_FILENAME
from tests.telegram_office import CAST, TelegramOffice
from tests.whatsapp_office import WEBHOOK, WhatsAppOffice, whatsapp_settings

KETUA, KABAG = CAST["ketua"][0], CAST["kabag"][0]
# PTB warns about its own RetryAfter.retry_after type while building the 429 error.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


async def later(office: TelegramOffice, seconds: float) -> None:
    """Move the clock on and let the bot's sender look at what became due."""
    office.clock.set(office.clock.now() + timedelta(seconds=seconds))
    office.runtime.delivery.wake()
    await office.settle()


def texts(office: TelegramOffice, who: str) -> list[str]:
    return [m.text for m in office.inbox(who)]


async def test_a_reply_whose_send_failed_is_delivered_later_and_no_one_is_told_to_resend(
    office,
):
    office.standin.fail_next("sendMessage", error="connect", chat_id=KETUA)
    before = len(office.inbox("ketua"))

    await office.say("ketua", "/tugas")
    unsent = texts(office, "ketua")[before:]
    await later(office, 10)

    answers = texts(office, "ketua")[before:]
    assert unsent == []
    assert len(answers) == 1 and "tugas" in answers[0].lower()
    assert not any("belum tersimpan" in text for text in texts(office, "ketua"))


async def test_a_reply_whose_answer_was_lost_arrives_and_no_one_hears_of_a_failure(office):
    office.standin.fail_next("sendMessage", error="timeout", delivered=True, chat_id=KETUA)
    before = {who: len(office.inbox(who)) for who in CAST}

    await office.say("ketua", "/tugas")
    await later(office, 10)

    new = {who: texts(office, who)[before[who] :] for who in CAST}
    assert len(new["ketua"]) == 2  # it had arrived, unknown to the bot: sent once more
    assert all("tugas" in text.lower() for text in new["ketua"])
    assert not any("belum tersimpan" in text for text in new["ketua"])
    assert not any("Kendala sistem" in text for who in CAST for text in new[who])


async def test_a_429_on_one_chat_holds_that_chat_only(office):
    office.standin.fail_next("sendMessage", status=429, retry_after=10, chat_id=KETUA)
    ketua, kabag = len(office.inbox("ketua")), len(office.inbox("kabag"))

    office.users["ketua"].send("/sop")
    office.users["kabag"].send("/sop")
    await office.settle()
    held = (len(office.inbox("ketua")) - ketua, len(office.inbox("kabag")) - kabag)
    await later(office, 11)

    assert held == (0, 1)
    assert len(office.inbox("ketua")) - ketua == 1


async def test_a_chat_that_answers_slowly_holds_up_no_other_chat(office):
    office.standin.stall(KETUA, 1.0)
    ketua, kabag = len(office.inbox("ketua")), len(office.inbox("kabag"))

    office.users["ketua"].send("/sop")
    office.users["kabag"].send("/sop")
    await office.standin.wait_for(lambda: len(office.inbox("kabag")) > kabag)
    ketua_waiting = len(office.inbox("ketua")) == ketua

    await office.settle()
    office.standin.stall(KETUA, 0)
    assert ketua_waiting
    assert len(office.inbox("ketua")) == ketua + 1


async def test_an_update_stored_before_a_crash_is_handled_after_the_restart(office):
    await office.stop()
    update = office.users["ketua"].send("/sop")  # Telegram has it; the bot is down
    payload = office.standin.world.queue.first()
    assert payload is not None
    app = await bootstrap.build_app(office.settings(), office.clock)
    inbox = bootstrap.build_runtime(app, bootstrap.Channels()).inbox
    await inbox.store([Received("telegram", str(payload.update_id), payload.update)])
    office.standin.world.queue.remove(payload)  # confirmed: Telegram will not send it again
    await app.close()

    await office.start()
    await office.settle()

    assert update.text == "/sop"
    assert "SOP" in office.last("ketua").text


def rename_table(database: Path, old: str, new: str) -> None:
    """Change the database under the running bot (in a thread: the bot's loop goes on)."""
    with sqlite3.connect(database) as connection:
        connection.execute(f"ALTER TABLE {old} RENAME TO {new}")


async def test_polling_confirms_a_batch_only_once_it_is_stored(office):
    database = office.data_dir / SQLITE_FILENAME
    before = len(office.inbox("ketua"))
    await asyncio.to_thread(rename_table, database, "inbox", "inbox_away")

    office.users["ketua"].send("/sop")
    entry = office.standin.world.queue.first()
    assert entry is not None
    await office.standin.wait_for(lambda: entry.delivered >= 2)  # fetched again: not confirmed
    unconfirmed = entry.update_id in office.standin.pending_updates
    await asyncio.to_thread(rename_table, database, "inbox_away", "inbox")
    await office.settle()

    assert unconfirmed
    assert office.standin.pending_updates == []
    assert len(office.inbox("ketua")) == before + 1
    assert "SOP" in office.last("ketua").text


@pytest.fixture
async def hooked(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start(webhook=True)
    await office.hire()
    yield office
    await office.stop()


async def test_the_webhook_answers_503_when_it_cannot_store_and_telegram_sends_it_again(hooked):
    database = hooked.data_dir / SQLITE_FILENAME
    before = len(hooked.standin.webhook_deliveries)
    await asyncio.to_thread(rename_table, database, "inbox", "inbox_away")

    hooked.users["ketua"].send("/sop")
    await hooked.standin.wait_for(lambda: len(hooked.standin.webhook_deliveries) > before)
    refused = [d.status for d in hooked.standin.webhook_deliveries[before:]]
    await asyncio.to_thread(rename_table, database, "inbox_away", "inbox")
    await hooked.settle()  # Telegram tries again

    assert refused == [503]
    assert [d.status for d in hooked.standin.webhook_deliveries[before:]] == [503, 200]
    assert "SOP" in hooked.last("ketua").text


@pytest.fixture
async def whatsapp(tmp_path):
    office = WhatsAppOffice(tmp_path)
    await office.start(on_telegram=())
    yield office
    await office.stop()


async def test_the_whatsapp_webhook_answers_503_when_it_cannot_store_and_meta_sends_it_again(
    whatsapp,
):
    await whatsapp.register("sekda")
    database = whatsapp.telegram.data_dir / SQLITE_FILENAME
    before = len(whatsapp.inbox("sekda"))
    user = whatsapp.wa_users["sekda"]
    whatsapp.graph.last_inbound[user.bsuid] = whatsapp.clock.now()
    update = user.text("sop", whatsapp.clock.now())
    await asyncio.to_thread(rename_table, database, "inbox", "inbox_away")

    refused = await whatsapp.post(update)
    unanswered = len(whatsapp.inbox("sekda")) - before
    await asyncio.to_thread(rename_table, database, "inbox_away", "inbox")
    accepted = await whatsapp.post(update)  # Meta tries again

    assert (refused.status_code, unanswered) == (503, 0)
    assert accepted.status_code == 200
    assert len(whatsapp.inbox("sekda")) == before + 1
    assert "SOP" in whatsapp.last("sekda").text


async def test_the_telegram_and_whatsapp_webhooks_share_one_server_at_their_own_paths(tmp_path):
    office = TelegramOffice(tmp_path)
    graph = GraphStandIn(clock=office.clock.now)
    session = httpx.AsyncClient(transport=graph.transport)
    settings = whatsapp_settings(office.settings())
    await office.start(
        webhook=True, settings=settings, whatsapp_session=session, share_webhook_port=True
    )
    try:
        await office.hire()  # Telegram posts the /start updates to its path
        stranger = WaUser("6281199999999", "Tamu")
        graph.last_inbound[stranger.bsuid] = office.clock.now()
        body = json.dumps(stranger.text("tugas", office.clock.now())).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                office.webhook_url.replace("/telegram", WEBHOOK), content=body, headers=headers
            )
        await office.settle()

        webhooks = office.service.webhooks
        assert webhooks["telegram"] is webhooks["whatsapp"]
        assert [d.status for d in office.standin.webhook_deliveries] == [200] * len(CAST)
        assert all(office.inbox(who) for who in CAST)  # each welcomed on Telegram
        assert answer.status_code == 200
        assert len(graph.to(stranger)) == 1  # told how to register, on WhatsApp
    finally:
        await office.stop()
        await session.aclose()
