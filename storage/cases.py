"""The case aggregate in SQL: one row in `cases` plus its runs, artifacts, deviations, roles."""

from __future__ import annotations

import builtins
import copy
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import CaseNotFound, ConcurrentUpdate
from bot.workflow.model import (
    ArtifactValue,
    Case,
    CaseStatus,
    Deviation,
    DeviationKind,
    Outcome,
    StepRun,
)
from storage.sql import execute, rowcount, table

if TYPE_CHECKING:
    from storage.cache import TxCache

logger = logging.getLogger(__name__)

_cases = table("cases")
_runs = table("step_runs")
_artifacts = table("case_artifacts")
_deviations = table("deviations")
_assignments = table("case_assignments")

_ACTIVE = (CaseStatus.WAITING.value, CaseStatus.RUNNING.value)
_RUN_FIELDS = tuple(f.name for f in fields(StepRun) if f.name != "id")
_DEVIATION_FIELDS = tuple(f.name for f in fields(Deviation) if f.name != "id")
_ARTIFACT_FIELDS = tuple(f.name for f in fields(ArtifactValue))
_CASE_FIELDS = (
    "ref",
    "partner",
    "partner_kind",
    "subject",
    "status",
    "created_at",
    "created_by",
    "cancel_reason",
    "closed_at",
    "sop_code",
    "sop_version",
)


