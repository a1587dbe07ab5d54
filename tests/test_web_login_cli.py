"""`sopbot web-login`: a one-time dashboard link for those the SOP lets see it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from bot import weblogin
from bot.bootstrap import build_app
from bot.cli import app
from bot.clock import SystemClock
from bot.config import Settings, load_settings

SECRET = "a-long-random-secret"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOPBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SOPBOT_WEB_URL", "https://dasbor.example.go.id/")


def hire(name: str, role: str) -> None:
    async def main() -> None:
        application = await build_app(load_settings())
        try:
            await application.admin.add_person(name, [role])
        finally:
            await application.close()

    asyncio.run(main())


def test_web_login_prints_a_link_with_a_valid_code_for_the_kabag(monkeypatch):
    monkeypatch.setenv("SOPBOT_WEB_SECRET", SECRET)
    hire("Drs. Budi Santoso, M.Si.", "kabag")

    result = CliRunner().invoke(app, ["web-login", "--person", "Budi"])

    assert result.exit_code == 0, result.output
    link = urlparse(result.output.strip().splitlines()[-1])
    assert (link.netloc, link.path) == ("dasbor.example.go.id", "/login")
    code = parse_qs(link.query)["code"][0]
    assert weblogin.verify(SECRET, weblogin.LOGIN, code, SystemClock().now()) is not None


def test_web_login_refuses_a_ketua_tim(monkeypatch):
    monkeypatch.setenv("SOPBOT_WEB_SECRET", SECRET)
    hire("Siti Rahmawati, S.H.", "ketua_tim")

    result = CliRunner().invoke(app, ["web-login", "--person", "Siti"])

    assert result.exit_code == 1
    assert "tidak berwenang" in result.output and "?code=" not in result.output


def test_web_login_without_a_secret_names_the_setting():
    result = CliRunner().invoke(app, ["web-login", "--person", "1"])

    assert result.exit_code == 2
    assert result.output.startswith("SOPBOT_WEB_SECRET: belum diisi.")


def test_run_with_the_dashboard_but_no_secret_names_the_setting():
    result = CliRunner().invoke(app, ["run", "--dashboard"])

    assert result.exit_code == 2
    assert result.output.startswith("SOPBOT_WEB_SECRET: belum diisi.")
