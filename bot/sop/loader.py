"""Read an SOP YAML file into a `Sop`, or reject it with the file, the line and the reason.

The file format follows the dataclasses in `bot.sop.model`, with these conventions:

- Every key is checked: a missing required key, an unknown key (a typo), a value of the wrong
  type, a role, artifact or step that is not defined, or a permission not in
  `bot.sop.model.PERMISSIONS` is an error.
- An optional field left empty (``note:``, ``needs: []``) takes the dataclass default.
- A step without ``goto`` continues with the next step in the file. The last step without
  ``goto``, and any step with an explicit ``goto: null`` (or an empty ``goto:``), ends the case.
- A decision step (``action: decision``) has no ``goto`` of its own: each decision must name its
  target, ``goto: null`` ending the case. It has exactly one approve and at most one return.
- Every step must be reachable from the first step, and every step must have a path to an end.
- ``reminders`` (top level: every step's default; in a step: its own, ``[]`` for none) and
  ``notices`` are read by `bot.sop.reminder_plan`, which describes them.
- Lines in errors are 1-based. Reasons name the key, e.g. ``steps[3].performer`` (0-based index).

The generic readers of YAML nodes (text, lists, checked mappings) are in `bot.sop.yaml_nodes`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from string import Formatter

from yaml.nodes import Node

from bot.calendar import Duration
from bot.errors import SopFileError
from bot.sop import reminder_plan
from bot.sop.model import (
    NOT_AFTER_NAMES,
    NOT_BEFORE_NAMES,
    NUMBER_FIELDS,
    PERMISSIONS,
    RECORD_KINDS,
    Artifact,
    ArtifactKind,
    Decision,
    DecisionKind,
    Notices,
    Precondition,
    RecordKind,
    Role,
    Sifat,
    Sop,
    Step,
    Urgensi,
)
from bot.sop.registry import LoadedSop
from bot.sop.yaml_nodes import (
    Invalid,
    Map,
    at,
    boolean,
    compose,
    duration,
    entries,
    fail,
    identifier,
    integer,
    is_null,
    labels,
    pairs,
    ref,
    refs,
    scalar,
    sequence,
    suggest,
    text,
)

DEFAULT_SOP_FILE = "sop54_2025.yaml"

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
_SOP_OPTIONAL: tuple[str, ...] = ("partner_kinds", "permissions", "total_mutu_baku", "intake")
_SOP_OPTIONAL += ("reminders", "notices")  # read by bot.sop.reminder_plan
_SOP_OPTIONAL += ("dasar_hukum",)  # a list of texts, shown to nobody by the engine
_SOP_OPTIONAL += ("records",)
_SOP_OPTIONAL += ("revised",)  # the document's Tanggal Revisi, as written
_STEP_REQUIRED = ("code", "number", "title", "performer", "mutu_baku")
_STEP_OPTIONAL = (
    "needs",
    "produces",
    "participants",
    "collects",
    "confirm",
    "assigns",
    "action",
    "goto",
    "decisions",
    "clock_starts_at",
    "precondition",
    "note",
    "reminders",
)
_EMPTY = "the file is empty; expected a mapping with code, title and steps"


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


def load_sops(file: Path | None = None, directory: Path | None = None) -> list[LoadedSop]:
    """Read every SOP a deployment runs: `file`, then each `*.yaml` in `directory` by name.

    Neither given: the SOP 54/2025 file shipped with sopbot. Two files with one code or one
    case prefix are refused, naming the second.
    """
    paths: list[Path | None] = [file] if file is not None else []
    if directory is not None:
        if not directory.is_dir():
            raise SopFileError(str(directory), None, "not a directory of SOP files")
        seen = {p.resolve() for p in paths if p is not None}
        paths += [p for p in sorted(directory.glob("*.yaml")) if p.resolve() not in seen]
    if not paths:
        paths = [None]
    loaded: list[LoadedSop] = []
    for path in paths:
        sop, text = _read(path)
        for other in loaded:
            if other.sop.code == sop.code:
                raise SopFileError(
                    sop.source, None, f"code {sop.code} is also in {other.sop.source}"
                )
            if other.sop.case_prefix == sop.case_prefix:
                raise SopFileError(sop.source, None, f"case_prefix {sop.case_prefix} is also in "
                                   f"{other.sop.source}")  # fmt: skip
        loaded.append(LoadedSop(sop, text))
    return loaded


def _read(path: Path | None) -> tuple[Sop, str]:
    """One SOP file parsed, with its text."""
    if path is None:
        resource = resources.files("bot.sop") / DEFAULT_SOP_FILE
        source, read = str(resource), resource.read_bytes
    else:
        source, read = str(path), path.read_bytes
    try:
        data = read()
    except OSError as error:
        raise SopFileError(source, None, f"cannot read the file: {error.strerror}") from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SopFileError(source, None, "the file is not UTF-8 text") from error
    return parse_sop(data, source), text


def parse_sop(data: bytes | str, source: str = "<string>") -> Sop:
    """Validate SOP YAML text (bytes: UTF-8) and build the `Sop`; `source` names the file."""
    try:
        return _sop(compose(data, _EMPTY), source)
    except Invalid as error:
        raise SopFileError(source, *error.args) from error


def _sop(root: Node, source: str) -> Sop:
    m = Map(root, "", _SOP_REQUIRED, _SOP_OPTIONAL)
    roles = m("roles", _roles)
    artifacts = m("artifacts", lambda n, w: _artifacts(n, w, roles))
    partner_kinds = m.opt("partner_kinds", labels, {})
    ctx = _Context(roles, artifacts, partner_kinds)
    return Sop(
        code=m("code", text),
        number=m("number", text),
        title=m("title", text),
        organisation=m("organisation", text),
        case_prefix=m("case_prefix", text),
        roles=roles,
        artifacts=artifacts,
        steps=m("steps", ctx.steps),
        partner_kinds=partner_kinds,
        permissions=m.opt("permissions", ctx.permissions, {}),
        total_mutu_baku=m.opt("total_mutu_baku", duration, None),
        intake=m.opt("intake", ctx.artifacts_of, ()),
        source=source,
        dasar_hukum=m.opt("dasar_hukum", _texts, ()),
        reminders=m.opt("reminders", lambda n, w: reminder_plan.rules(n, w, roles, None), ()),
        notices=m.opt("notices", lambda n, w: reminder_plan.notices(n, w, roles), Notices()),
        records=m.opt("records", _records, {}),
        revised=m.opt("revised", text, ""),
    )


def _texts(node: Node, where: str) -> tuple[str, ...]:
    return tuple(text(item, at(where, index)) for index, item in enumerate(sequence(node, where)))


def _records(node: Node, where: str) -> Mapping[str, RecordKind]:
    """`records:` per naskah kind: jenis, sifat, urgensi and klasifikasi arsip."""
    kinds: dict[str, RecordKind] = {}
    sifat = [value.value for value in Sifat]
    urgensi = [value.value for value in Urgensi]
    for key, value in entries(node, where, "naskah kind"):
        if key not in RECORD_KINDS:
            fail(value, at(where, key), "unknown naskah kind" + suggest(key, RECORD_KINDS))
        m = Map(value, at(where, key), ("jenis", "sifat", "urgensi", "klasifikasi"), ("nomor",))
        kinds[key] = RecordKind(
            key,
            m("jenis", text),
            Sifat(m("sifat", lambda n, w: ref(n, w, sifat, "sifat"))),
            Urgensi(m("urgensi", lambda n, w: ref(n, w, urgensi, "tingkat urgensi"))),
            m("klasifikasi", text),
            m.opt("nomor", _number_format, ""),
        )
    return kinds


def _number_format(node: Node, where: str) -> str:
    """A naskah number format: only the fields the agenda register fills."""
    pattern = text(node, where)
    try:
        fields = {name for _, name, _, _ in Formatter().parse(pattern) if name is not None}
    except ValueError as error:
        fail(node, where, f"not a number format ({error})")
    unknown = sorted(fields - set(NUMBER_FIELDS))
    if unknown:
        fail(node, where, f"unknown field {{{unknown[0]}}} in the number format; "
             f"known: {', '.join('{' + f + '}' for f in NUMBER_FIELDS)}")  # fmt: skip
    return pattern


def _roles(node: Node, where: str) -> Mapping[str, Role]:
    role_entries = entries(node, where, "role key")
    keys = [key for key, _ in role_entries]
    roles: dict[str, Role] = {}
    superiors: dict[str, Node] = {}
    for key, value in role_entries:
        m = Map(value, at(where, key), ("title",), ("superior",))
        superior = m.opt("superior", lambda n, w: ref(n, w, keys, "role"), None)
        roles[key] = Role(key, m("title", text), superior)
        if superior is not None:
            superiors[key] = m.values["superior"]
    for key, superior_node in superiors.items():
        chain = [key]
        while (up := roles[chain[-1]].superior) is not None:
            if up in chain:
                loop = " → ".join([*chain, up])
                fail(superior_node, at(at(where, key), "superior"), f"superiors loop: {loop}")
            chain.append(up)
    return roles


def _artifacts(node: Node, where: str, roles: Mapping[str, Role]) -> Mapping[str, Artifact]:
    artifacts: dict[str, Artifact] = {}
    kinds = [kind.value for kind in ArtifactKind]
    keys = [key for key, _ in entries(node, where, "artifact key")]
    names = keys + list(roles)
    for key, value in entries(node, where, "artifact key"):
        optional = ("role", "template", "checked", "after", *_LIMITS)
        m = Map(value, at(where, key), ("label", "kind"), optional)
        kind = ArtifactKind(m("kind", lambda n, w: ref(n, w, kinds, "artifact kind")))
        role = m.opt("role", lambda n, w: ref(n, w, roles, "role"), None)
        if kind is ArtifactKind.PEOPLE and role is None:
            fail(value, at(where, key), "a people artifact names the role they are chosen from")
        template = m.opt("template", lambda n, w: identifier(n, w, "template"), None)
        checked = m.opt("checked", boolean, False)
        after = m.opt("after", lambda n, w: refs(n, w, names, "artifact or role"), ())
        not_before = m.opt("not_before", _limit(keys, NOT_BEFORE_NAMES), ())
        not_after = m.opt("not_after", _limit(keys, NOT_AFTER_NAMES), ())
        office_hours = m.opt("office_hours", boolean, False)
        artifacts[key] = Artifact(
            key, m("label", text), kind, role, template, checked, after,
            not_before, not_after, office_hours,
        )  # fmt: skip
    return artifacts


_LIMITS = ("not_before", "not_after", "office_hours")


def _limit(keys: list[str], names: tuple[str, ...]) -> Callable[[Node, str], tuple[str, ...]]:
    """A limit on an artifact's time: artifact keys or the special names given."""

    def read(node: Node, where: str) -> tuple[str, ...]:
        return refs(node, where, [*names, *keys], "artifact or limit")

    return read


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
        return ref(node, where, self.roles, "role")

    def roles_of(self, node: Node, where: str) -> tuple[str, ...]:
        return refs(node, where, self.roles, "role")

    def artifacts_of(self, node: Node, where: str) -> tuple[str, ...]:
        return refs(node, where, self.artifacts, "artifact")

    def permissions(self, node: Node, where: str) -> Mapping[str, tuple[str, ...]]:
        granted: dict[str, tuple[str, ...]] = {}
        for key, key_node, value in pairs(node, where):
            if key not in PERMISSIONS:
                fail(key_node, at(where, key), "unknown permission" + suggest(key, PERMISSIONS))
            granted[key] = self.roles_of(value, at(where, key))
        return granted

    def goto(self, node: Node, where: str) -> str | None:
        if is_null(node):
            return None
        target = text(node, where)
        self.gotos.append((node, where, target))
        return target

    def clock(self, node: Node, where: str) -> str:
        key = ref(node, where, self.artifacts, "artifact")
        kind = self.artifacts[key].kind
        if kind is not ArtifactKind.DATETIME:
            fail(
                node,
                where,
                f"artifact '{key}' is of kind {kind.value}, not datetime; "
                "the clock can only start at a recorded time",
            )
        return key

    def precondition(self, node: Node, where: str) -> Precondition:
        m = Map(node, where, ("when", "requires", "description"))
        when: dict[str, str] = {}
        where = m.at("when")
        for key, value in entries(m.values["when"], where, "condition"):
            if key != "partner_kind":
                fail(value, where, f"unknown condition '{key}' (only partner_kind is supported)")
            when[key] = ref(value, at(where, key), self.partner_kinds, "partner kind")
        requires = m("requires", self.artifacts_of)
        if not requires:
            fail(m.keys["requires"], m.at("requires"), "name at least one artifact")
        return Precondition(when, requires, m("description", text))

    def steps(self, node: Node, where: str) -> tuple[Step, ...]:
        items = sequence(node, where)
        if not items:
            fail(node, where, "an SOP needs at least one step")
        steps: list[Step] = []
        for index, item in enumerate(items):
            steps.append(_step(self, item, at(where, index), steps))
        for index, item in enumerate(items[:-1]):
            if not steps[index].decisions and all(k.value != "goto" for k, _ in item.value):
                steps[index] = replace(steps[index], goto=steps[index + 1].code)
        codes = [step.code for step in steps]
        for goto_node, goto_where, target in self.gotos:
            if target not in codes:
                fail(
                    goto_node,
                    goto_where,
                    f"goes to step '{target}', which does not exist" + suggest(target, codes),
                )
        _check_flow(steps, where)
        return tuple(steps)


