"""Administration on fakes: invites, people, delegations and holidays, each audited."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.admin import find_person, hash_code
from bot.clock import JAKARTA
from bot.errors import InvalidInput, InvalidInvite, NotYourTask, UserNotFound
from bot.texts import t
from bot.workflow import commands as c
from tests.fakes import FakeDB
from tests.office import PEOPLE


def audit_kinds(db: FakeDB) -> list[str]:
    return [record.entry.kind for record in db.audit]


async def test_an_invite_code_registers_a_chat_account_with_its_role(office, db):
    code, _ = await office.admin.create_invite("tkksd", "Dewi Lestari, S.H.", "199202022018012001")

    person = await office.admin.accept_invite(code, "telegram", "5550001")

    assert (person.name, person.roles, person.nip) == (
        "Dewi Lestari, S.H.",
        frozenset({"tkksd"}),
        "199202022018012001",
    )
    assert db.identities[("telegram", "5550001")] == person.id
    assert db.used_by[hash_code(code)] == person.id
    assert audit_kinds(db)[-2:] == ["InviteCreated", "PersonRegistered"]


async def test_only_the_hash_of_an_invite_code_is_stored(office, db):
    code, _ = await office.admin.create_invite("tkksd")

    assert code not in db.invites
    assert hash_code(code) in db.invites
    assert code not in str([record.entry for record in db.audit])


async def test_an_invite_code_works_once(office):
    code, _ = await office.admin.create_invite("tkksd")
    await office.admin.accept_invite(code, "telegram", "5550001")

    with pytest.raises(InvalidInvite) as error:
        await office.admin.accept_invite(code, "telegram", "5550002")

    assert t(error.value.text_key, **error.value.params) == (
        "Kode undangan tidak berlaku (kode sudah pernah dipakai). "
        "Mohon minta kode baru kepada administrator."
    )


async def test_an_expired_invite_code_is_refused(office):
    code, _ = await office.admin.create_invite("tkksd")
    office.clock.advance(hours=73)

    with pytest.raises(InvalidInvite) as error:
        await office.admin.accept_invite(code, "telegram", "5550001")

    assert error.value.params["reason"] == "expired"


async def test_an_invite_code_is_read_leniently_as_typed_on_a_phone(office):
    code, _ = await office.admin.create_invite("tkksd", "Dewi")

    person = await office.admin.accept_invite(
        f"  {code.lower().replace('-', ' ')} ", "wa", "62811"
    )

    assert person.name == "Dewi"


async def test_a_second_invite_adds_a_role_to_the_same_account(office):
    first, _ = await office.admin.create_invite("kabag", "Budi")
    second, _ = await office.admin.create_invite("admin")
    await office.admin.accept_invite(first, "telegram", "5550001")

    person = await office.admin.accept_invite(second, "telegram", "5550001")

    assert person.roles == frozenset({"kabag", "admin"})


async def test_an_invite_for_an_unknown_role_is_refused(office):
    with pytest.raises(InvalidInput) as error:
        await office.admin.create_invite("lurah")

    assert "kabag" in error.value.params["reason"]


async def test_a_deactivated_official_can_no_longer_act(office, db):
    case = await office.open()
    await office.admin.set_active("Budi", False)

    with pytest.raises(NotYourTask):
        await office.act("kabag", c.Complete, case, "penugasan")

    assert audit_kinds(db)[-1] == "PersonDeactivated"


async def test_people_are_found_by_id_nip_or_part_of_the_name(office):
    roster = await office.workflow.roster()

    by_nip = find_person(roster, "196805101990031005")
    by_name = find_person(roster, "hendra")
    by_id = find_person(roster, str(by_nip.id))

    assert by_nip == by_name == by_id


async def test_an_ambiguous_name_finds_nobody(office):
    roster = await office.workflow.roster()

    with pytest.raises(UserNotFound):
        find_person(roster, "an")


async def test_each_delegation_change_is_audited(office, db):
    made = await office.admin.delegate(
        "Hendra", "Joko", "plt", date(2026, 3, 1), date(2026, 3, 31)
    )

    await office.admin.revoke(made.id)

    assert audit_kinds(db)[-2:] == ["DelegationAdded", "DelegationRevoked"]
    assert db.audit[-2].entry.data["kind"] == "plt"


@pytest.mark.parametrize(
    "kind, starts, ends",
    [("pj", date(2026, 3, 1), date(2026, 3, 2)), ("plh", date(2026, 3, 5), date(2026, 3, 2))],
)
async def test_a_malformed_delegation_is_refused(office, kind, starts, ends):
    with pytest.raises(InvalidInput):
        await office.admin.delegate("Hendra", "Joko", kind, starts, ends)


async def test_nobody_can_deputise_for_themselves(office):
    with pytest.raises(InvalidInput):
        await office.admin.delegate("Hendra", "Hendra", "plh", date(2026, 3, 1), date(2026, 3, 2))


async def test_a_regional_holiday_moves_a_due_date(office, db):
    await office.admin.add_holiday(date(2026, 3, 3), "Hari Jadi Kota Tangerang")
    case = await office.open()

    await office.assign_and_dispose(case)

    run = (await office.case(case)).current_run("persiapan")
    assert run.due_at == datetime(2026, 3, 5, 9, 0, tzinfo=JAKARTA)
    assert "HolidayAdded" in audit_kinds(db)


async def test_removing_a_national_holiday_declares_a_working_day(office, db):
    what = await office.admin.remove_holiday(date(2026, 8, 17), "Upacara dipindah")

    overrides = await office.admin.holidays()
    assert what == "working_day"
    assert [(o.day, o.is_holiday) for o in overrides] == [(date(2026, 8, 17), False)]


async def test_removing_an_added_holiday_deletes_the_override(office):
    await office.admin.add_holiday(date(2026, 3, 3), "Hari Jadi Kota")

    what = await office.admin.remove_holiday(date(2026, 3, 3))

    assert what == "removed"
    assert await office.admin.holidays() == []


async def test_the_audit_chain_verifies_after_administration(office):
    await office.admin.add_holiday(date(2026, 3, 3), "Hari Jadi Kota")
    await office.admin.delegate("Hendra", "Joko", "plh", date(2026, 3, 1), date(2026, 3, 2))

    report = await office.admin.verify_audit()

    assert report.ok
    assert report.checked == len(PEOPLE) + 2  # one PersonAdded each, then the two changes
