"""Starting WhatsApp: what it refuses, and the webhook served by uvicorn inside `sopbot run`."""

from __future__ import annotations

import socket

import httpx
import pytest
from typer.testing import CliRunner

from bot import bootstrap
from bot.cli import app as cli
from bot.config import ConfigError, Settings, load_settings
from bot.startup import StartupError
from handlers.whatsapp.app import build_whatsapp, whatsapp_client
from handlers.whatsapp.standin import VERIFY_TOKEN, GraphStandIn
from tests.whatsapp_office import WEBHOOK, whatsapp_settings

CHALLENGE = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    return whatsapp_settings(Settings(_env_file=None, sopbot_data_dir=tmp_path))


@pytest.fixture
async def app(settings):
    app = await bootstrap.build_app(settings)
    yield app
    await app.close()


@pytest.fixture
def core(app):
    return bootstrap.build_chat(app)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_whatsapp_refuses_to_start_without_the_app_secret(core, settings):
    unsigned = settings.model_copy(update={"whatsapp_app_secret": None})

    with pytest.raises(StartupError, match="WHATSAPP_APP_SECRET"):
        build_whatsapp(core, unsigned)


async def test_whatsapp_refuses_to_start_without_the_verify_token(core, settings):
    unverified = settings.model_copy(update={"whatsapp_verify_token": None})

    with pytest.raises(StartupError, match="WHATSAPP_VERIFY_TOKEN"):
        build_whatsapp(core, unverified)


async def test_an_unknown_template_language_is_refused_at_start(core, settings):
    klingon = settings.model_copy(update={"whatsapp_template_language": "tlh"})

    with pytest.raises(StartupError, match="WHATSAPP_TEMPLATE_LANGUAGE"):
        build_whatsapp(core, klingon)


async def test_uvicorn_serves_the_webhook_on_a_loopback_socket(app, core, settings):
    port = free_port()
    app.settings = settings.model_copy(update={"whatsapp_webhook_port": port})
    channels = bootstrap.build_channels(core, app.settings)
    url = f"http://127.0.0.1:{port}{WEBHOOK}"

    async with bootstrap.running(app, channels), httpx.AsyncClient() as http:
        response = await http.get(url, params=CHALLENGE)

    assert (response.status_code, response.text) == (200, "42")


async def test_whatsapp_alone_runs_as_a_piece_of_sopbot_run_refusing_unsigned_posts(
    app, core, settings
):
    port = free_port()
    app.settings = settings.model_copy(update={"whatsapp_webhook_port": port})
    channels = bootstrap.build_channels(core, app.settings)
    url = f"http://127.0.0.1:{port}{WEBHOOK}"

    async with bootstrap.running(app, channels), httpx.AsyncClient() as http:
        response = await http.post(url, content=b"{}")

    assert response.status_code == 401


def test_sopbot_run_without_any_channel_says_what_to_configure(settings, monkeypatch):
    monkeypatch.chdir(settings.sopbot_data_dir)

    result = CliRunner().invoke(cli, ["run"])

    assert result.exit_code == 2
    assert "WHATSAPP_PHONE_ID" in result.output and "TELEGRAM_BOT_TOKEN" in result.output


def test_a_template_parameter_that_is_no_name_is_reported_with_the_setting(settings):
    with pytest.raises(ConfigError, match="WHATSAPP_TEMPLATE_PARAMS"):
        load_settings(_env_file=None, whatsapp_template_params="recipient, nomor perkara")


async def test_the_pywa_client_calls_the_configured_graph_url_with_its_api_version(settings):
    seen: list[httpx.URL] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        contacts = [{"input": "6281100000003", "wa_id": "6281100000003"}]
        return httpx.Response(200, json={"messages": [{"id": "wamid.1"}], "contacts": contacts})

    gatewayed = settings.model_copy(update={"whatsapp_graph_url": "http://egress.test:8901/meta"})
    session = httpx.AsyncClient(transport=httpx.MockTransport(gateway))
    wa = whatsapp_client(gatewayed, session)

    await wa.send_message("6281100000003", "Selamat pagi")

    await session.aclose()
    assert (seen[0].host, seen[0].port) == ("egress.test", 8901)
    assert seen[0].path.startswith("/meta/v") and seen[0].path.endswith("/messages")


async def test_a_person_on_the_served_graph_stand_in_registers_with_the_bot_on_its_socket(
    settings,
):
    graph = GraphStandIn()
    await graph.serve()
    port = free_port()
    served = settings.model_copy(
        update={"whatsapp_graph_url": graph.url, "whatsapp_webhook_port": port}
    )
    app = await bootstrap.build_app(served)
    code, _ = await app.admin.create_invite("sekda", "Dr. Hendra Wijaya, M.M.", None)
    graph.webhook_url = f"http://127.0.0.1:{port}{WEBHOOK}"
    hendra = graph.user("6281100000003", "Hendra")

    channels = bootstrap.build_channels(bootstrap.build_chat(app), served)
    async with bootstrap.running(app, channels):
        hendra.say(f"daftar {code}")
        await graph.settle()
        await graph.wait_for(lambda: bool(hendra.inbox))

    await graph.aclose()
    await app.close()
    assert [d.status for d in graph.webhook_deliveries] == [200]
    assert "Selamat datang" in hendra.inbox[0].text
