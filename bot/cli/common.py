"""Shared plumbing of the CLI commands: settings, the wired app, errors, parsing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime
from typing import Any, TypeVar

import typer

from bot import bootstrap
from bot.clock import JAKARTA
from bot.config import ConfigError, Settings, load_settings
from bot.errors import SopbotError, SopFileError
from bot.table import table as table
from bot.texts import t

T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a message to stderr and give the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def settings() -> Settings:
    """Settings from the environment, or a clear exit naming the bad setting."""
    try:
        return load_settings()
    except ConfigError as exc:
        raise fail(str(exc), 2) from None


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine, mapping expected failures to messages and exit codes."""
    try:
        return asyncio.run(coro)
    except SopbotError as exc:
        raise fail(t(exc.text_key, **exc.params)) from None
    except SopFileError as exc:
        raise fail(str(exc), 2) from None


def with_app(body: Callable[[bootstrap.App], Awaitable[T]]) -> T:
    """Run `body` with a wired application on the configured database, then close it."""

    async def main() -> T:
        application = await bootstrap.build_app(settings())
        try:
            return await body(application)
        finally:
            await application.close()

    return run(main())


def parse_when(text: str) -> datetime:
    """An ISO date-time; naive means Asia/Jakarta."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise fail(t("cli.bad_datetime", value=text), 2) from None
    return at if at.tzinfo else at.replace(tzinfo=JAKARTA)


def parse_day(text: str) -> date:
    """An ISO date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(t("cli.bad_date", value=text), 2) from None
