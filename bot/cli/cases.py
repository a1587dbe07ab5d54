"""Case commands for the operator: list, show (with timeline) and cancel."""

from __future__ import annotations

import typer

from bot.admin import find_person
from bot.bootstrap import App
from bot.casefile import describe
from bot.cli.common import fail, table, with_app
from bot.fmt import format_minutes
from bot.texts import t
from bot.workflow.commands import CancelCase
from bot.workflow.model import Case, Person, Roster

case_app = typer.Typer(help="Perkara (satu rancangan KB).", no_args_is_help=True)


@case_app.command("list")
def case_list(
    all_cases: bool = typer.Option(False, "--all", help="Termasuk yang selesai/dibatalkan."),
) -> None:
    """List cases with what each is waiting for."""

    async def body(app: App) -> list[list[str]]:
        cases = await app.workflow.cases(active_only=not all_cases)
        waiting = {(w.case_ref, w.step_code): w for w in await app.workflow.waiting()}
        rows = []
        for case in cases:
            open_steps = [waiting.get((case.ref, r.step_code)) for r in case.open_runs()]
            now_at = "; ".join(
                f"{w.step_number} {', '.join(w.waiting_for)}"
                + (
                    t("cli.late", late=format_minutes(w.overdue_minutes))
                    if w.overdue_minutes
                    else ""
                )
                for w in open_steps
                if w
            )
            rows.append(
                [case.ref, case.partner, case.subject, t(f"status.{case.status}"), now_at or "-"]
            )
        return rows

    typer.echo(table(with_app(body), ["Nomor", "Mitra", "Perihal", "Status", "Menunggu"]))


@case_app.command("show")
def case_show(ref: str = typer.Argument(..., help="Nomor perkara, mis. KB-2026-0001.")) -> None:
    """Show one case: its data, its steps and every return and deviation."""

    async def body(app: App) -> str:
        case = await app.workflow.get(ref)
        return describe(case, app.workflow.sops.for_case(case), await app.workflow.roster())

    typer.echo(with_app(body))


@case_app.command("cancel")
def case_cancel(
    ref: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Alasan pembatalan (wajib)."),
    by: str | None = typer.Option(None, "--by", help="Atas nama (ID, NIP atau nama)."),
) -> None:
    """Cancel a case with a reason, in the name of an admin or the Kabag."""

    async def body(app: App) -> Case:
        case = await app.workflow.get(ref)
        roster = await app.workflow.roster()
        actor = find_person(roster, by) if by else _sole_admin(roster)
        result = await app.workflow.handle(CancelCase(actor.id, case.id or 0, reason))
        assert result.case is not None
        return result.case

    cancelled = with_app(body)
    typer.echo(t("cli.case_cancelled", ref=cancelled.ref))


def _sole_admin(roster: Roster) -> Person:
    admins = roster.holders("admin")
    if len(admins) != 1:
        raise fail(t("cli.cancel_needs_by"), 2)
    return admins[0]