class SqlCaseRepository:
    """Loads and stores whole case aggregates with optimistic locking on `cases.version`.

    Within one transaction a case read again is not loaded again while its version is the
    one this transaction last saw (an update reads its case two or three times: to scope the
    turn, to decide, to change it): one query for the version instead of five, and a copy of
    what was kept, since callers change the cases they get."""

    def __init__(self, session: AsyncSession, cache: TxCache | None = None) -> None:
        self._session = session
        self._kept: dict[int, Case] = cache.cases if cache is not None else {}

    async def get(self, case_id: int) -> Case:
        """The case with that id, fully loaded."""
        kept = self._kept.get(case_id)
        if kept is not None:
            version = await self._session.scalar(
                select(_cases.c.version).where(_cases.c.id == case_id)
            )
            if version == kept.version:
                return copy.deepcopy(kept)
        found = await self._load(_cases.c.id == case_id)
        if not found:
            raise CaseNotFound(ref=str(case_id))
        self._keep(found[0])
        return found[0]

    def _keep(self, case: Case) -> None:
        if case.id is not None:
            self._kept[case.id] = copy.deepcopy(case)

    async def get_by_ref(self, ref: str) -> Case:
        """The case with that reference (e.g. KB-2026-0001), fully loaded."""
        found = await self._load(_cases.c.ref == ref)
        if not found:
            raise CaseNotFound(ref=ref)
        return found[0]

    async def list(self, active_only: bool = False) -> list[Case]:
        """All cases (or only waiting and running ones), oldest first."""
        condition = _cases.c.status.in_(_ACTIVE) if active_only else true()
        return await self._load(condition)

    async def next_ref(self, prefix: str, year: int) -> str:
        """The next free reference for `prefix` in `year`, e.g. KB-2026-0007."""
        head = f"{prefix}-{year}-"
        if self._session.get_bind().dialect.name == "postgresql":
            # Queue concurrent openings until commit instead of letting them collide on ref.
            lock = func.pg_advisory_xact_lock(func.hashtext(head))
            await self._session.execute(select(lock))
        refs = await self._session.scalars(
            select(_cases.c.ref).where(_cases.c.ref.startswith(head, autoescape=True))
        )
        used = [int(tail) for ref in refs if (tail := ref[len(head) :]).isdigit()]
        return f"{head}{max(used, default=0) + 1:04d}"

    async def add(self, case: Case) -> None:
        """Insert a new case with its children and give them their ids."""
        result = await execute(
            self._session,
            insert(_cases)
            .values(**_case_values(case), version=case.version)
            .returning(_cases.c.id),
        )
        case.id = result.scalar_one()
        await self._store_children(case, _Stored())
        self._keep(case)

    async def save(self, case: Case) -> None:
        """Store changes to a loaded case; ConcurrentUpdate if it changed since loading."""
        if case.id is None:
            raise ValueError("save() needs a stored case; use add() for a new one")
        result = await execute(
            self._session,
            update(_cases)
            .where(_cases.c.id == case.id, _cases.c.version == case.version)
            .values(**_case_values(case), version=_cases.c.version + 1),
        )
        if rowcount(result) != 1:
            logger.info("Case %s changed since version %s was loaded", case.ref, case.version)
            raise ConcurrentUpdate(f"case {case.ref} is no longer at version {case.version}")
        await self._store_children(case, await self._stored(case.id))
        case.version += 1
        self._keep(case)

    async def history(self, case_id: int, key: str) -> builtins.list[ArtifactValue]:
        """Every recorded value of one artifact on a case, oldest first."""
        rows = await self._session.execute(
            select(_artifacts)
            .where(_artifacts.c.case_id == case_id, _artifacts.c.key == key)
            .order_by(_artifacts.c.version)
        )
        return [_artifact(row) for row in rows]

    async def _load(self, condition: ColumnElement[bool]) -> builtins.list[Case]:
        case_rows = (
            await self._session.execute(select(_cases).where(condition).order_by(_cases.c.id))
        ).all()
        if not case_rows:
            return []
        ids = select(_cases.c.id).where(condition).scalar_subquery()
        runs = await self._grouped(select(_runs).where(_runs.c.case_id.in_(ids)), _runs.c.id)
        deviations = await self._grouped(
            select(_deviations).where(_deviations.c.case_id.in_(ids)), _deviations.c.id
        )
        latest = (
            select(
                _artifacts.c.case_id, _artifacts.c.key, func.max(_artifacts.c.version).label("v")
            )
            .where(_artifacts.c.case_id.in_(ids))
            .group_by(_artifacts.c.case_id, _artifacts.c.key)
            .subquery()
        )
        artifacts = await self._grouped(
            select(_artifacts).join(
                latest,
                (_artifacts.c.case_id == latest.c.case_id)
                & (_artifacts.c.key == latest.c.key)
                & (_artifacts.c.version == latest.c.v),
            ),
            _artifacts.c.key,
        )
        assignments = await self._grouped(
            select(_assignments).where(_assignments.c.case_id.in_(ids)), _assignments.c.role
        )
        return [
            _case(
                row,
                runs=runs[row.id],
                deviations=deviations[row.id],
                artifacts=artifacts[row.id],
                assignments=assignments[row.id],
            )
            for row in case_rows
        ]

    async def _grouped(
        self, statement: Select[Any], order: ColumnElement[Any]
    ) -> defaultdict[int, builtins.list[Row[Any]]]:
        groups: defaultdict[int, builtins.list[Row[Any]]] = defaultdict(list)
        for row in await self._session.execute(statement.order_by(order)):
            groups[row.case_id].append(row)
        return groups

    async def _stored(self, case_id: int) -> _Stored:
        """What the database holds for the case's children right now."""
        session = self._session
        runs = await session.execute(select(_runs).where(_runs.c.case_id == case_id))
        deviations = await session.execute(
            select(_deviations).where(_deviations.c.case_id == case_id)
        )
        artifacts = await session.execute(
            select(_artifacts.c.key, _artifacts.c.version).where(_artifacts.c.case_id == case_id)
        )
        assignments = await session.execute(
            select(_assignments.c.role, _assignments.c.person_id).where(
                _assignments.c.case_id == case_id
            )
        )
        return _Stored(
            runs={row.id: _columns(row, _RUN_FIELDS) for row in runs},
            deviations={row.id: _columns(row, _DEVIATION_FIELDS) for row in deviations},
            artifacts={(row.key, row.version) for row in artifacts},
            assignments={row.role: row.person_id for row in assignments},
        )

    async def _store_children(self, case: Case, stored: _Stored) -> None:
        assert case.id is not None
        await self._store_rows(_runs, case.id, case.runs, _run_values, stored.runs)
        await self._store_rows(
            _deviations, case.id, case.deviations, _deviation_values, stored.deviations
        )
        new_artifacts = [
            {**_artifact_values(a), "case_id": case.id}
            for a in case.artifacts.values()
            if (a.key, a.version) not in stored.artifacts
        ]
        if new_artifacts:
            await execute(self._session, insert(_artifacts), new_artifacts)
        await self._store_assignments(case.id, case.assignments, stored.assignments)

    async def _store_rows(
        self,
        target: Table,
        case_id: int,
        items: Sequence[StepRun] | Sequence[Deviation],
        values_of: Callable[[Any], dict[str, Any]],
        stored: dict[int, dict[str, Any]],
    ) -> None:
        """Insert items without an id (assigning it back) and update the ones that changed."""
        for item in items:
            values = values_of(item)
            if item.id is None:
                result = await execute(
                    self._session,
                    insert(target).values(**values, case_id=case_id).returning(target.c.id),
                )
                item.id = result.scalar_one()
            elif item.id not in stored:
                raise ValueError(f"{type(item).__name__} {item.id} is not part of case {case_id}")
            elif stored[item.id] != values:
                await execute(
                    self._session, update(target).where(target.c.id == item.id).values(**values)
                )

    async def _store_assignments(
        self, case_id: int, wanted: dict[str, int], stored: dict[str, int]
    ) -> None:
        gone = [role for role in stored if role not in wanted]
        if gone:
            await self._session.execute(
                delete(_assignments).where(
                    _assignments.c.case_id == case_id, _assignments.c.role.in_(gone)
                )
            )
        for role, person_id in wanted.items():
            if role not in stored:
                await self._session.execute(
                    insert(_assignments).values(case_id=case_id, role=role, person_id=person_id)
                )
            elif stored[role] != person_id:
                await self._session.execute(
                    update(_assignments)
                    .where(_assignments.c.case_id == case_id, _assignments.c.role == role)
                    .values(person_id=person_id)
                )


