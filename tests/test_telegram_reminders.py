"""The running bot's periodic job on Telegram: reminders and the digest reach the officials."""

from __future__ import annotations

import pytest

from tests.telegram_office import TelegramOffice, open_case


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


async def test_the_periodic_job_sends_a_due_reminder_with_the_task_buttons(office):
    await open_case(office)  # Monday 2 March 08:00: step 1 is due at 08:15
    office.at("2026-03-02T08:08")

    await office.tick()
    await office.settle()

    [reminder] = [m for m in office.inbox("kabag") if "Pengingat:" in m.text]
    assert "Langkah 1" in reminder.text and "sisa 7 menit" in reminder.text
    assert "Lewati" in reminder.labels


async def test_the_periodic_job_escalates_a_late_task_to_the_superior(office):
    await open_case(office)
    office.at("2026-03-02T10:15")

    await office.tick()
    await office.settle()

    [escalation] = [m for m in office.inbox("sekda") if "Eskalasi" in m.text]
    assert "Drs. Budi Santoso" in escalation.text and "terlambat 2 jam" in escalation.text


async def test_the_periodic_job_sends_the_daily_digest_once(office):
    await open_case(office)
    office.at("2026-03-03T07:30")

    await office.tick()
    await office.tick()
    await office.settle()

    digests = [m for m in office.inbox("sekda") if "Ringkasan harian" in m.text]
    assert len(digests) == 1 and "KB-2026-0001" in digests[0].text
