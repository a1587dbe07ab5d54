"""Readers of composed YAML nodes that reject a bad value with its line and a reason.

Nothing here knows what an SOP means: these read scalars, keys, mappings and lists, and raise
`Invalid` (the line, or None, and the reason) for the caller to report with the file's path.
Reasons start with where the value is, e.g. ``steps[3].performer`` (see `at`); lines are 1-based.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection
from typing import NoReturn, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.calendar import Duration

_TAG = "tag:yaml.org,2002:"
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_KINDS = {
    "str": "text",
    "int": "an integer",
    "float": "a decimal number",
    "bool": "a yes/no value",
    "null": "nothing",
}

T = TypeVar("T")
D = TypeVar("D")


class Invalid(Exception):
    """A problem in the file: its line (or None) and the reason; the caller adds the path."""


def fail(node: Node | int | None, where: str, message: str) -> NoReturn:
    """Reject the value at `node` (or at a line number) with `where: message`."""
    line = int(node.start_mark.line) + 1 if isinstance(node, Node) else node
    raise Invalid(line, f"{where}: {message}" if where else message)


def compose(data: bytes | str, if_empty: str) -> MappingNode:
    """The top-level mapping of one YAML document (bytes: UTF-8); `if_empty` is the reason."""
    try:
        root = yaml.compose(data, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        context = f" ({error.context})" if error.context else ""
        reason = f"not valid YAML: {error.problem}{context}"
        raise Invalid(mark.line + 1 if mark else None, reason) from error
    except yaml.reader.ReaderError as error:
        head = data[: error.position]
        line = (head.decode(errors="replace") if isinstance(head, bytes) else head).count("\n")
        bad_text = error.encoding != "unicode"  # PyYAML's label for a character it refuses
        what = f"not {error.encoding} text" if bad_text else "not valid YAML"
        raise Invalid(line + 1, f"{what}: {error.reason}") from error
    if root is None:
        raise Invalid(None, if_empty)
    if not isinstance(root, MappingNode):
        fail(root, "", f"the top level must be a mapping of keys, not {_kind(root)}")
    return root


class Map:
    """A YAML mapping whose keys were checked: every required key given, no unknown key."""

    def __init__(
        self, node: Node, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> None:
        self.where = where
        self.keys: dict[str, Node] = {}
        self.values: dict[str, Node] = {}
        for key, key_node, value in pairs(node, where):
            if key not in required + optional:
                fail(key_node, where, f"unknown key '{key}'" + suggest(key, required + optional))
            self.keys[key], self.values[key] = key_node, value
        for key in required:
            if key not in self.values:
                fail(node, where, f"missing required key '{key}'")

    def at(self, key: str) -> str:
        return at(self.where, key)

    def __call__(self, key: str, parse: Callable[[Node, str], T]) -> T:
        return parse(self.values[key], self.at(key))

    def opt(self, key: str, parse: Callable[[Node, str], T], default: D) -> T | D:
        node = self.values.get(key)
        return default if node is None or is_null(node) else parse(node, self.at(key))


def pairs(node: Node, where: str) -> list[tuple[str, Node, Node]]:
    """The (key, key node, value) of a mapping with text keys, none given twice."""
    if not isinstance(node, MappingNode):
        fail(node, where, f"expected a mapping, got {_kind(node)}")
    found: list[tuple[str, Node, Node]] = []
    for key_node, value in node.value:
        key = scalar(key_node, where, "str", "text as key")
        if any(key == seen for seen, _, _ in found):
            fail(key_node, where, f"key '{key}' is given twice")
        found.append((key, key_node, value))
    return found


def entries(node: Node, where: str, what: str) -> list[tuple[str, Node]]:
    """The (key, value) of a mapping whose keys are identifiers (see `identifier`)."""
    return [
        (identifier(key_node, where, what), value) for _, key_node, value in pairs(node, where)
    ]


def labels(node: Node, where: str) -> dict[str, str]:
    """A mapping of identifiers to non-empty text."""
    return {key: text(value, at(where, key)) for key, value in entries(node, where, "key")}


def sequence(node: Node, where: str) -> list[Node]:
    if not isinstance(node, SequenceNode):
        fail(node, where, f"expected a list, got {_kind(node)}")
    return list(node.value)


def refs(node: Node, where: str, known: Collection[str], what: str) -> tuple[str, ...]:
    """A list of names from `known`, none listed twice."""
    keys: list[str] = []
    for item in sequence(node, where):
        key = ref(item, where, known, what)
        if key in keys:
            fail(item, where, f"{what} '{key}' is listed twice")
        keys.append(key)
    return tuple(keys)


def ref(node: Node, where: str, known: Collection[str], what: str) -> str:
    """A name from `known`; an unknown one is rejected with the closest known name."""
    key = text(node, where)
    if key not in known:
        fail(node, where, f"unknown {what} '{key}'" + suggest(key, known))
    return key


def identifier(node: Node, where: str, what: str) -> str:
    """Text of a-z, 0-9 and _, starting with a-z; `what` names it in the reason."""
    key = text(node, where)
    if not _KEY.fullmatch(key):
        fail(node, where, f"{what} '{key}' may hold only a-z, 0-9 and _ (starting with a-z)")
    return key


def text(node: Node, where: str) -> str:
    """Non-empty text, stripped."""
    value = scalar(node, where, "str", "text").strip()
    if not value:
        fail(node, where, "must not be empty")
    return value


def integer(node: Node, where: str) -> int:
    scalar(node, where, "int", "an integer")
    return int(SafeConstructor().construct_object(node))


def boolean(node: Node, where: str) -> bool:
    scalar(node, where, "bool", "true or false")
    return bool(SafeConstructor().construct_object(node))


def scalar(node: Node, where: str, tag: str, expected: str) -> str:
    """The raw value of a scalar of that YAML tag (str, int, ...); `expected` is for the reason."""
    if not isinstance(node, ScalarNode) or node.tag != _TAG + tag:
        hint = " (quote it)" if expected == "text" and isinstance(node, ScalarNode) else ""
        fail(node, where, f"expected {expected}, got {_kind(node)}{hint}")
    return str(node.value)


def duration(node: Node, where: str) -> Duration:
    """A mutu baku or an interval such as "15 menit", "2 jam", "7 hari kerja"."""
    value = scalar(node, where, "str", "a duration such as '15 menit'")
    try:
        return Duration.parse(value)
    except ValueError as error:
        fail(node, where, str(error))


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def suggest(value: str, choices: Collection[str]) -> str:
    """`` (did you mean 'x'?)``, else the choices, to append to an 'unknown ...' reason."""
    close = difflib.get_close_matches(value, list(choices), n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (expected one of: {', '.join(choices)})" if choices else " (none are defined)"


def at(where: str, key: str | int) -> str:
    """The path of a key or a list index below `where`: ``steps[3]``, ``steps[3].goto``."""
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}" if where else key


def _kind(node: Node) -> str:
    if isinstance(node, (MappingNode, SequenceNode)):
        return "a mapping" if isinstance(node, MappingNode) else "a list"
    return _KINDS.get(str(node.tag).removeprefix(_TAG), f"a value tagged {node.tag}")
