"""1. Throughput of mixed traffic: the real bot against the bare echo bot, both in-process.

One round is, per TKKSD member, `/tugas` and `/status CASE`; the Kabag the same; the Wali Kota
`/tugas`; the Sekda presses "Kembalikan" on a task card, writes the note (a text answer to the
bot's question) and cancels with `/batal`. All rounds are queued at once and the time until
the bot has answered everything is taken. The echo bot gets the same updates in the same chats
(its button instead of the task card's).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.echo import in_process
from bench.office import FIRST_CHAT, bench_office
from bench.report import Figure, Say
from handlers.telegram.standin import SimMessage, SimUser, StandIn

PART = "1. Mixed traffic"
Press = Callable[[SimUser, int], None]


def _round(users: dict[str, SimUser], refs: list[str], number: int, press: Press) -> int:
    """Queue one round of traffic; how many updates it made."""
    ref = refs[number % len(refs)]
    made = 0
    for key, user in users.items():
        if key.startswith("reader") or key == "kabag":
            user.send("/tugas")
            user.send(f"/status {ref}")
            made += 2
    users["walikota"].send("/tugas")
    press(users["sekda"], number)
    users["sekda"].send(f"Pasal pembiayaan perkara {ref} perlu dirinci.")
    users["sekda"].send("/batal")
    return made + 4


async def sopbot_rate(rounds: int, readers: int) -> tuple[float, int]:
    """Updates per second of the real bot, and how many were timed."""
    async with bench_office(readers=readers, at_sekda=4) as staff:
        cards = {ref: staff.card("sekda", ref, "Kembalikan") for ref in staff.refs}

        def press(sekda: SimUser, number: int) -> None:
            card = cards[staff.refs[number % len(staff.refs)]]
            data = next(d for row in card.buttons for label, d in row if label == "Kembalikan")
            assert data is not None
            sekda.press_data(data, card)

        _round(staff.users, staff.refs, 0, press)  # warm-up
        await staff.settle()
        started = time.perf_counter()
        count = sum(_round(staff.users, staff.refs, n, press) for n in range(1, rounds + 1))
        await staff.settle()
        return count / (time.perf_counter() - started), count


async def echo_rate(rounds: int, readers: int) -> float:
    """Updates per second of the echo bot for the same traffic."""
    standin = StandIn()
    keys = ["kabag", "walikota", "sekda", *[f"reader{i}" for i in range(readers)]]
    users = {key: standin.user(FIRST_CHAT + i, key, started=True) for i, key in enumerate(keys)}
    refs = ["KB-2026-0001"]
    async with in_process(standin):
        users["sekda"].send("halo")
        await standin.settle(max_wait=60)
        button: SimMessage = users["sekda"].last

        def press(sekda: SimUser, number: int) -> None:
            sekda.press_data("ok", button)

        _round(users, refs, 0, press)
        await standin.settle(max_wait=60)
        started = time.perf_counter()
        count = sum(_round(users, refs, n, press) for n in range(1, rounds + 1))
        await standin.settle(max_wait=300)
        return count / (time.perf_counter() - started)


async def run(say: Say, quick: bool) -> list[Figure]:
    """Measure both and compare."""
    rounds, readers = (2, 3) if quick else (12, 20)
    baseline = await echo_rate(rounds, readers)
    rate, count = await sopbot_rate(rounds, readers)
    return [
        Figure(PART, f"mixed traffic, {count} updates in {readers + 3} chats", rate, "updates/s",
               baseline, "bare PTB echo bot", "≥ 0.5×", rate / baseline >= 0.5),
    ]  # fmt: skip