def _step(ctx: _Context, node: Node, where: str, earlier: list[Step]) -> Step:
    m = Map(node, where, _STEP_REQUIRED, _STEP_OPTIONAL)
    code, number = _identity(m, earlier)
    action, decisions = _action(ctx, m)
    goto = m.values.get("goto")
    if goto is not None and decisions:
        fail(goto, m.at("goto"), "a decision step goes where its decisions say; remove goto")
    performer = m("performer", ctx.role)
    return Step(
        code=code,
        number=number,
        title=m("title", text),
        performer=performer,
        mutu_baku=m("mutu_baku", duration),
        needs=m.opt("needs", ctx.artifacts_of, ()),
        produces=m.opt("produces", ctx.artifacts_of, ()),
        collects=m.opt("collects", ctx.artifacts_of, ()),
        participants=m.opt("participants", ctx.roles_of, ()),
        assigns=m.opt("assigns", ctx.roles_of, ()),
        action=action,
        goto=ctx.goto(goto, m.at("goto")) if goto is not None else None,
        decisions=decisions,
        clock_starts_at=m.opt("clock_starts_at", ctx.clock, None),
        precondition=m.opt("precondition", ctx.precondition, None),
        note=m.opt("note", lambda n, w: scalar(n, w, "str", "text").strip(), ""),
        confirm=m.opt("confirm", lambda n, w: scalar(n, w, "str", "text").strip(), ""),
        reminders=m.opt(
            "reminders", lambda n, w: reminder_plan.rules(n, w, ctx.roles, performer), None
        ),
        line=int(node.start_mark.line) + 1,
    )


