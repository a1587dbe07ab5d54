"""Webhook mode: Telegram's secret token is checked before an update reaches the core."""

from __future__ import annotations

import httpx
import pytest

from tests.telegram_office import TelegramOffice, open_case


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start(webhook=True)
    await office.hire()
    yield office
    await office.stop()


async def test_a_case_is_opened_over_the_webhook(office):
    await open_case(office)

    assert "KB-2026-0001" in office.last("kabag").text
    assert {d.status for d in office.standin.webhook_deliveries} == {200}


@pytest.mark.parametrize("secret", [None, "tebakan"])
async def test_an_update_without_the_right_secret_is_refused_and_ignored(office, secret):
    forged = {
        "update_id": 999999,
        "message": {
            "message_id": 1, "date": 0, "chat": {"id": 1001, "type": "private"},
            "from": {"id": 1001, "is_bot": False, "first_name": "Palsu"}, "text": "/baru",
        },
    }  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}

    async with httpx.AsyncClient() as client:
        response = await client.post(office.webhook_url, json=forged, headers=headers)
    await office.settle()

    assert response.status_code == 403
    assert "Perkara baru" not in office.last("kabag").text
