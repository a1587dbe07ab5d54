"""The Graph API stand-in over a loopback socket, driven by the real pywa client.

The client is built from Settings with WHATSAPP_GRAPH_URL pointing at the served stand-in, as
`sopbot run` in another process would be. Webhook pushes go to a small recording receiver.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest
from pywa.errors import (
    InvalidParameter,
    ReEngagementMessage,
    ServiceUnavailable,
    TemplateNotExists,
    TooManyMessages,
    WhatsAppError,
)
from pywa.types.callback import Button, Section, SectionList, SectionRow
from pywa.types.templates import TemplateLanguage
from pywa.utils import webhook_updates_validator
from pywa_async.client import WhatsApp

from bot.clock import JAKARTA, FixedClock
from bot.config import Settings
from handlers.standin.http import HttpServer
from handlers.whatsapp.app import whatsapp_client
from handlers.whatsapp.standin import (
    APP_SECRET,
    PAIR_RATE_LIMIT,
    SIGNATURE_HEADER,
    VERIFY_TOKEN,
    GraphStandIn,
    SimUser,
)
from tests.whatsapp_office import whatsapp_settings

NOW = datetime(2026, 3, 4, 10, 30, tzinfo=JAKARTA)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Receiver:
    """A webhook that records each POST and answers the statuses it is told, then 200."""

    statuses: list[int] = field(default_factory=list)
    posts: list[httpx.Request] = field(default_factory=list)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            ok = request.url.params.get("hub.verify_token") == VERIFY_TOKEN
            challenge = request.url.params.get("hub.challenge", "")
            return httpx.Response(200 if ok else 403, text=challenge if ok else "Forbidden")
        self.posts.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200, text="ok")

    def texts(self) -> list[str]:
        return [
            json.loads(p.content)["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
            for p in self.posts
        ]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def graph(clock) -> AsyncIterator[GraphStandIn]:
    graph = GraphStandIn(clock=clock.now)
    await graph.serve()
    yield graph
    await graph.aclose()


@pytest.fixture
async def wa(graph) -> AsyncIterator[WhatsApp]:
    assert graph.url is not None
    settings = whatsapp_settings(Settings(_env_file=None), whatsapp_graph_url=graph.url)
    async with httpx.AsyncClient(timeout=5.0) as session:
        yield whatsapp_client(settings, session)


@pytest.fixture
async def receiver(graph) -> AsyncIterator[Receiver]:
    receiver = Receiver()
    server = HttpServer(receiver.handle)
    port = await server.start("127.0.0.1", 0)
    graph.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
    yield receiver
    await graph.aclose()  # stop delivering before the receiver goes away
    await server.close()


@pytest.fixture
def sekda(graph) -> SimUser:
    user = graph.user("6281100000003", "Hendra")
    graph.last_inbound[user.wa_id] = graph.last_inbound[user.bsuid] = NOW  # the window is open
    return user


async def test_a_text_sent_through_the_configured_graph_url_reaches_the_user(graph, wa, sekda):
    await wa.send_message(sekda.wa_id, "Selamat pagi, Bapak.")

    assert sekda.last.text == "Selamat pagi, Bapak."
    assert graph.requests[-1].path.endswith("/messages") and graph.requests[-1].ok


async def test_reply_buttons_arrive_with_their_titles_and_ids(wa, sekda):
    buttons = [Button("Setujui", "ap:1:7:1"), Button("Kembalikan", "rt:1:7:1")]

    await wa.send_message(sekda.wa_id, "Langkah 7: telaah Sekda", buttons=buttons)

    assert sekda.last.choices == [("Setujui", "ap:1:7:1", ""), ("Kembalikan", "rt:1:7:1", "")]


async def test_a_list_arrives_with_its_rows_and_descriptions(wa, sekda):
    rows = [SectionRow("KB-2026-0001", "st:1", "PT Mitra Kota"), SectionRow("KB-2", "st:2")]
    listing = SectionList("Pilih", [Section("Perkara", rows)])

    await wa.send_message(sekda.wa_id, "Tugas Bapak/Ibu", buttons=listing)

    assert sekda.last.is_list
    assert sekda.last.choices[0] == ("KB-2026-0001", "st:1", "PT Mitra Kota")


async def test_a_button_title_over_twenty_characters_is_refused_as_meta_does(graph, wa, sekda):
    too_long = [Button("Setujui rancangan ini sekarang", "ap:1")]

    with pytest.raises(InvalidParameter):
        await wa.send_message(sekda.wa_id, "Langkah 7", buttons=too_long)

    assert graph.sent == []


async def test_an_uploaded_document_arrives_with_its_bytes_and_filename(graph, wa, sekda):
    media = await wa.upload_media(media=b"PK rancangan", mime_type=DOCX, filename="kb.docx")

    await wa.send_document(sekda.wa_id, media.id, filename="kb.docx")

    assert graph.document(sekda.last) == (b"PK rancangan", "kb.docx")


async def test_a_users_file_downloads_from_the_served_host_with_the_same_bytes(graph, wa):
    media_id = graph.put_media(b"%PDF notulen", "application/pdf", "notulen.pdf")

    found = await wa.get_media_url(media_id)
    data = await wa.get_media_bytes(found.url)

    assert found.url.startswith(f"{graph.url}/whatsapp_business/attachments/")
    assert (data, found.mime_type, found.file_size) == (b"%PDF notulen", "application/pdf", 12)


async def test_free_form_text_outside_the_window_is_refused_with_131047(graph, wa, sekda, clock):
    clock.advance(hours=24)

    with pytest.raises(ReEngagementMessage):
        await wa.send_message(sekda.wa_id, "Pengingat")

    assert graph.sent == []


async def test_a_template_goes_out_when_the_window_is_closed(graph, wa):
    hendra = graph.user("6281100000003", "Hendra")

    await wa.send_template(hendra.wa_id, "sopbot_pemberitahuan", TemplateLanguage("id"))

    assert hendra.last.type == "template"


async def test_an_unapproved_template_is_refused_when_templates_are_configured(clock):
    graph = GraphStandIn(clock=clock.now, templates={"sopbot_pemberitahuan": frozenset({"id"})})
    settings = whatsapp_settings(Settings(_env_file=None))
    async with httpx.AsyncClient(transport=graph.transport) as session:
        wa = whatsapp_client(settings, session)

        with pytest.raises(TemplateNotExists):
            await wa.send_template("6281100000003", "promo_lebaran", TemplateLanguage("id"))


async def test_writing_opens_the_window_under_both_ids(graph, wa, clock):
    hendra = graph.user("6281100000003", "Hendra")
    clock.advance(days=3)

    hendra.say("tugas")
    await wa.send_message(hendra.bsuid, "Tidak ada tugas.")

    assert hendra.last.text == "Tidak ada tugas."


async def test_an_injected_connect_error_sends_nothing(graph, wa, sekda):
    graph.fail_next("messages", error="connect")

    with pytest.raises(httpx.TransportError):
        await wa.send_message(sekda.wa_id, "Selamat pagi")

    assert graph.sent == []


async def test_a_send_whose_answer_times_out_may_still_have_arrived(graph, sekda):
    graph.fail_next("text", error="timeout", delivered=True)
    settings = whatsapp_settings(Settings(_env_file=None), whatsapp_graph_url=graph.url)
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        wa = whatsapp_client(settings, impatient)

        with pytest.raises(httpx.ReadTimeout):
            await wa.send_message(sekda.wa_id, "Selamat pagi")

    assert sekda.last.text == "Selamat pagi"


async def test_a_hang_up_after_the_send_took_effect_drops_the_connection(graph, wa, sekda):
    graph.fail_next("messages", error="disconnect", delivered=True)

    with pytest.raises(httpx.RemoteProtocolError):
        await wa.send_message(sekda.wa_id, "Selamat pagi")

    assert sekda.last.text == "Selamat pagi"


async def test_a_failed_upload_stores_nothing(graph, wa):
    graph.fail_next("media", status=500)

    with pytest.raises(WhatsAppError):
        await wa.upload_media(media=b"PK", mime_type=DOCX, filename="kb.docx")

    assert graph.media == {}


def test_failing_an_unknown_endpoint_is_refused_with_the_known_ones(graph):
    with pytest.raises(ValueError, match="messages"):
        graph.fail_next("sendMessage")


async def test_an_injected_503_answers_the_next_send_only(graph, wa, sekda):
    graph.fail_next("messages", status=503)

    with pytest.raises(ServiceUnavailable):
        await wa.send_message(sekda.wa_id, "satu")
    await wa.send_message(sekda.wa_id, "dua")

    assert [m.text for m in sekda.inbox] == ["dua"]


async def test_a_failure_of_one_message_type_leaves_the_others_alone(graph, wa, sekda):
    graph.fail_next("interactive", status=500)

    await wa.send_message(sekda.wa_id, "teks biasa")

    assert sekda.last.text == "teks biasa"


async def test_a_throttled_recipient_gets_the_pair_rate_limit_error_once(graph, wa, sekda):
    graph.throttle(sekda, PAIR_RATE_LIMIT)

    with pytest.raises(TooManyMessages):
        await wa.send_message(sekda.bsuid, "satu")
    await wa.send_message(sekda.bsuid, "dua")

    assert [m.text for m in sekda.inbox] == ["dua"]


async def test_a_stalled_recipient_does_not_hold_up_another(graph, wa, sekda):
    kabag = graph.user("6281100000001", "Budi")
    graph.last_inbound[kabag.wa_id] = NOW
    graph.stall(sekda, 0.3)

    slow = asyncio.create_task(wa.send_message(sekda.wa_id, "lambat"))
    await graph.wait_for(lambda: any(c.to == sekda.wa_id for c in graph.requests))
    await wa.send_message(kabag.wa_id, "cepat")
    await slow

    assert [m.text for m in graph.sent] == ["cepat", "lambat"]


async def test_settle_waits_for_a_send_still_in_flight(graph, wa, sekda):
    graph.stall(sekda, 0.2, times=1)
    sending = asyncio.create_task(wa.send_message(sekda.wa_id, "tertunda"))
    await graph.wait_for(lambda: bool(graph.requests))

    await graph.settle()

    assert sekda.last.text == "tertunda"
    await sending


async def test_a_users_message_is_pushed_signed_with_the_app_secret(graph, receiver, sekda):
    sekda.say("tugas")

    await graph.settle()

    post = receiver.posts[0]
    assert webhook_updates_validator(APP_SECRET, post.content, post.headers[SIGNATURE_HEADER])
    assert receiver.texts() == ["tugas"]
    assert graph.pending == []


async def test_an_update_answered_500_stays_queued_and_is_posted_again(graph, receiver, sekda):
    receiver.statuses = [500]
    message_id = sekda.say("tugas")
    await graph.settle()
    assert graph.pending == [message_id]

    await graph.settle()

    assert [(d.key, d.attempt, d.status) for d in graph.webhook_deliveries] == [
        (message_id, 1, 500),
        (message_id, 2, 200),
    ]
    assert receiver.texts() == ["tugas", "tugas"] and graph.pending == []


async def test_updates_are_pushed_one_at_a_time_in_the_order_sent(graph, receiver, sekda):
    receiver.statuses = [503]
    sekda.say("satu")
    sekda.say("dua")
    await graph.settle()
    assert receiver.texts() == ["satu"]

    await graph.settle()

    assert receiver.texts() == ["satu", "satu", "dua"]


async def test_a_webhook_that_cannot_be_reached_keeps_the_update(graph, sekda):
    graph.webhook_url = "http://127.0.0.1:9/whatsapp"  # discard port: nothing listens
    message_id = sekda.say("tugas")

    await graph.settle()

    assert graph.pending == [message_id]
    assert graph.webhook_deliveries[-1].status is None


async def test_subscribing_checks_the_verify_token_like_the_meta_dashboard(graph, receiver):
    url = graph.webhook_url
    assert url is not None

    refused = await graph.subscribe(url, "salah")
    accepted = await graph.subscribe(url, VERIFY_TOKEN)

    assert (refused, accepted) == (False, True)


async def test_a_button_press_replies_to_the_message_that_offered_it(graph, wa, receiver, sekda):
    await wa.send_message(sekda.wa_id, "Langkah 7", buttons=[Button("Setujui", "ap:1:7:1")])
    offer = sekda.last

    sekda.press("Setujui")
    await graph.settle()

    message = json.loads(receiver.posts[0].content)["entry"][0]["changes"][0]["value"]
    message = message["messages"][0]
    assert message["context"]["id"] == offer.id
    assert message["interactive"]["button_reply"] == {"id": "ap:1:7:1", "title": "Setujui"}


async def test_a_window_opened_by_writing_closes_after_24_hours(graph, wa, clock):
    hendra = graph.user("6281100000003", "Hendra")
    hendra.say("halo")
    clock.advance(hours=23, minutes=59)
    await wa.send_message(hendra.wa_id, "masih terbuka")
    clock.advance(minutes=1)

    with pytest.raises(ReEngagementMessage):
        await wa.send_message(hendra.wa_id, "sudah tertutup")

    assert clock.now() - graph.last_inbound[hendra.wa_id] == timedelta(hours=24)
