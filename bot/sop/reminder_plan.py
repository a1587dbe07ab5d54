"""Read the reminder plan and the notices of an SOP file (see `bot.sop.loader` for the rules).

A plan is a list of rungs, each a mapping with a ``name`` and exactly one time:

- ``at: 50%`` — that share of the step's mutu baku has passed (1–100%; 100% is the deadline);
- ``before_due: 30 menit`` — that much office time before the deadline (menit or jam);
- ``after_due: 1 jam`` / ``after_due: 1 hari`` — after the deadline (office time, working days);

and optionally ``up: N``: 0 (the default) tells the performer, 1 the performer's superior
(the role's ``superior``), 2 the superior's superior, and so on. A rung whose superior does not
exist for a step's performer is skipped for that step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from yaml.nodes import Node

from bot.sop.model import Notices, ReminderAnchor, ReminderRule, Role, superior_chain
from bot.sop.yaml_nodes import (
    Map,
    at,
    duration,
    fail,
    identifier,
    integer,
    refs,
    scalar,
    sequence,
)

_PERCENT = re.compile(r"([0-9]+)\s*%")
_TIMES = tuple(anchor.value for anchor in ReminderAnchor)


def rules(
    node: Node, where: str, roles: Mapping[str, Role], performer: str | None
) -> tuple[ReminderRule, ...]:
    """A reminder plan; `performer` (for a step's own plan) bounds how far `up` may go."""
    plan: list[ReminderRule] = []
    for index, item in enumerate(sequence(node, where)):
        rule = _rule(item, at(where, index))
        if any(earlier.name == rule.name for earlier in plan):
            fail(item, at(where, index), f"reminder name '{rule.name}' is given twice")
        _check_up(item, at(where, index), rule.up, roles, performer)
        plan.append(rule)
    return tuple(plan)


def notices(node: Node, where: str, roles: Mapping[str, Role]) -> Notices:
    """Who gets the daily digest, the news of an undeliverable message and of system failures."""
    m = Map(node, where, (), ("digest", "delivery_failed", "system_failure"))
    undeliverable = m.opt("delivery_failed", lambda n, w: refs(n, w, roles, "role"), ())
    return Notices(
        digest=m.opt("digest", lambda n, w: refs(n, w, roles, "role"), ()),
        delivery_failed=undeliverable,
        system_failure=m.opt(
            "system_failure", lambda n, w: refs(n, w, roles, "role"), undeliverable
        ),
    )


def _rule(node: Node, where: str) -> ReminderRule:
    m = Map(node, where, ("name",), (*_TIMES, "up"))
    given = [key for key in _TIMES if key in m.values]
    if len(given) != 1:
        fail(node, where, "give exactly one of at, before_due and after_due")
    anchor = ReminderAnchor(given[0])
    up = m.opt("up", integer, 0)
    if up < 0:
        fail(m.values["up"], m.at("up"), f"up must be 0 (the performer) or more, got {up}")
    rule = ReminderRule(
        name=m("name", lambda n, w: identifier(n, w, "reminder name")),
        anchor=anchor,
        up=up,
        line=int(node.start_mark.line) + 1,
    )
    if anchor is ReminderAnchor.ELAPSED:
        return _with_percent(rule, m.values["at"], m.at("at"))
    offset = m(anchor.value, duration)
    if anchor is ReminderAnchor.BEFORE_DUE and not offset.is_working_time:
        fail(m.values[anchor.value], m.at(anchor.value), "counts office time: use menit or jam")
    return ReminderRule(rule.name, anchor, 0, offset, rule.up, rule.line)


def _with_percent(rule: ReminderRule, node: Node, where: str) -> ReminderRule:
    value = scalar(node, where, "str", "a share of the mutu baku such as '50%'")
    match = _PERCENT.fullmatch(value.strip())
    if match is None or not 1 <= int(match.group(1)) <= 100:
        fail(node, where, f"'{value}' is not a share of the mutu baku from 1% to 100%")
    return ReminderRule(rule.name, rule.anchor, int(match.group(1)), None, rule.up, rule.line)


def _check_up(
    node: Node, where: str, up: int, roles: Mapping[str, Role], performer: str | None
) -> None:
    if performer is not None:
        above = len(superior_chain(performer, roles))
        if up > above:
            fail(node, where, f"up: {up} goes past the top: role '{performer}' has "
                              f"{above} superior(s) above it")  # fmt: skip
        return
    longest = max((len(superior_chain(role, roles)) for role in roles), default=0)
    if up > longest:
        fail(node, where, f"up: {up} goes past the top: no role has {up} superiors "
                          f"above it (at most {longest})")  # fmt: skip
