"""End to end on WhatsApp: the real pywa client and webhook app, a case prepared on Telegram."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from sqlalchemy import select

from bot.workflow.model import Outcome
from handlers.whatsapp.standin import VERIFY_TOKEN, sign
from storage.sql import table
from tests.telegram_office import docx_bytes, set_meeting, step_two
from tests.whatsapp_office import WEBHOOK, WhatsAppOffice

REF = "KB-2026-0001"


@pytest.fixture
async def office(tmp_path):
    office = WhatsAppOffice(tmp_path)
    await office.start()
    yield office
    await office.stop()


async def prepare_on_telegram(office: WhatsAppOffice) -> None:
    """Steps 1 to 4 on Telegram; the Kabag has step 5 (Sampaikan) waiting."""
    tg = office.telegram
    await step_two(tg)
    await set_meeting(tg)
    await tg.press("ketua", "Buat Draft rancangan")
    await tg.press("ketua", "Selesai")
    tg.at("2026-03-04T10:30")
    await tg.press("ketua", "Unggah Notulensi")
    await tg.upload("ketua", "notulen.docx", docx_bytes("NOTULEN RAPAT"))
    await tg.press("ketua", "Selesai")
    await tg.press("ketua", "Unggah Rancangan Kesepakatan Bersama berparaf")
    await tg.upload("ketua", "rancangan.docx", docx_bytes("KESEPAKATAN BERSAMA", "v2"))
    await tg.press("ketua", "Selesai")
    await tg.press("ketua", "Ya, Selesai")


async def review_on_whatsapp(office: WhatsAppOffice) -> None:
    """The case prepared on Telegram; the Sekda, registered on WhatsApp just now, gets it."""
    await prepare_on_telegram(office)
    await office.register("sekda")
    await office.telegram.press("kabag", "Sampaikan")


async def quick_review(office: WhatsAppOffice) -> None:
    """The same, steps 1 to 5 taken through the services (quicker)."""
    await office.prepare()
    await office.register("sekda")
    await office.submit()


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


async def stored_updates(office: WhatsAppOffice) -> list:
    async with office.telegram.app.engine.connect() as connection:
        inbox = table("inbox")
        rows = await connection.execute(select(inbox).where(inbox.c.channel == "whatsapp"))
        return list(rows)


async def test_a_sekda_on_whatsapp_approves_a_case_prepared_on_telegram(office):
    await review_on_whatsapp(office)
    review = office.with_choice("sekda", "Setujui")

    await office.approve("sekda", review)

    case = await office.telegram.app.workflow.get(REF)
    assert case.latest_run("telaah_sekda").outcome is Outcome.APPROVED
    assert "Langkah 8" in office.telegram.card("walikota").text
    assert "disetujui oleh Dr. Hendra Wijaya" in office.last("sekda").text


async def test_the_review_request_is_followed_by_the_draft_as_a_captioned_document(office):
    await review_on_whatsapp(office)

    *_, review, document = office.inbox("sekda")

    data, filename = office.graph.document(document)
    assert filename == "rancangan.docx"
    assert paragraphs(data) == ["KESEPAKATAN BERSAMA", "v2"]
    assert (
        document.text
        == f"📎 Rancangan Kesepakatan Bersama berparaf Ketua Tim, versi 1, perkara {REF}"
    )
    assert review.labels == ["Setujui", "Kembalikan"]


async def test_a_return_from_whatsapp_reaches_the_kabag_on_telegram_with_the_note(office):
    await quick_review(office)
    await office.give_back("sekda", "Pasal 3 perlu diperbaiki")

    case = await office.telegram.app.workflow.get(REF)
    assert case.latest_run("telaah_sekda").outcome is Outcome.RETURNED
    tg = office.telegram
    returned = tg.card("kabag")
    assert "Pasal 3 perlu diperbaiki" in returned.text
    draft = office.telegram.app.files.read(case.artifacts["rancangan_berparaf"].value)
    for who in ("kabag", "ketua"):  # the Kabag and the Ketua Tim, each with the file
        assert tg.last(who).document.data == draft
        assert "Pasal 3 perlu diperbaiki" in tg.inbox(who)[-2].text

    # Sending up again without a new version is refused; after the fix the Sekda on
    # WhatsApp gets the new version as "versi 2".
    refused = await tg.press("kabag", "Sampaikan", returned)
    assert "belum ada versi baru" in (refused.text or tg.last("kabag").text)
    tg.at("2026-03-04T11:00")
    await tg.press("kabag", "Unggah Rancangan Kesepakatan Bersama berparaf")
    fixed = docx_bytes("KESEPAKATAN BERSAMA", "Pasal 3 diperbaiki")
    await tg.upload("kabag", "rancangan-perbaikan.docx", fixed)
    await tg.press("kabag", "Sampaikan", tg.card("kabag"))

    review, document = office.inbox("sekda")[-2:]
    assert "versi 2" in review.text and review.labels == ["Setujui", "Kembalikan"]
    assert office.graph.document(document)[0] == fixed
    assert "versi 2" in document.text


async def test_kembalikan_asks_for_the_note_first(office):
    await quick_review(office)

    question = await office.press("sekda", "Kembalikan")

    case = await office.telegram.app.workflow.get(REF)
    assert case.current_run("telaah_sekda") is not None
    assert "Batal" in question.labels


async def test_a_bad_signature_is_refused_and_nothing_is_processed(office):
    await quick_review(office)
    user = office.wa_users["sekda"]
    before = len(office.graph.sent)
    review = office.with_choice("sekda", "Setujui")
    payload = user.button("Setujui", review.choices[0][1], review.id, office.clock.now())

    response = await office.post(payload, signature="sha256=" + "0" * 64)

    case = await office.telegram.app.workflow.get(REF)
    assert response.status_code == 403
    assert case.current_run("telaah_sekda") is not None
    assert len(office.graph.sent) == before
    assert payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] not in [
        row.update_id for row in await stored_updates(office)
    ]


async def test_an_unsigned_update_is_refused(office):
    await office.register("sekda")
    payload = office.wa_users["sekda"].text("tugas", office.clock.now())

    response = await office.post(payload, signature=None)

    assert response.status_code == 401


async def test_a_replayed_message_id_is_processed_once(office):
    await quick_review(office)
    await office.press("sekda", "Setujui")
    review = office.with_choice("sekda", "Ya, setujui")
    payload = office.wa_users["sekda"].button(
        "Ya, setujui", review.choices[0][1], review.id, office.clock.now()
    )
    await office.send("sekda", payload)
    sent = len(office.graph.sent)

    again = await office.post(payload)

    case = await office.telegram.app.workflow.get(REF)
    assert again.status_code == 200
    assert len(office.graph.sent) == sent
    assert [r.outcome for r in case.runs if r.step_code == "telaah_sekda"] == [Outcome.APPROVED]


async def test_each_message_is_stored_before_it_is_acted_on_and_marked_done(office):
    await office.register("sekda")

    rows = await stored_updates(office)

    assert [(r.status, r.payload, r.attempts) for r in rows] == [("done", {}, 1)]


async def test_a_failure_while_acting_keeps_the_update_and_tells_the_user(office):
    await office.register("sekda")
    user = office.wa_users["sekda"]
    media_id = office.graph.put_media(docx_bytes("X"), "application/pdf", "x.pdf")
    office.graph.media.pop(media_id)  # the media URL lookup fails: Meta lost the file

    await office.send(
        "sekda", user.document(media_id, "x.pdf", "application/pdf", office.clock.now())
    )

    failed = [r for r in await stored_updates(office) if r.status == "failed"]
    assert len(failed) == 1 and failed[0].payload and failed[0].error
    assert "Mohon maaf, terjadi kendala pada sistem" in office.last("sekda").text


async def test_the_hub_challenge_is_answered_with_the_verify_token(office):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }

    response = await office.client.get(WEBHOOK, params=query)

    assert (response.status_code, response.text) == (200, "1158201444")


async def test_the_hub_challenge_is_refused_with_a_wrong_verify_token(office):
    query = {"hub.mode": "subscribe", "hub.verify_token": "tebakan", "hub.challenge": "1158201444"}

    response = await office.client.get(WEBHOOK, params=query)

    assert response.status_code == 403


async def test_delivery_statuses_are_acknowledged_and_not_stored(office):
    status = {"id": "wamid.OUT1", "status": "read", "timestamp": "1772413200", "recipient_id": "1"}
    value = {
        "messaging_product": "whatsapp",
        "statuses": [status],
        "metadata": {"display_phone_number": "6221555000", "phone_number_id": "1122334455667"},
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }
    body = json.dumps(payload).encode()

    response = await office.client.post(
        WEBHOOK, content=body, headers={"X-Hub-Signature-256": sign(body)}
    )

    assert response.status_code == 200
    assert await stored_updates(office) == []


async def test_two_messages_in_one_update_are_each_stored_and_answered(office):
    await office.register("sekda")
    user, now = office.wa_users["sekda"], office.clock.now()
    payload = user.text("tugas", now)
    second = user.text("sop", now)["entry"][0]["changes"][0]["value"]["messages"][0]
    payload["entry"][0]["changes"][0]["value"]["messages"].append(second)
    before = len(office.inbox("sekda"))

    await office.send("sekda", payload)

    assert [r.status for r in await stored_updates(office)] == ["done", "done", "done"]
    assert len(office.inbox("sekda")) - before >= 2
    assert "10. " in office.last("sekda").text


async def test_tugas_shows_the_review_card_then_the_draft_and_a_reminder_sends_no_file_again(
    office,
):
    await review_on_whatsapp(office)
    before = len(office.inbox("sekda"))

    await office.say("sekda", "tugas")

    header, card, document = office.inbox("sekda")[before:]
    assert "1 tugas" in header.text
    assert card.labels == ["Setujui", "Kembalikan"]
    assert office.graph.document(document)[1] == "rancangan.docx"
    assert document.text.startswith("📎 Rancangan Kesepakatan Bersama berparaf Ketua Tim, versi 1")

    shown = len(office.inbox("sekda"))
    office.telegram.at("2026-03-04T13:00")  # step 6's 15 minutes are long past
    await office.telegram.tick()

    later = office.inbox("sekda")[shown:]  # the reminder, with the card, and the digest
    reminder = next(m for m in later if m.labels)
    assert reminder.text.startswith("⏰ Pengingat")
    assert reminder.labels == ["Setujui", "Kembalikan"]
    assert [m.type for m in later if m.type == "document"] == []
