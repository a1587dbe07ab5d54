"""Operator tools: the SOP table, due times, migrations, the audit chain."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from bot import bootstrap
from bot.calendar import Duration, HolidayOverride, OfficeCalendar
from bot.cli.common import explained, fail, parse_when, run, settings, with_app
from bot.config import Settings
from bot.errors import SopFileError
from bot.preflight import check_run, sop_file_error, sop_setting
from bot.sop.loader import load_sop, load_sops
from bot.sop.registry import version_lines
from bot.sop.table import render_table
from bot.startup import stop_on_signal
from bot.texts import t

sop_app = typer.Typer(help="SOP yang dijalankan.", no_args_is_help=True)
db_app = typer.Typer(help="Basis data.", no_args_is_help=True)
audit_app = typer.Typer(help="Jejak audit.", no_args_is_help=True)


@sop_app.command("versions")
def sop_versions(code: str = typer.Argument(..., help="Kode SOP, mis. sop54-2025.")) -> None:
    """List the stored versions of an SOP, each with what changed from the one before."""

    async def body(app: bootstrap.App) -> list[str]:
        sop = app.registry.find(code)
        if sop is None:
            codes = ", ".join(s.code for s in app.registry.current)
            raise fail(t("invalid.sop", value=code, choices=codes), 2)
        return version_lines(app.registry, await bootstrap.stored_versions(app, sop.code))

    typer.echo("\n".join(with_app(body)))


@sop_app.command("show")
def sop_show(file: Path | None = typer.Argument(None, help="Berkas SOP (YAML).")) -> None:
    """Print the SOP's steps as a table (and validate the file); without FILE every SOP the
    deployment runs (SOPBOT_SOP_FILE and SOPBOT_SOP_DIR)."""
    config = settings()
    with explained():
        try:
            if file is not None:
                sops = [load_sop(file)]
            else:
                loaded = load_sops(config.sopbot_sop_file, config.sopbot_sop_dir)
                sops = [item.sop for item in loaded]
        except SopFileError as exc:
            setting = sop_setting(exc, config.sopbot_sop_dir)
            raise sop_file_error(exc, None if file else setting) from exc
    typer.echo("\n\n".join(render_table(sop) for sop in sops))


def due(
    start: str = typer.Argument(..., help="Mulai, mis. 2026-03-17T15:50"),
    duration: str = typer.Argument(..., help='Mutu baku, mis. "2 hari"'),
) -> None:
    """Print when a step started at START with that mutu baku is due."""
    config = settings()
    try:
        length = Duration.parse(duration)
    except ValueError as exc:
        raise fail(t("cli.bad_duration", value=duration, reason=str(exc)), 2) from None
    overrides = run(_overrides(config)) if bootstrap.has_database(config) else []
    calendar = OfficeCalendar(config.office_hours, overrides, config.ramadan)
    typer.echo(calendar.due(parse_when(start), length).strftime("%Y-%m-%dT%H:%M"))


async def _overrides(config: Settings) -> list[HolidayOverride]:
    application = await bootstrap.build_app(config)
    try:
        return await application.admin.holidays()
    finally:
        await application.close()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending database migrations."""

    async def noop(application: bootstrap.App) -> None:
        return None

    with_app(noop)
    typer.echo(t("cli.db_upgraded"))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain and MACs; exit 1 unless every entry verifies."""
    report = with_app(lambda application: application.admin.verify_audit())
    if report.sealable:
        raise fail(t("cli.audit_unkeyed", reason=report.reason))
    if not report.ok:
        raise fail(t("cli.audit_broken", id=report.broken_at, reason=report.reason))
    typer.echo(t("cli.audit_ok", count=report.checked))


@audit_app.command("seal")
def audit_seal() -> None:
    """Key the entries written before the audit key was used, once, if their chain is intact."""
    outcome = with_app(lambda application: application.admin.seal_audit())
    report = outcome.report
    if report.ok:
        typer.echo(t("cli.audit_seal_nothing"))
        return
    if outcome.sealed_before is not None:
        raise fail(t("cli.audit_seal_again", id=outcome.sealed_before))
    if not outcome.sealed:
        raise fail(t("cli.audit_seal_broken", id=report.broken_at, reason=report.reason))
    first, last = outcome.sealed[0], outcome.sealed[-1]
    typer.echo(t("cli.audit_sealed", count=len(outcome.sealed), first=first, last=last))


def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder hasil demo."),
    interactive: bool = typer.Option(
        False, "--interactive", help="Mainkan peran sendiri di peramban (halaman lokal)."
    ),
    port: int = typer.Option(8095, "--port", help="Port halaman demo interaktif."),
) -> None:
    """Play one whole case offline (no token, no network) and write its record to a folder."""
    settings()  # the demo reads the environment too: name a bad setting, not a traceback
    if interactive:
        bootstrap.configure_logging()
        with tempfile.TemporaryDirectory(prefix="sopbot-play-") as data_dir:
            run(bootstrap.run_interactive(typer.echo, Path(data_dir), "127.0.0.1", port))
        return
    with tempfile.TemporaryDirectory(prefix="sopbot-demo-") as data_dir:
        case = run(bootstrap.run_demo(out, typer.echo, Path(data_dir)))
    typer.echo(t("cli.demo_done", ref=case.ref, status=t(f"status.{case.status}"), out=out))


def run_bot(
    webhook: bool = typer.Option(False, "--webhook", help="Layani webhook, bukan long polling."),
    dashboard: bool = typer.Option(
        False, "--dashboard", help="Layani juga dasbor web (SOPBOT_WEB_PORT)."
    ),
    worker: bool = typer.Option(
        False,
        "--worker",
        help="Hanya mengolah kotak masuk, mengirim pesan dan pengingat; tidak menerima "
        "pembaruan (beberapa worker: PostgreSQL).",
    ),
) -> None:
    """Start the bot: migrations first, then Telegram (long polling, or webhook) and WhatsApp.
    With --worker: one more worker beside the process that receives."""
    config = settings()
    with explained():
        check_run(config, webhook=webhook and not worker, dashboard=dashboard, worker=worker)
    bootstrap.configure_logging(config.sopbot_log_level)
    run(stop_on_signal(
        bootstrap.run_bot(config, webhook=webhook, dashboard=dashboard, worker=worker)
    ))  # fmt: skip
