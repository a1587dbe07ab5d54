"""A person with both channels: one person, and notifications on the preferred channel."""

from __future__ import annotations

import pytest

from tests.telegram_office import step_two
from tests.whatsapp_office import WhatsAppOffice

NIP = "197001011995031001"
REPORT = "Undangan sedang ditandatangani"


@pytest.fixture
async def office(tmp_path):
    office = WhatsAppOffice(tmp_path)
    await office.start(on_telegram=("ketua", "walikota", "tkksd"))
    await office.hire_on_telegram("kabag", nip=NIP)
    yield office
    await office.stop()


async def assign_ketua(office: WhatsAppOffice) -> None:
    """The Kabag opens a case on Telegram and hands step 2 to the Ketua Tim."""
    await step_two(office.telegram)


async def people(office: WhatsAppOffice) -> dict[str, int]:
    async with office.telegram.app.uow() as uow:
        telegram = await uow.people.by_identity("telegram", "1001")
        whatsapp = await uow.people.by_identity("whatsapp", office.wa_users["kabag"].bsuid)
    return {"telegram": telegram.id, "whatsapp": whatsapp.id}


async def test_an_invite_with_a_registered_nip_links_whatsapp_to_the_same_person(office):
    await office.register("kabag", nip=NIP)

    ids = await people(office)

    assert ids["telegram"] == ids["whatsapp"]


async def test_an_invite_without_a_nip_registers_a_new_person(office):
    await office.register("kabag")

    ids = await people(office)

    assert ids["telegram"] != ids["whatsapp"]


async def test_notifications_go_to_the_channel_registered_last(office):
    await assign_ketua(office)
    await office.register("kabag", nip=NIP)

    await office.telegram.say("ketua", f"/lapor KB-2026-0001 {REPORT}")

    assert REPORT in office.last("kabag").text
    assert all(REPORT not in m.text for m in office.telegram.inbox("kabag"))


async def test_the_other_account_still_works_for_the_same_person(office):
    await assign_ketua(office)
    await office.register("kabag", nip=NIP)

    answer = await office.telegram.say("kabag", "/status KB-2026-0001")

    assert "KB-2026-0001" in answer.text
