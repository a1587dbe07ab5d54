"""Invite codes on real databases (SQLite and PostgreSQL): 80 random bits, stored hashed,
expiring, and at most five failed tries per chat account and hour, counted in the database."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.admin import CODE_ALPHABET, INVITE_TRIES, Admin, hash_code, new_code
from bot.clock import JAKARTA, FixedClock
from bot.errors import InvalidInvite, TooManyInviteAttempts
from bot.fmt import format_datetime
from bot.sop.loader import load_sop
from bot.texts import t
from storage.db import make_engine, make_session_factory
from storage.models import Base
from storage.uow import SqlAlchemyUnitOfWork
from storage.uow import uow_factory as make_uow_factory
from tests.fakes import TEST_AUDIT_KEY

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA)
TELEGRAM = ("telegram", "5550001")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NINE)


@pytest.fixture
def admin(uow_factory: Callable[[], SqlAlchemyUnitOfWork], clock: FixedClock) -> Admin:
    return Admin(uow_factory, load_sop(), clock, audit_key=TEST_AUDIT_KEY)


@pytest.fixture
async def restarted(database_url: str, clock: FixedClock) -> AsyncIterator[Admin]:
    """The same database seen by a process started afterwards: nothing shared in memory."""
    engine = make_engine(database_url)
    factory = make_uow_factory(make_session_factory(engine), TEST_AUDIT_KEY)
    yield Admin(factory, load_sop(), clock, audit_key=TEST_AUDIT_KEY)
    await engine.dispose()


async def fail_times(admin: Admin, clock: FixedClock, times: int, minutes_apart: int = 10) -> None:
    """Send `times` unknown codes from the account, `minutes_apart` minutes apart."""
    for n in range(times):
        if n:
            clock.advance(minutes=minutes_apart)
        with pytest.raises(InvalidInvite):
            await admin.accept_invite(f"SALAH-{n:04d}", *TELEGRAM)


def test_a_code_has_at_least_80_random_bits_in_four_groups_of_four():
    code = new_code()

    groups = code.split("-")
    assert [len(group) for group in groups] == [4, 4, 4, 4]
    assert set("".join(groups)) <= set(CODE_ALPHABET)
    assert 16 * math.log2(len(CODE_ALPHABET)) >= 80
    assert not set("0O1I") & set(CODE_ALPHABET)


async def test_a_code_is_stored_only_as_its_hash(admin, engine):
    code, _ = await admin.create_invite("tkksd", "Dewi Lestari")

    async with engine.connect() as connection:
        rows = (await connection.execute(select(Base.metadata.tables["invites"]))).all()

    assert [row.code_hash for row in rows] == [hash_code(code)]
    assert code.replace("-", "") not in str(rows)


async def test_a_code_is_accepted_read_aloud_in_lower_case_with_spaces(admin):
    code, _ = await admin.create_invite("tkksd")

    person = await admin.accept_invite(code.lower().replace("-", " "), *TELEGRAM)

    assert person.roles == frozenset({"tkksd"})


async def test_a_code_expires_after_its_validity(admin, clock):
    code, invite = await admin.create_invite("tkksd")
    clock.set(invite.expires_at)

    with pytest.raises(InvalidInvite) as refused:
        await admin.accept_invite(code, *TELEGRAM)

    assert refused.value.params["reason"] == "expired"


async def test_after_five_failures_in_an_hour_even_a_valid_code_is_not_checked(admin, clock):
    code, _ = await admin.create_invite("tkksd")
    await fail_times(admin, clock, INVITE_TRIES)  # 09:00 to 09:40

    with pytest.raises(TooManyInviteAttempts) as refused:
        await admin.accept_invite(code, *TELEGRAM)

    until = format_datetime(datetime(2026, 3, 2, 10, 0, tzinfo=JAKARTA))
    assert t(refused.value.text_key, **refused.value.params) == t(
        "error.invite_attempts", until=until
    )
    other = await admin.accept_invite(code, "telegram", "5550002")  # the code is still unused
    assert other.roles == frozenset({"tkksd"})


async def test_the_count_survives_a_restart(admin, restarted, clock):
    code, _ = await admin.create_invite("tkksd")
    await fail_times(admin, clock, INVITE_TRIES)

    with pytest.raises(TooManyInviteAttempts):
        await restarted.accept_invite(code, *TELEGRAM)


async def test_the_account_may_try_again_once_its_oldest_failure_is_an_hour_old(admin, clock):
    code, _ = await admin.create_invite("tkksd")
    await fail_times(admin, clock, INVITE_TRIES)
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=JAKARTA))

    person = await admin.accept_invite(code, *TELEGRAM)

    assert person.roles == frozenset({"tkksd"})


async def test_refused_tries_do_not_prolong_the_wait(admin, clock):
    await fail_times(admin, clock, INVITE_TRIES)
    for _ in range(3):
        clock.advance(minutes=5)
        with pytest.raises(TooManyInviteAttempts) as refused:
            await admin.accept_invite("SALAH", *TELEGRAM)

    until = format_datetime(datetime(2026, 3, 2, 10, 0, tzinfo=JAKARTA))
    assert refused.value.params == {"until": until}


async def test_expired_and_used_codes_count_as_failures_too(admin, clock):
    used, _ = await admin.create_invite("tkksd")
    await admin.accept_invite(used, "telegram", "5550009")
    expired, invite = await admin.create_invite("tkksd")
    clock.set(invite.expires_at)
    for code in (used, expired, used, expired, used):
        with pytest.raises(InvalidInvite):
            await admin.accept_invite(code, *TELEGRAM)

    with pytest.raises(TooManyInviteAttempts):
        await admin.accept_invite(used, *TELEGRAM)


async def test_another_chat_account_is_not_locked_out(admin, clock):
    code, _ = await admin.create_invite("tkksd")
    await fail_times(admin, clock, INVITE_TRIES)

    person = await admin.accept_invite(code, "whatsapp", "6281100000009")

    assert person.roles == frozenset({"tkksd"})


async def test_sending_ones_own_used_code_again_is_not_a_failure(admin, clock):
    code, _ = await admin.create_invite("tkksd")
    await admin.accept_invite(code, *TELEGRAM)
    for _ in range(INVITE_TRIES):
        with pytest.raises(InvalidInvite):
            await admin.accept_invite(code, *TELEGRAM)

    second, _ = await admin.create_invite("sekda")
    person = await admin.accept_invite(second, *TELEGRAM)

    assert person.roles == frozenset({"tkksd", "sekda"})


async def test_failures_older_than_the_window_are_purged(admin, clock, engine):
    await fail_times(admin, clock, 2)
    clock.advance(hours=2)

    await fail_times(admin, clock, 1)

    async with engine.connect() as connection:
        rows = (await connection.execute(select(Base.metadata.tables["invite_failures"]))).all()
    assert [(row.channel, row.external_id, row.at) for row in rows] == [(*TELEGRAM, clock.now())]
