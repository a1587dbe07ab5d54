"""The `sopbot` command line. Commands are registered here, explicitly and in order."""

from __future__ import annotations

import typer

from bot.cli.cases import case_app
from bot.cli.importer import sop_import
from bot.cli.people import delegate_app, holiday_app, invite, user_app
from bot.cli.records import export_app, register_app
from bot.cli.remind import remind
from bot.cli.reports import report
from bot.cli.tools import audit_app, db_app, demo, due, run_bot, sop_app
from bot.cli.web import web_login

app = typer.Typer(
    help="sopbot: SOP Pemerintah Kota berjalan di Telegram dan WhatsApp.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("run")(run_bot)
app.command()(demo)
app.command()(due)
app.command()(invite)
app.command()(remind)
sop_app.command("import")(sop_import)
app.add_typer(sop_app, name="sop")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(delegate_app, name="delegate")
app.add_typer(holiday_app, name="holiday")
app.add_typer(case_app, name="case")
app.add_typer(audit_app, name="audit")
app.add_typer(register_app, name="register")
app.add_typer(export_app, name="export")
app.command()(report)
app.command("web-login")(web_login)
