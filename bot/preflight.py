"""Checks `sopbot run` makes before it opens anything: settings that belong together, ports.

Everything here needs only the settings and the operating system, so a missing webhook secret
or a port taken by another program is reported before the bot waits for its database.
"""

from __future__ import annotations

import errno
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bot.config import Settings
from bot.errors import SopFileError
from bot.startup import StartupError, reason_of

SOP_FILE = "SOPBOT_SOP_FILE"
SOP_DIR = "SOPBOT_SOP_DIR"

# What Telegram accepts as a webhook secret token (setWebhook answers 400 otherwise).
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_ANY_ADDRESS = {"0.0.0.0", "::", ""}
_LISTEN_FIXES = {
    errno.EADDRINUSE: "startup.listen_taken_fix",
    errno.EACCES: "startup.listen_denied_fix",
    errno.EADDRNOTAVAIL: "startup.listen_host_fix",
}


@dataclass(frozen=True)
class Listener:
    """An address the bot will listen on, with the settings that chose it."""

    host_setting: str
    port_setting: str
    host: str
    port: int
    path: str | None = None  # a webhook's path: webhooks at different paths share a server


def check_run(
    settings: Settings, *, webhook: bool, dashboard: bool, worker: bool = False
) -> None:
    """Raise the first `StartupError` that `sopbot run` would meet in these settings (a
    worker, which receives nothing, listens only for the dashboard)."""
    if settings.telegram_bot_token is None and not settings.whatsapp_enabled and not dashboard:
        raise StartupError("TELEGRAM_BOT_TOKEN", "startup.no_channel", "startup.no_channel_fix")
    if dashboard and settings.sopbot_web_secret is None:
        raise StartupError("SOPBOT_WEB_SECRET", "startup.missing", "startup.web_secret_fix")
    if webhook and settings.telegram_bot_token is not None:
        check_webhook(settings)
    if settings.whatsapp_enabled:
        check_whatsapp(settings)
    listeners = run_listeners(settings, webhook=webhook, dashboard=dashboard, receive=not worker)
    _check_distinct(listeners)
    for listener in listeners:
        check_free(listener)


def check_webhook(settings: Settings) -> None:
    """Webhook mode needs the public URL and a secret Telegram accepts."""
    if not settings.telegram_webhook_url:
        raise StartupError("TELEGRAM_WEBHOOK_URL", "startup.missing", "startup.webhook_url_fix")
    secret = settings.telegram_webhook_secret
    if secret is None:
        raise StartupError(
            "TELEGRAM_WEBHOOK_SECRET", "startup.missing", "startup.webhook_secret_fix"
        )
    if not _WEBHOOK_SECRET.fullmatch(secret.get_secret_value()):
        raise StartupError(
            "TELEGRAM_WEBHOOK_SECRET", "startup.webhook_secret_bad", "startup.webhook_secret_fix"
        )


def check_whatsapp(settings: Settings) -> None:
    """WhatsApp needs the app secret (or pywa stops checking signatures) and a verify token."""
    for name, value, fix in (
        ("WHATSAPP_APP_SECRET", settings.whatsapp_app_secret, "startup.whatsapp_secret_fix"),
        ("WHATSAPP_VERIFY_TOKEN", settings.whatsapp_verify_token, "startup.whatsapp_verify_fix"),
    ):
        if value is None or not value.get_secret_value():
            raise StartupError(name, "startup.missing", fix)


def run_listeners(
    settings: Settings, *, webhook: bool, dashboard: bool, receive: bool = True
) -> list[Listener]:
    """The addresses `sopbot run` listens on with these settings (`receive`: not a worker)."""
    found = []
    if webhook and receive and settings.telegram_bot_token is not None:
        found.append(webhook_listener(settings))
    if settings.whatsapp_enabled and receive:
        found.append(whatsapp_listener(settings))
    if dashboard:
        found.append(dashboard_listener(settings))
    return found


def webhook_listener(settings: Settings) -> Listener:
    """Where the Telegram webhook listens."""
    return Listener(
        "TELEGRAM_WEBHOOK_LISTEN",
        "TELEGRAM_WEBHOOK_PORT",
        settings.telegram_webhook_listen,
        settings.telegram_webhook_port,
        urlparse(settings.telegram_webhook_url or "").path or "/",
    )


