"""Configuration: every setting documented, `.env` read, bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def test_every_setting_is_listed_with_a_comment_in_env_example():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")

    missing = [name.upper() for name in Settings.model_fields if f"\n{name.upper()}=" not in text]

    assert missing == []


def test_defaults_need_no_token_and_use_embedded_storage():
    settings = load_settings()

    assert settings.telegram_bot_token is None
    assert settings.database_url is None
    assert settings.sopbot_sweep_seconds == 60
    assert str(settings.office_hours) == "Mon-Thu 07:30-16:00; Fri 07:30-16:30"


def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path):
    (tmp_path / ".env").write_text("SOPBOT_SWEEP_SECONDS=30\nTELEGRAM_BOT_TOKEN=123:abc\n")

    settings = load_settings()

    assert settings.sopbot_sweep_seconds == 30
    assert settings.telegram_bot_token.get_secret_value() == "123:abc"


def test_the_token_never_shows_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN")

    settings = load_settings()

    assert "SECRET-TOKEN" not in repr(settings)


@pytest.mark.parametrize(
    "name, value",
    [
        ("SOPBOT_OFFICE_HOURS", "Senin sampai Jumat"),
        ("SOPBOT_SWEEP_SECONDS", "sering"),
        ("SOPBOT_MAX_UPLOAD_MB", "30"),
        ("SOPBOT_RAMADAN_DATES", "2026-03-19..2026-02-18"),
        ("WHATSAPP_GRAPH_URL", "graph.facebook.com"),
        ("WHATSAPP_GRAPH_URL", "ftp://graph.example"),
        ("WHATSAPP_GRAPH_URL", "https://graph.facebook.com/v22.0"),
    ],
)
def test_an_invalid_value_is_reported_with_the_setting_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError) as error:
        load_settings()

    assert name in str(error.value)


def test_a_ramadan_schedule_applies_its_own_hours(monkeypatch):
    monkeypatch.setenv("SOPBOT_RAMADAN_DATES", "2026-02-18..2026-03-19")

    settings = load_settings()

    assert settings.ramadan is not None
    assert str(settings.ramadan.hours) == "Mon-Thu 08:00-15:00; Fri 08:00-15:30"


def test_a_copy_of_env_example_with_blank_values_runs_on_the_defaults(tmp_path):
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"))

    settings = load_settings()

    assert settings.sopbot_sop_file is None
    assert settings.database_url is None
    assert settings.telegram_bot_token is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("http://127.0.0.1:8901/", "http://127.0.0.1:8901"),
        ("https://egress.example/graph", "https://egress.example/graph"),
        ("", "https://graph.facebook.com"),
    ],
)
def test_the_graph_url_is_kept_without_a_trailing_slash(monkeypatch, value, expected):
    monkeypatch.setenv("WHATSAPP_GRAPH_URL", value)

    settings = load_settings()

    assert settings.whatsapp_graph_url == expected
