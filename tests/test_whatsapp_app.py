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
from handlers.whatsapp.app import build_whatsapp
from handlers.whatsapp.server import serving
from tests.whatsapp_graph import VERIFY_TOKEN
from tests.whatsapp_office import WEBHOOK, whatsapp_settings

CHALLENGE = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    return whatsapp_settings(Settings(_env_file=None, sopbot_data_dir=tmp_path))


@pytest.fixture
async def core(settings):
    app = await bootstrap.build_app(settings)
    yield bootstrap.build_chat(app)
    await app.close()


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


async def test_uvicorn_serves_the_webhook_on_a_loopback_socket(core, settings):
    channel = build_whatsapp(core, settings, rate_limit=False)
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}{WEBHOOK}"

    async with serving(channel.app, "127.0.0.1", 0, sock=listener), httpx.AsyncClient() as http:
        response = await http.get(url, params=CHALLENGE)

    await channel.close()
    assert (response.status_code, response.text) == (200, "42")


async def test_whatsapp_alone_runs_as_a_piece_of_sopbot_run(core, settings):
    port = free_port()
    alone = settings.model_copy(update={"whatsapp_webhook_port": port})
    url = f"http://127.0.0.1:{port}{WEBHOOK}"

    async with bootstrap.run_whatsapp(core, alone), httpx.AsyncClient() as http:
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