def whatsapp_listener(settings: Settings) -> Listener:
    """Where the WhatsApp webhook listens."""
    return Listener(
        "WHATSAPP_WEBHOOK_LISTEN",
        "WHATSAPP_WEBHOOK_PORT",
        settings.whatsapp_webhook_listen,
        settings.whatsapp_webhook_port,
        settings.whatsapp_webhook_path,
    )


def dashboard_listener(settings: Settings) -> Listener:
    """Where the web dashboard listens."""
    return Listener(
        "SOPBOT_WEB_LISTEN",
        "SOPBOT_WEB_PORT",
        settings.sopbot_web_listen,
        settings.sopbot_web_port,
    )


def _check_distinct(listeners: list[Listener]) -> None:
    """No two services on one address, except the webhooks at different paths of one address:
    those are served together, by one server."""
    for index, first in enumerate(listeners):
        for second in listeners[index + 1 :]:
            if _shared_webhook_server(first, second):
                continue
            if first.port == second.port and _overlap(first.host, second.host):
                raise StartupError(
                    second.port_setting,
                    "startup.port_shared",
                    "startup.port_shared_fix",
                    other=first.port_setting,
                    port=second.port,
                )


def _shared_webhook_server(first: Listener, second: Listener) -> bool:
    both_webhooks = first.path is not None and second.path is not None
    same_address = (first.host, first.port) == (second.host, second.port)
    return both_webhooks and same_address and first.path != second.path


def _overlap(first: str, second: str) -> bool:
    return first == second or bool({first, second} & _ANY_ADDRESS)


def check_free(listener: Listener) -> None:
    """Bind and release the address now, so a taken port is reported before anything starts."""
    with listen_errors(listener):
        family = socket.AF_INET6 if ":" in listener.host else socket.AF_INET
        with socket.create_server((listener.host, listener.port), family=family):
            pass


@contextmanager
def listen_errors(listener: Listener) -> Iterator[None]:
    """Turn a failure to listen inside the block into a `StartupError` naming the setting."""
    try:
        yield
    except socket.gaierror as error:
        raise _listen_error(listener, error, "startup.listen_host_fix") from None
    except OSError as error:
        fix = _LISTEN_FIXES.get(error.errno or 0)
        if fix is None:
            raise
        raise _listen_error(listener, error, fix) from None


def _listen_error(listener: Listener, error: OSError, fix: str) -> StartupError:
    wrong_host = fix == "startup.listen_host_fix"
    return StartupError(
        listener.host_setting if wrong_host else listener.port_setting,
        "startup.cannot_listen",
        fix,
        address=f"{listener.host}:{listener.port}",
        reason=reason_of(error),
        host_setting=listener.host_setting,
        port_setting=listener.port_setting,
    )


def sop_setting(error: SopFileError, sop_dir: Path | None) -> str:
    """Which setting names the SOP file in error: SOPBOT_SOP_DIR for the folder or a file in
    it, SOPBOT_SOP_FILE otherwise."""
    path = Path(error.path)
    if sop_dir is not None and sop_dir in (path, path.parent):
        return SOP_DIR
    return SOP_FILE


def sop_file_error(error: SopFileError, setting: str | None = SOP_FILE) -> StartupError:
    """A malformed or unreadable SOP file in the start-up form; `setting` None: a file argument."""
    unreadable = isinstance(error.__cause__, OSError)
    params = {"path": error.path, "reason": error.reason}
    if unreadable:
        assert isinstance(error.__cause__, OSError)
        params["reason"] = reason_of(error.__cause__)
    where = f"{error.path}:{error.line}" if error.line is not None else error.path
    if setting is None:
        problem = "startup.sop_unreadable_here" if unreadable else "startup.sop_invalid_here"
        return StartupError(where, problem, "startup.sop_file_check", **params)
    if setting == SOP_DIR:  # a file of the folder, or the folder itself
        return StartupError(
            setting, "startup.sop_invalid", "startup.sop_dir_fix", where=where, **params
        )
    if unreadable:
        return StartupError(setting, "startup.sop_unreadable", "startup.sop_path_fix", **params)
    return StartupError(
        setting, "startup.sop_invalid", "startup.sop_file_fix", where=where, **params
    )