def _identity(m: Map, earlier: list[Step]) -> tuple[str, int]:
    code, number = m("code", lambda n, w: identifier(n, w, "step code")), m("number", integer)
    code_node, number_node = m.values["code"], m.values["number"]
    if number < 1:
        fail(number_node, m.at("number"), f"step number {number} must be positive")
    for step in earlier:
        if step.code == code:
            fail(
                code_node,
                m.at("code"),
                f"duplicate step code '{code}' (also step {step.number} on line {step.line})",
            )
        if step.number == number:
            fail(
                number_node,
                m.at("number"),
                f"duplicate step number {number} (also step '{step.code}' on line {step.line})",
            )
    if earlier and number < earlier[-1].number:
        fail(
            number_node,
            m.at("number"),
            f"step number {number} comes after "
            f"{earlier[-1].number}; numbers must increase in file order",
        )
    return code, number


def _action(ctx: _Context, m: Map) -> tuple[str, tuple[Decision, ...]]:
    action = m.opt("action", lambda n, w: ref(n, w, _ACTIONS, "action"), "selesai")
    items = m.opt("decisions", sequence, [])
    if action != "decision":
        if items:
            fail(
                m.keys["decisions"],
                m.at("decisions"),
                f"decisions need 'action: decision' (this step's action is '{action}')",
            )
        return action, ()
    if not items:
        fail(m.keys["action"], m.at("action"), "'action: decision' needs decisions")
    where = m.at("decisions")
    decisions = [_decision(ctx, item, at(where, i)) for i, item in enumerate(items)]
    kinds = [decision.kind for decision in decisions]
    for index, kind in enumerate(kinds):
        if kind in kinds[:index]:
            fail(
                items[index],
                at(where, index),
                f"a second {kind.value} decision; a decision "
                "step has exactly one approve and at most one return",
            )
    if DecisionKind.APPROVE not in kinds:
        fail(m.keys["decisions"], where, "a decision step needs exactly one approve decision")
    return action, tuple(decisions)


