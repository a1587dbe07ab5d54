"""Shared plumbing of the CLI commands: settings, the wired app, errors, parsing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

import typer

from bot import bootstrap
from bot.clock import JAKARTA
from bot.config import Settings, load_settings
from bot.errors import SopbotError, SopFileError
from bot.preflight import sop_file_error
from bot.startup import EXIT_CODE, StartupError
from bot.table import table as table
from bot.texts import t

logger = logging.getLogger(__name__)

T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a message to stderr and give the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


@contextmanager
def explained() -> Iterator[None]:
    """The one place a start-up problem becomes its lines on stderr and exit code 2.

    No traceback by default; with SOPBOT_LOG_LEVEL=DEBUG (`sopbot run`) the log has it.
    """
    try:
        yield
    except (StartupError, SopFileError) as exc:
        error = sop_file_error(exc) if isinstance(exc, SopFileError) else exc
        logger.debug("start-up failed", exc_info=exc.__cause__)
        raise fail("\n".join(error.lines()), EXIT_CODE) from None


def settings() -> Settings:
    """Settings from the environment, or a clear exit naming the bad setting."""
    with explained():
        return load_settings()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine, mapping expected failures to messages and exit codes."""
    with explained():
        try:
            return asyncio.run(coro)
        except SopbotError as exc:
            raise fail(t(exc.text_key, **exc.params)) from None


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
