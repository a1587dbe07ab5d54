"""`sopbot sop import`: an SOP document (PermenPAN format) to a YAML draft to check and run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.common import fail
from bot.texts import t

if TYPE_CHECKING:
    from bot.sop.importer import ImportResult

NOT_AN_SOP = 2  # the exit code when the document is not an SOP table
STDOUT = Path("-")


def sop_import(
    file: Path = typer.Argument(..., help="Dokumen SOP: .docx atau ekspor teksnya."),
    out: Path | None = typer.Option(
        None, "-o", "--out", help="Berkas YAML yang ditulis (- untuk layar)."
    ),
) -> None:
    """Read an SOP document and write its YAML draft; print what to check (PERIKSA)."""
    from bot.sop.importer import NotAnSopTable, import_document  # not on every command's path

    try:
        data = file.read_bytes()
    except OSError as error:
        raise fail(t("cli.import_unreadable", path=str(file), reason=error.strerror), 1) from None
    target = out if out is not None else file.with_suffix(".yaml")
    if out is None and target.exists():
        raise fail(t("cli.import_exists", path=str(target)), 1)
    try:
        result = import_document(data, file.name)
    except NotAnSopTable as refused:
        raise fail(t(refused.text_key, **refused.params), NOT_AN_SOP) from None
    if target == STDOUT:
        typer.echo(result.yaml, nl=False)
    else:
        target.write_text(result.yaml, encoding="utf-8")
    _report(result, "-" if target == STDOUT else str(target), err=target == STDOUT)


def _report(result: ImportResult, path: str, *, err: bool) -> None:
    sop = result.sop
    roles = len(sop.roles) - ("admin" in sop.roles)
    lines = [t("cli.import_written", path=path, steps=len(sop.steps), roles=roles)]
    if result.findings:
        lines.append(t("cli.import_checks", count=len(result.findings)))
        lines += [t("cli.import_check", line=f.line, text=f.text) for f in result.findings]
    else:
        lines.append(t("cli.import_no_checks"))
    typer.echo("\n".join(lines), err=err)
