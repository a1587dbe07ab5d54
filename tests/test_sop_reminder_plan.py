"""The reminder plan and notices in the SOP file: the default one, and bad ones rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.calendar import Duration
from bot.sop.loader import load_sop, parse_sop
from bot.sop.model import ReminderAnchor, Sop
from tests.test_sop_loader import MARK, Edits, edited, marked_line, rejection, write

DEFAULT_PLAN = "  - {name: separuh, at: 50%}\n"
ESCALATION = "  - {name: eskalasi_atasan_2, after_due: 1 hari, up: 2}\n"


@pytest.fixture(scope="module")
def sop() -> Sop:
    return load_sop()


def test_default_plan_reminds_at_half_time_shortly_before_and_at_the_deadline(sop: Sop) -> None:
    first = [(r.name, r.anchor, r.percent, r.offset) for r in sop.reminders[:3]]

    assert first == [
        ("separuh", ReminderAnchor.ELAPSED, 50, None),
        ("menjelang", ReminderAnchor.BEFORE_DUE, 0, Duration.parse("30 menit")),
        ("jatuh_tempo", ReminderAnchor.ELAPSED, 100, None),
    ]


def test_default_plan_escalates_to_the_performer_then_two_superiors_up(sop: Sop) -> None:
    ladder = [(r.offset.text if r.offset else "", r.up) for r in sop.reminders[3:]]

    assert ladder == [("1 jam", 0), ("2 jam", 1), ("1 hari", 2)]


def test_every_step_but_the_meeting_follows_the_default_plan(sop: Sop) -> None:
    own = [step.code for step in sop.steps if sop.reminder_plan(step) != sop.reminders]

    assert own == ["rapat_koordinasi"]


def test_the_meeting_is_not_reminded_of_while_it_runs(sop: Sop) -> None:
    plan = sop.reminder_plan(sop.step("rapat_koordinasi"))

    assert [r.name for r in plan] == [
        "jatuh_tempo", "eskalasi_pelaksana", "eskalasi_atasan", "eskalasi_atasan_2"
    ]  # fmt: skip


def test_the_superiors_of_the_ketua_tim_are_the_kabag_then_the_sekda(sop: Sop) -> None:
    assert sop.superior_chain("ketua_tim")[:2] == ["kabag", "sekda"]


def test_the_digest_goes_to_the_roles_the_file_names(sop: Sop) -> None:
    assert sop.notices.digest == ("kabag", "sekda")


def test_an_undeliverable_message_is_reported_to_the_roles_the_file_names(sop: Sop) -> None:
    assert sop.notices.delivery_failed == ("admin",)


def test_a_step_may_have_no_reminders_at_all(tmp_path: Path) -> None:
    text = edited([("    mutu_baku: 1 hari\n", "    mutu_baku: 1 hari\n    reminders: []\n")])

    last = load_sop(write(tmp_path, text)).steps[-1]

    assert last.reminders == ()


def test_an_sop_without_a_plan_reminds_of_nothing() -> None:
    sop = parse_sop(
        "code: x\nnumber: '1'\ntitle: X\norganisation: Y\ncase_prefix: X\n"
        "roles: {a: {title: A}}\nartifacts: {}\n"
        "steps:\n  - {code: s, number: 1, title: S, performer: a, mutu_baku: 1 hari}\n"
    )

    assert (sop.reminder_plan(sop.steps[0]), sop.notices.digest) == ((), ())


def rung(new: str) -> Edits:
    """Replace the default plan's first rung, marking its line."""
    return [(DEFAULT_PLAN, f"  - {new}{MARK}\n")]


BAD_PLANS = [
    pytest.param(rung("{name: separuh, at: 150%}"),
                 "reminders[0].at: '150%' is not a share of the mutu baku from 1% to 100%",
                 id="more than the whole mutu baku"),
    pytest.param(rung("{name: separuh, at: setengah}"),
                 "reminders[0].at: 'setengah' is not a share of the mutu baku",
                 id="a share that is no percentage"),
    pytest.param(rung("{name: separuh, at: 50%, after_due: 1 jam}"),
                 "reminders[0]: give exactly one of at, before_due and after_due",
                 id="two times"),
    pytest.param(rung("{name: separuh}"),
                 "reminders[0]: give exactly one of at, before_due and after_due",
                 id="no time"),
    pytest.param(rung("{name: separuh, before_due: 1 hari}"),
                 "reminders[0].before_due: counts office time: use menit or jam",
                 id="working days before the deadline"),
    pytest.param(rung("{name: separuh, after_due: 2 minggu}"),
                 "reminders[0].after_due: invalid duration '2 minggu'",
                 id="a duration without a known unit"),
    pytest.param([("  - {name: menjelang, before_due: 30 menit}\n",
                   f"  - {{name: separuh, before_due: 30 menit}}{MARK}\n")],
                 "reminders[1]: reminder name 'separuh' is given twice",
                 id="a name given twice"),
    pytest.param(rung("{name: Separuh, at: 50%}"),
                 "reminders[0].name: reminder name 'Separuh' may hold only a-z, 0-9 and _",
                 id="a name that is no identifier"),
    pytest.param(rung("{name: separuh, at: 50%, to: kabag}"),
                 "reminders[0]: unknown key 'to'",
                 id="an unknown key"),
    pytest.param(rung("{name: separuh, at: 50%, up: -1}"),
                 "reminders[0].up: up must be 0 (the performer) or more, got -1",
                 id="a negative level"),
    pytest.param(rung("{name: separuh, at: 50%, up: 5}"),
                 "reminders[0]: up: 5 goes past the top: no role has 5 superiors above it "
                 "(at most 4)",
                 id="above the top of every role"),
    pytest.param([("  digest: [kabag, sekda]\n", f"  digest: [kabag, sekdaa]{MARK}\n")],
                 "notices.digest: unknown role 'sekdaa' (did you mean 'sekda'?)",
                 id="a digest to an unknown role"),
    pytest.param([("  delivery_failed: [admin]\n", f"  delivery_failed: [admn]{MARK}\n")],
                 "notices.delivery_failed: unknown role 'admn' (did you mean 'admin'?)",
                 id="failures reported to an unknown role"),
    pytest.param([("  digest: [kabag, sekda]\n", f"  digets: [kabag, sekda]{MARK}\n")],
                 "notices: unknown key 'digets' (did you mean 'digest'?)",
                 id="a misspelt notice"),
]  # fmt: skip


@pytest.mark.parametrize("edits, reason", BAD_PLANS)
def test_a_malformed_reminder_plan_is_rejected_with_file_line_and_reason(
    tmp_path: Path, edits: Edits, reason: str
) -> None:
    text = edited(edits)
    path = write(tmp_path, text)

    error = rejection(path)

    assert (error.path, error.line) == (str(path), marked_line(text))
    assert reason in error.reason


def test_a_step_plan_may_not_climb_above_its_performers_superiors(tmp_path: Path) -> None:
    step_plan = (
        "    performer: sekda\n"
        f"    reminders:\n      - {{name: eskalasi, after_due: 1 jam, up: 2}}{MARK}\n"
    )
    text = edited([("    performer: sekda\n", step_plan)])

    error = rejection(write(tmp_path, text))

    assert error.line == marked_line(text)
    assert error.reason == (
        "steps[5].reminders[0]: up: 2 goes past the top: role 'sekda' has 1 superior(s) above it"
    )


def test_each_rung_records_its_line_in_the_file(sop: Sop) -> None:
    lines = Path(sop.source).read_text(encoding="utf-8").splitlines()

    assert lines[(sop.reminders[-1].line or 0) - 1] + "\n" == ESCALATION
