"""The real bot in-process on the Bot API stand-in, with officials and cases staged fast.

People are added and bound to their Telegram chats through the repositories, and cases are
walked to the Sekda through the workflow service (as the service tests do), not by chatting:
the benchmarks then time only the traffic they are about.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.bootstrap.app import build_app
from bot.bootstrap.demo import staged
from bot.clock import JAKARTA, FixedClock
from bot.config import Settings
from handlers.telegram.demo import Stage
from handlers.telegram.standin import SimMessage, SimUser, StandIn
from tests.office import MONDAY_MORNING, Office

FIRST_CHAT = 3000
AFTER_SEEDING = datetime(2026, 3, 4, 11, 0, tzinfo=JAKARTA)  # the walk ends before


@dataclass
class Staff:
    """The officials as simulated Telegram users, the cases at the Sekda, and how to wait
    until the bot (in this process or another) has done everything they caused."""

    standin: StandIn
    users: dict[str, SimUser]
    refs: list[str]
    settle: Callable[[], Awaitable[None]]

    def card(self, who: str, ref: str, label: str) -> SimMessage:
        """The newest message of `who` about case `ref` with a button labelled `label`."""
        for message in reversed(self.users[who].inbox):
            if ref in message.text and any(label in found for found in message.labels):
                return message
        raise AssertionError(f"{who} has no message about {ref} with {label!r}")


def chat_users(standin: StandIn, ids: dict[str, int]) -> dict[str, SimUser]:
    """The seeded people as users of the stand-in, on the chats `seed` bound them to."""
    return {key: standin.user(chat, key, started=True)
            for chat, key in enumerate(ids, FIRST_CHAT)}  # fmt: skip


async def seed(
    settings: Settings, readers: int, at_sekda: int
) -> tuple[dict[str, int], list[str]]:
    """People bound to Telegram chats from FIRST_CHAT on, and cases at the Sekda, written
    before the bot starts (it then sends what they queued). Their clock starts on a Monday."""
    clock = FixedClock(MONDAY_MORNING)
    app = await build_app(settings, clock)
    try:
        office = Office(app.uow, app.files, clock, app.sop)
        office.workflow, office.admin = app.workflow, app.admin
        await office.hire()
        for index in range(readers):
            person = await app.admin.add_person(f"Anggota TKKSD {index + 1}", ["tkksd"])
            office.ids[f"reader{index}"] = person.id
        async with app.uow() as unit:
            for chat, person_id in enumerate(office.ids.values(), FIRST_CHAT):
                await unit.people.bind_identity(person_id, "telegram", str(chat))
            await unit.commit()
        refs = []
        for index in range(at_sekda):
            clock.set(MONDAY_MORNING)
            case = await office.open(partner=f"Pemerintah Kota Mitra {index + 1}")
            await office.until_sekda(case)
            refs.append(case.ref)
        return office.ids, refs
    finally:
        await app.close()


@asynccontextmanager
async def bench_office(readers: int = 0, at_sekda: int = 0) -> AsyncIterator[Staff]:
    """The real bot in this process, on the stand-in's transport, with the office of the
    service tests plus `readers` TKKSD members and `at_sekda` cases waiting for the Sekda;
    every message of the set-up already sent."""
    with tempfile.TemporaryDirectory(prefix="sopbot-bench-") as folder:
        stage = Stage(lambda _: None, Path(folder))
        ids, refs = await seed(stage.settings(), readers, at_sekda)
        stage.clock.set(AFTER_SEEDING)
        users = chat_users(stage.standin, ids)
        async with staged(stage):

            async def settle() -> None:
                stage.service.runtime.delivery.wake()
                await stage.standin.settle(max_wait=300)

            staff = Staff(stage.standin, users, refs, settle)
            await staff.settle()
            yield staff
