"""`sopbot register` (the agenda register) and `sopbot export` (records packages)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import typer

from bot.admin import find_person
from bot.bootstrap import App
from bot.cli.common import parse_day, table, with_app
from bot.documents.values import local
from bot.ports import RegisterEntry
from bot.records.service import Records
from bot.records.srikandi import Package
from bot.sop.model import RECORD_KINDS
from bot.texts import t

register_app = typer.Typer(help="Buku agenda: nomor naskah keluar.", no_args_is_help=True)
export_app = typer.Typer(help="Paket arsip perkara: SRIKANDI dan arsip lengkap.",
                         no_args_is_help=True)  # fmt: skip


def _records(app: App) -> Records:
    if app.records is None:
        raise RuntimeError("the app has no records service")
    return app.records


def _status(entry: RegisterEntry) -> str:
    if entry.status == "cancelled":
        return t("cli.register.cancelled", reason=entry.cancel_reason or "-")
    return t("cli.register.issued")


def _rows(entries: list[RegisterEntry]) -> list[list[str]]:
    return [
        [str(e.id), e.kind, str(e.number), e.nomor, local(e.issued_at).date().isoformat(),
         e.hal, e.case_ref or "-", _status(e)]
        for e in entries
    ]  # fmt: skip


@register_app.command("list")
def register_list(
    kind: str | None = typer.Option(None, "--kind", help=f"Jenis: {', '.join(RECORD_KINDS)}."),
    year: int | None = typer.Option(None, "--year", help="Tahun."),
    csv_out: Path | None = typer.Option(None, "--csv", help="Tulis ke berkas CSV ('-': layar)."),
) -> None:
    """Print the register (number, date, hal, case, status); --csv writes it to a file."""
    entries = with_app(lambda app: _records(app).entries(kind, year))
    header = t("cli.register.columns").split("|")
    rows = _rows(entries)
    if csv_out is not None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        if str(csv_out) == "-":
            sys.stdout.write(out.getvalue())
            return
        csv_out.write_bytes(out.getvalue().encode("utf-8-sig"))
        typer.echo(t("cli.register.written", path=csv_out, count=len(rows)))
        return
    typer.echo(table(rows, header) if rows else t("cli.register.empty"))


@register_app.command("cancel")
def register_cancel(
    entry_id: int = typer.Argument(..., help="ID baris register (kolom ID)."),
    reason: str = typer.Option(..., "--reason", help="Alasan pembatalan (wajib)."),
) -> None:
    """Cancel an issued naskah: its number stays in the register, marked cancelled."""
    entry = with_app(lambda app: _records(app).cancel(entry_id, reason))
    typer.echo(t("cli.register.cancel_done", nomor=entry.nomor))


@register_app.command("sign")
def register_sign(
    case: str = typer.Argument(..., help="Nomor perkara, mis. KB-2026-0001."),
    on: str | None = typer.Option(None, "--on", help="Tanggal penandatanganan (YYYY-MM-DD)."),
    by: str | None = typer.Option(None, "--by", help="Dicatat oleh (ID, NIP atau nama)."),
) -> None:
    """Record that the agreement was signed: it takes its number from the register now."""

    async def body(app: App) -> RegisterEntry:
        day = parse_day(on) if on else local(app.clock.now()).date()
        actor = find_person(await app.workflow.roster(), by).id if by else None
        return await _records(app).record_signing(case, day, actor)

    entry = with_app(body)
    typer.echo(t("cli.register.signed", ref=entry.case_ref, nomor=entry.nomor))


def _write(package: Package, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    target = out / package.filename
    target.write_bytes(package.data)
    return target


@export_app.command("srikandi")
def export_srikandi(
    case: str = typer.Argument(..., help="Nomor perkara, mis. KB-2026-0001."),
    out: Path = typer.Option(Path("."), "--out", help="Folder tujuan."),
) -> None:
    """The SRIKANDI registration package of a case: PDFs, .docx, metadata, manifest (zip)."""
    package = with_app(lambda app: _records(app).srikandi(case))
    _report(package, _write(package, out))


@export_app.command("archive")
def export_archive(
    case: str = typer.Argument(..., help="Nomor perkara, mis. KB-2026-0001."),
    out: Path = typer.Option(Path("."), "--out", help="Folder tujuan."),
) -> None:
    """The case archive: every document version, returns, audit trail, report, history (zip)."""
    package = with_app(lambda app: _records(app).archive(case))
    _report(package, _write(package, out))


def _report(package: Package, target: Path) -> None:
    typer.echo(t("cli.export.written", path=target))
    if package.missing:
        typer.echo(t("cli.export.incomplete"))
        for item in package.missing:
            typer.echo(f"- {item}")
    if package.pdf_problem:
        typer.echo(t("cli.export.no_pdf", problem=package.pdf_problem))