# SOP 54 gives no time for a fix after a return; this is the office's default.
DEFAULT_FIX_TIME = Duration.parse("2 hari kerja")


def _decision(ctx: _Context, node: Node, where: str) -> Decision:
    m = Map(
        node,
        where,
        ("kind", "label", "goto"),
        ("records", "note_required", "fix_time", "fixes", "unchanged", "tells"),
    )
    kinds = [kind.value for kind in DecisionKind]
    kind = DecisionKind(m("kind", lambda n, w: ref(n, w, kinds, "decision kind")))
    default_fix = DEFAULT_FIX_TIME if kind is DecisionKind.RETURN else None
    return Decision(
        kind=kind,
        label=m("label", text),
        goto=m("goto", ctx.goto),
        records=m.opt("records", ctx.artifacts_of, ()),
        note_required=m.opt("note_required", boolean, False),
        fix_time=m.opt("fix_time", duration, default_fix),
        fixes=m.opt("fixes", ctx.artifacts_of, ()),
        unchanged=m.opt("unchanged", lambda n, w: ref(n, w, ctx.artifacts, "artifact"), None),
        tells=m.opt("tells", ctx.roles_of, ()),
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
            fail(
                step.line,
                at(where, index),
                f"step '{step.code}' cannot be reached from the first step '{first}'",
            )
        if step.code not in can_end:
            fail(
                step.line,
                at(where, index),
                f"no path from step '{step.code}' to an end "
                "of the case (a case must be able to end)",
            )


def _targets(step: Step) -> list[str | None]:
    return [d.goto for d in step.decisions] if step.decisions else [step.goto]
