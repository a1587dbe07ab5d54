"""The WhatsApp outbox sender: the window, the template, and Graph API errors as results."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from pywa.types.templates import TemplateLanguage

from bot.clock import JAKARTA, FixedClock
from bot.config import Settings
from bot.ports import ChatWindow
from bot.replies import Choice, Reply
from handlers.whatsapp.app import whatsapp_client
from handlers.whatsapp.sender import TemplateSpec, WhatsAppSender
from handlers.whatsapp.standin import GraphStandIn
from tests.fakes import FakeDB, MemoryFileStore, fake_uow_factory
from tests.whatsapp_office import whatsapp_settings

TO = "ID.6281100000003"
NOW = datetime(2026, 3, 4, 10, 30, tzinfo=JAKARTA)
TASK = Reply(
    "whatsapp.plain",
    {"text": "Langkah 7", "ref": "KB-2026-0001"},
    (Choice("button.approve", "a"),),
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def graph(clock) -> GraphStandIn:
    graph = GraphStandIn(clock=clock.now)
    graph.last_inbound[TO] = NOW
    return graph


def sender_on(
    transport: httpx.AsyncBaseTransport, db: FakeDB, clock: FixedClock
) -> WhatsAppSender:
    session = httpx.AsyncClient(transport=transport)
    wa = whatsapp_client(whatsapp_settings(Settings(_env_file=None)), session)
    spec = TemplateSpec("sopbot_pemberitahuan", TemplateLanguage("id"), ("text",))
    return WhatsAppSender(wa, MemoryFileStore(), fake_uow_factory(db), clock, spec)


@pytest.fixture
def db() -> FakeDB:
    db = FakeDB()
    db.windows[("whatsapp", TO)] = ChatWindow(last_inbound_at=NOW)
    return db


async def test_inside_the_window_the_task_is_sent_with_its_buttons(graph, db, clock):
    sender = sender_on(graph.transport, db, clock)

    result = await sender.send(TO, TASK, "k1")

    assert result.ok and result.message_id == graph.sent[-1].id
    assert graph.sent[-1].labels == ["Setujui"]


async def test_outside_the_window_the_task_is_held_and_the_template_sent(graph, db, clock):
    db.windows[("whatsapp", TO)] = ChatWindow()
    sender = sender_on(graph.transport, db, clock)

    result = await sender.send(TO, TASK, "k1")

    assert result.ok and graph.sent[-1].type == "template"
    assert [held.key for _, held in db.held.values()] == ["k1"]
    assert db.windows[("whatsapp", TO)].notice_sent_at == NOW


@pytest.mark.parametrize(
    "code, wait",
    [(130429, 5.0), (131056, 6.0), (80007, 60.0), (4, 60.0), (131048, 3600.0)],
)
async def test_a_rate_limit_asks_the_outbox_to_wait(graph, db, clock, code, wait):
    graph.fail_next("messages", code=code)
    sender = sender_on(graph.transport, db, clock)

    result = await sender.send(TO, TASK, "k1")

    assert (result.ok, result.retry_after, result.permanent) == (False, wait, False)


@pytest.mark.parametrize("code", [131026, 131030, 131009, 132001])
async def test_an_undeliverable_message_is_given_up(graph, db, clock, code):
    graph.fail_next("messages", code=code)
    sender = sender_on(graph.transport, db, clock)

    result = await sender.send(TO, TASK, "k1")

    assert (result.ok, result.permanent, result.retry_after) == (False, True, None)
    assert str(code) in (result.error or "")


@pytest.mark.parametrize("code, status", [(131016, 503), (131000, 500), (190, 401)])
async def test_an_outage_or_an_expired_token_is_tried_again_later(graph, db, clock, code, status):
    graph.fail_next("messages", code=code, status=status)
    sender = sender_on(graph.transport, db, clock)

    result = await sender.send(TO, TASK, "k1")

    assert (result.ok, result.permanent, result.retry_after) == (False, False, None)


async def test_a_refused_connection_is_tried_again(db, clock):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sender = sender_on(httpx.MockTransport(refuse), db, clock)

    result = await sender.send(TO, TASK, "k1")

    assert (result.ok, result.permanent) == (False, False)


async def test_a_read_timeout_is_reported_as_an_unknown_outcome_it_may_have_arrived(db, clock):
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    sender = sender_on(httpx.MockTransport(slow), db, clock)

    result = await sender.send(TO, TASK, "k1")

    assert (result.ok, result.unknown, result.permanent) == (False, True, False)
