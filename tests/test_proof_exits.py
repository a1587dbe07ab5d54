"""How the proof counts the ends of the bot's processes: only the kills its plan chose count as
kill -9 from outside; its own stop and an unexplained kill are told apart."""

from __future__ import annotations

import signal

from bot.failpoints import EXIT_CODE
from proof.process import Exits, record


def ended(code: int, failpoint: str | None = None, ending: str | None = None) -> Exits:
    exits = Exits()
    record(exits, code, failpoint, ending)
    return exits


def test_an_exit_at_the_armed_failpoint_counts_for_its_stage():
    assert ended(EXIT_CODE, "outbox.sent:2").failpoints == {"outbox.sent": 1}


def test_a_sigkill_the_plan_sent_counts_as_a_kill_from_outside():
    assert ended(-signal.SIGKILL, ending="kill").killed == 1


def test_the_proofs_own_stop_is_no_kill_from_outside():
    for code in (-signal.SIGTERM, -signal.SIGKILL):
        exits = ended(code, ending="stop")

        assert (exits.killed, exits.stopped, exits.other) == (0, 1, [])


def test_a_kill_nobody_in_the_proof_sent_is_unexpected():
    for code in (-signal.SIGKILL, -signal.SIGTERM):
        exits = ended(code)

        assert (exits.killed, exits.other) == (0, [code])


def test_a_clean_stop_is_clean_whatever_ended_it():
    assert ended(0, ending="stop").clean == 1
