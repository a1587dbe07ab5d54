"""Read an SOP YAML file into a `Sop`, or reject it with the file, the line and the reason.

The file format follows the dataclasses in `bot.sop.model`, with these conventions:

- Every key is checked: a missing required key, an unknown key (a typo), a value of the wrong
  type, or a role, artifact or step that is not defined is an error.
- An optional field left empty (``note:``, ``needs: []``) takes the dataclass default.
- A step without ``goto`` continues with the next step in the file. The last step without
  ``goto``, and any step with an explicit ``goto: null`` (or an empty ``goto:``), ends the case.
- A decision step (``action: decision``) has no ``goto`` of its own: each decision must name its
  target, ``goto: null`` ending the case. It has exactly one approve and at most one return.
- Every step must be reachable from the first step, and every step must have a path to an end.
- Lines in errors are 1-based. Reasons name the key, e.g. ``steps[3].performer`` (0-based index).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import NoReturn, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.calendar import Duration
from bot.errors import SopFileError
from bot.sop.model import (
    Artifact,
    ArtifactKind,
    Decision,
    DecisionKind,
    Precondition,
    Role,
    Sop,
    Step,
)

DEFAULT_SOP_FILE = "sop54_2025.yaml"

_TAG = "tag:yaml.org,2002:"
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_ACTIONS = ("selesai", "sampaikan", "decision")
_SOP_REQUIRED = (
    "code",
    "number",
    "title",
    "organisation",
    "case_prefix",
    "roles",
    "artifacts",
    "steps",
)
_SOP_OPTIONAL = ("partner_kinds", "permissions", "total_mutu_baku")
_STEP_REQUIRED = ("code", "number", "title", "performer", "mutu_baku")
_STEP_OPTIONAL = (
    "needs",
    "produces",
    "participants",
    "assigns",
    "action",
    "goto",
    "decisions",
    "clock_starts_at",
    "precondition",
    "note",
)
_KINDS = {
    "str": "text",
    "int": "an integer",
    "float": "a decimal number",
    "bool": "a yes/no value",
    "null": "nothing",
}

T = TypeVar("T")
D = TypeVar("D")


def load_sop(path: str | Path | None = None) -> Sop:
    """Read and validate an SOP file; None reads the SOP 54/2025 file shipped with sopbot."""
    if path is None:
        resource = resources.files("bot.sop") / DEFAULT_SOP_FILE
        source, read = str(resource), resource.read_bytes
    else:
        source, read = str(path), Path(path).read_bytes
    try:
        data = read()
    except OSError as error:
        raise SopFileError(source, None, f"cannot read the file: {error.strerror}") from error
    return parse_sop(data, source)


def parse_sop(data: bytes | str, source: str = "<string>") -> Sop:
    """Validate SOP YAML text (bytes: UTF-8) and build the `Sop`; `source` names the file."""
    try:
        return _sop(_compose(data), source)
    except _Invalid as error:
        raise SopFileError(source, *error.args) from error


class _Invalid(Exception):
    """A problem in the file: its line (or None) and the reason; `parse_sop` adds the path."""


def _fail(node: Node | int | None, where: str, message: str) -> NoReturn:
    line = int(node.start_mark.line) + 1 if isinstance(node, Node) else node
    raise _Invalid(line, f"{where}: {message}" if where else message)


def _compose(data: bytes | str) -> Node:
    try:
        root = yaml.compose(data, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        context = f" ({error.context})" if error.context else ""
        reason = f"not valid YAML: {error.problem}{context}"
        raise _Invalid(mark.line + 1 if mark else None, reason) from error
    except yaml.reader.ReaderError as error:
        head = data[: error.position]
        line = (head.decode(errors="replace") if isinstance(head, bytes) else head).count("\n")
        bad_text = error.encoding != "unicode"  # PyYAML's label for a character it refuses
        what = f"not {error.encoding} text" if bad_text else "not valid YAML"
        raise _Invalid(line + 1, f"{what}: {error.reason}") from error
    if root is None:
        raise _Invalid(None, "the file is empty; expected a mapping with code, title and steps")
    if not isinstance(root, MappingNode):
        _fail(root, "", f"the top level must be a mapping of keys, not {_kind(root)}")
    return root


class _Map:
    """A YAML mapping whose keys were checked: every required key given, no unknown key."""

    def __init__(
        self, node: Node, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> None:
        self.where = where
        self.keys: dict[str, Node] = {}
        self.values: dict[str, Node] = {}
        for key, key_node, value in _pairs(node, where):
            if key not in required + optional:
                _fail(key_node, where, f"unknown key '{key}'" + _suggest(key, required + optional))
            self.keys[key], self.values[key] = key_node, value
        for key in required:
            if key not in self.values:
                _fail(node, where, f"missing required key '{key}'")

    def at(self, key: str) -> str:
        return _at(self.where, key)

    def __call__(self, key: str, parse: Callable[[Node, str], T]) -> T:
        return parse(self.values[key], self.at(key))

    def opt(self, key: str, parse: Callable[[Node, str], T], default: D) -> T | D:
        node = self.values.get(key)
        return default if node is None or _is_null(node) else parse(node, self.at(key))


def _sop(root: Node, source: str) -> Sop:
    m = _Map(root, "", _SOP_REQUIRED, _SOP_OPTIONAL)
    roles = m("roles", _roles)
    artifacts = m("artifacts", _artifacts)
    partner_kinds = m.opt("partner_kinds", _labels, {})
    ctx = _Context(roles, artifacts, partner_kinds)
    return Sop(
        code=m("code", _text),
        number=m("number", _text),
        title=m("title", _text),
        organisation=m("organisation", _text),
        case_prefix=m("case_prefix", _text),
        roles=roles,
        artifacts=artifacts,
        steps=m("steps", ctx.steps),
        partner_kinds=partner_kinds,
        permissions=m.opt("permissions", ctx.permissions, {}),
        total_mutu_baku=m.opt("total_mutu_baku", _duration, None),
        source=source,
    )


def _roles(node: Node, where: str) -> Mapping[str, Role]:
    entries = _entries(node, where, "role key")
    keys = [key for key, _ in entries]
    roles: dict[str, Role] = {}
    superiors: dict[str, Node] = {}
    for key, value in entries:
        m = _Map(value, _at(where, key), ("title",), ("superior",))
        superior = m.opt("superior", lambda n, w: _ref(n, w, keys, "role"), None)
        roles[key] = Role(key, m("title", _text), superior)
        if superior is not None:
            superiors[key] = m.values["superior"]
    for key, superior_node in superiors.items():
        chain = [key]
        while (up := roles[chain[-1]].superior) is not None:
            if up in chain:
                loop = " → ".join([*chain, up])
                _fail(superior_node, _at(_at(where, key), "superior"), f"superiors loop: {loop}")
            chain.append(up)
    return roles


def _artifacts(node: Node, where: str) -> Mapping[str, Artifact]:
    artifacts: dict[str, Artifact] = {}
    kinds = [kind.value for kind in ArtifactKind]
    for key, value in _entries(node, where, "artifact key"):
        m = _Map(value, _at(where, key), ("label", "kind"))
        kind = m("kind", lambda n, w: _ref(n, w, kinds, "artifact kind"))
        artifacts[key] = Artifact(key, m("label", _text), ArtifactKind(kind))
    return artifacts


def _labels(node: Node, where: str) -> dict[str, str]:
    return {key: _text(value, _at(where, key)) for key, value in _entries(node, where, "key")}


class _Context:
    """What steps may refer to, and the gotos to check once every step is known."""

    def __init__(
        self,
        roles: Mapping[str, Role],
        artifacts: Mapping[str, Artifact],
        partner_kinds: Mapping[str, str],
    ) -> None:
        self.roles, self.artifacts, self.partner_kinds = roles, artifacts, partner_kinds
        self.gotos: list[tuple[Node, str, str]] = []

    def role(self, node: Node, where: str) -> str:
        return _ref(node, where, self.roles, "role")

    def roles_of(self, node: Node, where: str) -> tuple[str, ...]:
        return _refs(node, where, self.roles, "role")

    def artifacts_of(self, node: Node, where: str) -> tuple[str, ...]:
        return _refs(node, where, self.artifacts, "artifact")

    def permissions(self, node: Node, where: str) -> Mapping[str, tuple[str, ...]]:
        entries = _entries(node, where, "permission")
        return {key: self.roles_of(value, _at(where, key)) for key, value in entries}

    def goto(self, node: Node, where: str) -> str | None:
        if _is_null(node):
            return None
        target = _text(node, where)
        self.gotos.append((node, where, target))
        return target

    def clock(self, node: Node, where: str) -> str:
        key = _ref(node, where, self.artifacts, "artifact")
        kind = self.artifacts[key].kind
        if kind is not ArtifactKind.DATETIME:
            _fail(
                node,
                where,
                f"artifact '{key}' is of kind {kind.value}, not datetime; "
                "the clock can only start at a recorded time",
            )
        return key

    def precondition(self, node: Node, where: str) -> Precondition:
        m = _Map(node, where, ("when", "requires", "description"))
        when: dict[str, str] = {}
        where = m.at("when")
        for key, value in _entries(m.values["when"], where, "condition"):
            if key != "partner_kind":
                _fail(value, where, f"unknown condition '{key}' (only partner_kind is supported)")
            when[key] = _ref(value, _at(where, key), self.partner_kinds, "partner kind")
        requires = m("requires", self.artifacts_of)
        if not requires:
            _fail(m.keys["requires"], m.at("requires"), "name at least one artifact")
        return Precondition(when, requires, m("description", _text))

    def steps(self, node: Node, where: str) -> tuple[Step, ...]:
        items = _list(node, where)
        if not items:
            _fail(node, where, "an SOP needs at least one step")
        steps: list[Step] = []
        for index, item in enumerate(items):
            steps.append(_step(self, item, _at(where, index), steps))
        for index, item in enumerate(items[:-1]):
            if not steps[index].decisions and all(k.value != "goto" for k, _ in item.value):
                steps[index] = replace(steps[index], goto=steps[index + 1].code)
        codes = [step.code for step in steps]
        for goto_node, at, target in self.gotos:
            if target not in codes:
                _fail(
                    goto_node,
                    at,
                    f"goes to step '{target}', which does not exist" + _suggest(target, codes),
                )
        _check_flow(steps, where)
        return tuple(steps)


def _step(ctx: _Context, node: Node, where: str, earlier: list[Step]) -> Step:
    m = _Map(node, where, _STEP_REQUIRED, _STEP_OPTIONAL)
    code, number = _identity(m, earlier)
    action, decisions = _action(ctx, m)
    goto = m.values.get("goto")
    if goto is not None and decisions:
        _fail(goto, m.at("goto"), "a decision step goes where its decisions say; remove goto")
    return Step(
        code=code,
        number=number,
        title=m("title", _text),
        performer=m("performer", ctx.role),
        mutu_baku=m("mutu_baku", _duration),
        needs=m.opt("needs", ctx.artifacts_of, ()),
        produces=m.opt("produces", ctx.artifacts_of, ()),
        participants=m.opt("participants", ctx.roles_of, ()),
        assigns=m.opt("assigns", ctx.roles_of, ()),
        action=action,
        goto=ctx.goto(goto, m.at("goto")) if goto is not None else None,
        decisions=decisions,
        clock_starts_at=m.opt("clock_starts_at", ctx.clock, None),
        precondition=m.opt("precondition", ctx.precondition, None),
        note=m.opt("note", lambda n, w: _scalar(n, w, "str", "text").strip(), ""),
        line=int(node.start_mark.line) + 1,
    )


def _identity(m: _Map, earlier: list[Step]) -> tuple[str, int]:
    code, number = m("code", _key), m("number", _int)
    code_node, number_node = m.values["code"], m.values["number"]
    if number < 1:
        _fail(number_node, m.at("number"), f"step number {number} must be positive")
    for step in earlier:
        if step.code == code:
            _fail(
                code_node,
                m.at("code"),
                f"duplicate step code '{code}' (also step {step.number} on line {step.line})",
            )
        if step.number == number:
            _fail(
                number_node,
                m.at("number"),
                f"duplicate step number {number} (also step '{step.code}' on line {step.line})",
            )
    if earlier and number < earlier[-1].number:
        _fail(
            number_node,
            m.at("number"),
            f"step number {number} comes after "
            f"{earlier[-1].number}; numbers must increase in file order",
        )
    return code, number


def _action(ctx: _Context, m: _Map) -> tuple[str, tuple[Decision, ...]]:
    action = m.opt("action", lambda n, w: _ref(n, w, _ACTIONS, "action"), "selesai")
    items = m.opt("decisions", _list, [])
    if action != "decision":
        if items:
            _fail(
                m.keys["decisions"],
                m.at("decisions"),
                f"decisions need 'action: decision' (this step's action is '{action}')",
            )
        return action, ()
    if not items:
        _fail(m.keys["action"], m.at("action"), "'action: decision' needs decisions")
    where = m.at("decisions")
    decisions = [_decision(ctx, item, _at(where, i)) for i, item in enumerate(items)]
    kinds = [decision.kind for decision in decisions]
    for index, kind in enumerate(kinds):
        if kind in kinds[:index]:
            _fail(
                items[index],
                _at(where, index),
                f"a second {kind.value} decision; a decision "
                "step has exactly one approve and at most one return",
            )
    if DecisionKind.APPROVE not in kinds:
        _fail(m.keys["decisions"], where, "a decision step needs exactly one approve decision")
    return action, tuple(decisions)


def _decision(ctx: _Context, node: Node, where: str) -> Decision:
    m = _Map(node, where, ("kind", "label", "goto"), ("records", "note_required"))
    kinds = [kind.value for kind in DecisionKind]
    return Decision(
        kind=DecisionKind(m("kind", lambda n, w: _ref(n, w, kinds, "decision kind"))),
        label=m("label", _text),
        goto=m("goto", ctx.goto),
        records=m.opt("records", ctx.artifacts_of, ()),
        note_required=m.opt("note_required", _bool, False),
    )


def _check_flow(steps: list[Step], where: str) -> None:
    by_code = {step.code: step for step in steps}
    first = steps[0].code
    reached, frontier = {first}, [first]
    while frontier:
        for target in _targets(by_code[frontier.pop()]):
            if target is not None and target not in reached:
                reached.add(target)
                frontier.append(target)
    can_end = {step.code for step in steps if None in _targets(step)}
    while grown := {
        s.code for s in steps if s.code not in can_end and any(t in can_end for t in _targets(s))
    }:
        can_end |= grown
    for index, step in enumerate(steps):
        if step.code not in reached:
            _fail(
                step.line,
                _at(where, index),
                f"step '{step.code}' cannot be reached from the first step '{first}'",
            )
        if step.code not in can_end:
            _fail(
                step.line,
                _at(where, index),
                f"no path from step '{step.code}' to an end "
                "of the case (a case must be able to end)",
            )


def _targets(step: Step) -> list[str | None]:
    return [d.goto for d in step.decisions] if step.decisions else [step.goto]


def _pairs(node: Node, where: str) -> list[tuple[str, Node, Node]]:
    if not isinstance(node, MappingNode):
        _fail(node, where, f"expected a mapping, got {_kind(node)}")
    pairs: list[tuple[str, Node, Node]] = []
    for key_node, value in node.value:
        key = _scalar(key_node, where, "str", "text as key")
        if any(key == seen for seen, _, _ in pairs):
            _fail(key_node, where, f"key '{key}' is given twice")
        pairs.append((key, key_node, value))
    return pairs


def _entries(node: Node, where: str, what: str) -> list[tuple[str, Node]]:
    return [(_key(key_node, where, what), value) for _, key_node, value in _pairs(node, where)]


def _list(node: Node, where: str) -> list[Node]:
    if not isinstance(node, SequenceNode):
        _fail(node, where, f"expected a list, got {_kind(node)}")
    return list(node.value)


def _refs(node: Node, where: str, known: Collection[str], what: str) -> tuple[str, ...]:
    keys: list[str] = []
    for item in _list(node, where):
        key = _ref(item, where, known, what)
        if key in keys:
            _fail(item, where, f"{what} '{key}' is listed twice")
        keys.append(key)
    return tuple(keys)


def _ref(node: Node, where: str, known: Collection[str], what: str) -> str:
    key = _text(node, where)
    if key not in known:
        _fail(node, where, f"unknown {what} '{key}'" + _suggest(key, known))
    return key


def _key(node: Node, where: str, what: str = "step code") -> str:
    key = _text(node, where)
    if not _KEY.fullmatch(key):
        _fail(node, where, f"{what} '{key}' may hold only a-z, 0-9 and _ (starting with a-z)")
    return key


def _duration(node: Node, where: str) -> Duration:
    text = _scalar(node, where, "str", "a duration such as '15 menit'")
    try:
        return Duration.parse(text)
    except ValueError as error:
        _fail(node, where, str(error))


def _text(node: Node, where: str) -> str:
    text = _scalar(node, where, "str", "text").strip()
    if not text:
        _fail(node, where, "must not be empty")
    return text


def _int(node: Node, where: str) -> int:
    _scalar(node, where, "int", "an integer")
    return int(SafeConstructor().construct_object(node))


def _bool(node: Node, where: str) -> bool:
    _scalar(node, where, "bool", "true or false")
    return bool(SafeConstructor().construct_object(node))


def _scalar(node: Node, where: str, tag: str, expected: str) -> str:
    if not isinstance(node, ScalarNode) or node.tag != _TAG + tag:
        hint = " (quote it)" if expected == "text" and isinstance(node, ScalarNode) else ""
        _fail(node, where, f"expected {expected}, got {_kind(node)}{hint}")
    return str(node.value)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def _kind(node: Node) -> str:
    if isinstance(node, (MappingNode, SequenceNode)):
        return "a mapping" if isinstance(node, MappingNode) else "a list"
    return _KINDS.get(str(node.tag).removeprefix(_TAG), f"a value tagged {node.tag}")


def _suggest(value: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (expected one of: {', '.join(choices)})" if choices else " (none are defined)"


def _at(where: str, key: str | int) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}" if where else key
