"""Button data: compact, within Telegram's 64 bytes, and forged data is refused."""

from __future__ import annotations

import pytest

from bot import actions
from bot.errors import StaleAction


def test_an_encoded_action_decodes_to_the_same_press():
    data = actions.encode("approve", 42, 7, 3)

    assert data == "ap:42:7:3"
    assert actions.decode(data) == actions.Action("approve", (42, 7, 3))


def test_the_largest_realistic_action_fits_in_64_bytes():
    data = actions.encode("pick", 2**31, 10, 99, 2**31)

    assert len(data.encode()) <= actions.MAX_BYTES


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "xx:1:2:3",
        "ap:1:2",
        "ap:1:2:3:4",
        "ap:a:2:3",
        "ap:-1:2:3",
        "ap:1:2:3" + "0" * 70,
        "ok:1:2",
    ],
)
def test_forged_or_malformed_data_is_a_stale_action(forged):
    with pytest.raises(StaleAction):
        actions.decode(forged)


def test_every_verb_has_a_distinct_code():
    codes = [code for code, _ in actions.VERBS.values()]

    assert len(codes) == len(set(codes))