@dataclass
class _Stored:
    """The children of a case as they are in the database (empty for a new case)."""

    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    deviations: dict[int, dict[str, Any]] = field(default_factory=dict)
    artifacts: set[tuple[str, int]] = field(default_factory=set)
    assignments: dict[str, int] = field(default_factory=dict)


def _columns(row: Row[Any], names: Iterable[str]) -> dict[str, Any]:
    mapping = row._mapping
    return {name: mapping[name] for name in names}


def _case_values(case: Case) -> dict[str, Any]:
    values = {name: getattr(case, name) for name in _CASE_FIELDS}
    values["status"] = CaseStatus(case.status).value
    return values


def _run_values(run: StepRun) -> dict[str, Any]:
    values = {name: getattr(run, name) for name in _RUN_FIELDS}
    values["outcome"] = Outcome(run.outcome).value if run.outcome is not None else None
    return values


def _deviation_values(deviation: Deviation) -> dict[str, Any]:
    values = {name: getattr(deviation, name) for name in _DEVIATION_FIELDS}
    values["kind"] = DeviationKind(deviation.kind).value
    return values


def _artifact_values(artifact: ArtifactValue) -> dict[str, Any]:
    return {name: getattr(artifact, name) for name in _ARTIFACT_FIELDS}


def _run(row: Row[Any]) -> StepRun:
    values = _columns(row, _RUN_FIELDS)
    values["outcome"] = Outcome(row.outcome) if row.outcome is not None else None
    return StepRun(**values, id=row.id)


def _deviation(row: Row[Any]) -> Deviation:
    values = _columns(row, _DEVIATION_FIELDS)
    values["kind"] = DeviationKind(row.kind)
    return Deviation(**values, id=row.id)


def _artifact(row: Row[Any]) -> ArtifactValue:
    return ArtifactValue(**_columns(row, _ARTIFACT_FIELDS))


def _case(
    row: Row[Any],
    *,
    runs: Iterable[Row[Any]],
    deviations: Iterable[Row[Any]],
    artifacts: Iterable[Row[Any]],
    assignments: Iterable[Row[Any]],
) -> Case:
    values = _columns(row, _CASE_FIELDS)
    values["status"] = CaseStatus(row.status)
    return Case(
        **values,
        assignments={a.role: a.person_id for a in assignments},
        artifacts={a.key: _artifact(a) for a in artifacts},
        runs=[_run(r) for r in runs],
        deviations=[_deviation(d) for d in deviations],
        version=row.version,
        id=row.id,
    )
