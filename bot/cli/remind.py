"""`sopbot remind`: one reminder sweep as of a given time, then send what can be sent."""

from __future__ import annotations

import typer

from bot import bootstrap, failpoints
from bot.cli.common import parse_when, run, settings
from bot.clock import FixedClock, SystemClock
from bot.config import Settings
from bot.delivery import Delivery
from bot.fmt import format_datetime
from bot.pacing import Pacer, send_limits
from bot.periodic import Periodic, TickReport
from bot.ports import ChannelSender, Clock
from bot.texts import t
from bot.workers import Workers


def remind(
    at: str | None = typer.Option(
        None, "--at", help="Saat penyapuan, mis. 2026-03-25T08:00 (bawaan: sekarang)."
    ),
) -> None:
    """Sweep reminders, escalations and the daily digest as of AT, then drain the outbox."""
    config = settings()
    clock: Clock = FixedClock(parse_when(at)) if at else SystemClock()
    report, channels = run(_remind(config, clock))
    shown = format_datetime(clock.now())
    if report.swept.quiet:
        typer.echo(t("cli.remind_quiet", at=shown))
    swept, drained = report.swept, report.drained
    typer.echo(
        t("cli.remind_done", at=shown, queued=swept.queued, superseded=swept.superseded,
          digests=report.digests, sent=drained.sent, retried=drained.retried,
          deferred=drained.deferred, failed=drained.failed)
    )  # fmt: skip
    if not channels:
        typer.echo(t("cli.remind_no_channel"))


async def _remind(config: Settings, clock: Clock) -> tuple[TickReport, bool]:
    """One tick of the bot's periodic work on the configured database, then close it.

    The sweep runs as of `clock` (--at); sending runs on the real clock, as the running bot's
    does: a WhatsApp window, a retry or a lease is judged by what time it really is.
    """
    failpoints.arm(config.sopbot_failpoint)
    app = await bootstrap.build_app(config)
    try:
        async with bootstrap.channel_senders(app) as senders, bootstrap.worker(app) as workers:
            delivery = _delivery(app, app.clock, config, senders, workers) if senders else None
            exports = app.records.process_exports if app.records is not None else None
            periodic = Periodic(app.workflow, delivery, clock, exports=exports)
            return await periodic.tick(), bool(senders)
    finally:
        await app.close()


def _delivery(
    app: bootstrap.App,
    clock: Clock,
    config: Settings,
    senders: dict[str, ChannelSender],
    workers: Workers,
) -> Delivery:
    alert = app.registry.notice_roles("delivery_failed")
    pacer = Pacer(send_limits(config))
    return Delivery(app.uow, clock, senders, pacer=pacer, alert_roles=alert, workers=workers)
