"""WhatsApp's 24-hour window: a template when it is closed, the full task when they answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.workflow.model import Outcome
from storage.sql import table
from tests.test_whatsapp import REF
from tests.whatsapp_office import WhatsAppOffice


@pytest.fixture
async def office(tmp_path):
    office = WhatsAppOffice(tmp_path)
    await office.start()
    await office.register("sekda")  # Monday 08:00; the draft reaches the Sekda on Wednesday
    await office.prepare()
    yield office
    await office.stop()


def sent_after(office: WhatsAppOffice, count: int) -> list:
    return office.inbox("sekda")[count:]


async def test_a_review_request_outside_the_window_goes_as_the_approved_template(office):
    before = len(office.inbox("sekda"))

    await office.submit()

    [notice] = sent_after(office, before)  # the notes and the task itself are held
    template = notice.body["template"]
    assert (template["name"], template["language"]["code"]) == ("sopbot_pemberitahuan", "id")
    parameters = [p["text"] for p in template["components"][0]["parameters"]]
    assert parameters == ["Dr. Hendra Wijaya, M.M.", REF]


async def test_the_full_task_follows_when_the_person_answers_the_template(office):
    await office.submit()
    before = len(office.inbox("sekda"))

    await office.say("sekda", "Selamat siang")

    follow = sent_after(office, before)
    task, document = follow[-2:]  # the draft follows the task that explains it
    assert document.type == "document" and "versi 1" in document.text
    assert task.labels == ["Setujui", "Kembalikan"]
    assert "Langkah 7" in task.text


async def test_the_task_that_followed_the_template_can_be_approved(office):
    await office.submit()
    await office.say("sekda", "Selamat siang")

    await office.approve("sekda")

    case = await office.telegram.app.workflow.get(REF)
    assert case.latest_run("telaah_sekda").outcome is Outcome.APPROVED


async def test_a_reminder_while_the_template_waits_is_held_without_another_template(office):
    await office.submit()
    before = len(office.inbox("sekda"))
    office.telegram.at("2026-03-04T13:00")  # the 15-minute review is long overdue

    report = await office.telegram.tick()

    assert report.swept.queued >= 1
    assert sent_after(office, before) == []
    assert any(row.key.startswith("reminder:") for row in await held(office))


async def test_a_reminder_held_behind_the_template_follows_the_answer_too(office):
    await office.submit()
    office.telegram.at("2026-03-04T13:00")
    await office.telegram.tick()
    before = len(office.inbox("sekda"))

    await office.say("sekda", "Selamat siang")

    texts = [m.text for m in sent_after(office, before)]
    assert any("Pengingat:" in text for text in texts)
    assert await held(office) == []


async def held(office: WhatsAppOffice) -> list:
    async with office.telegram.app.engine.connect() as connection:
        return list(await connection.execute(select(table("held_messages"))))


async def test_a_re_engagement_error_falls_back_to_the_template(office):
    await office.say("sekda", "Selamat siang")  # our record says the window is open
    office.graph.last_inbound.clear()  # but WhatsApp counts it closed
    before = len(office.inbox("sekda"))

    await office.submit()

    [notice] = sent_after(office, before)
    assert notice.type == "template"
