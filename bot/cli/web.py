"""`sopbot web-login`: a one-time login link to the read-only web dashboard."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import typer

from bot import weblogin
from bot.admin import find_person
from bot.bootstrap import App
from bot.cli.common import explained, fail, settings, with_app
from bot.fmt import format_datetime
from bot.startup import StartupError
from bot.texts import t
from bot.workflow.model import Person


def web_login(
    person: str = typer.Option(..., "--person", help="ID, NIP atau nama."),
) -> None:
    """Print a one-time login link to the dashboard for an admin, Kabag or Sekda."""
    config = settings()
    if config.sopbot_web_secret is None:
        with explained():
            raise StartupError("SOPBOT_WEB_SECRET", "startup.missing", "startup.web_secret_fix")
    secret = config.sopbot_web_secret.get_secret_value()
    minutes = config.sopbot_web_login_minutes

    async def body(app: App) -> tuple[Person, str | None, datetime, str]:
        found = find_person(await app.workflow.roster(), person)
        now = app.clock.now()
        code = weblogin.issue(secret, weblogin.LOGIN, found.id, now, minutes * 60)
        expires = datetime.fromtimestamp(int(now.timestamp()) + minutes * 60, now.tzinfo)
        if any(weblogin.may_view(found, sop) for sop in app.registry.current):
            return found, None, expires, code
        roles = ", ".join(app.sop.roles[r].title for r in app.sop.allowed(weblogin.VIEW_DASHBOARD))
        return found, roles, expires, code

    found, refused_roles, expires, code = with_app(body)
    if refused_roles is not None:
        raise fail(t("cli.web_login_refused", name=found.name, roles=refused_roles))
    typer.echo(t("cli.web_login", name=found.name, expires=format_datetime(expires)))
    typer.echo(f"{config.sopbot_web_url.rstrip('/')}/login?code={quote(code)}")
