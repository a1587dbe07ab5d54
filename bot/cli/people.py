"""Administration commands: invites, users, Plt/Plh delegations, holiday overrides."""

from __future__ import annotations

import typer

from bot.bootstrap import App
from bot.calendar import OfficeCalendar
from bot.cli.common import fail, parse_day, table, with_app
from bot.fmt import format_date, format_datetime
from bot.texts import t

user_app = typer.Typer(help="Pengguna.", no_args_is_help=True)
holiday_app = typer.Typer(
    help="Hari libur tambahan dan hari kerja pengganti.", no_args_is_help=True
)
delegate_app = typer.Typer(
    help="Pelimpahan wewenang (Plt/Plh): sopbot delegate --for ... --to ... ; list ; revoke ID",
    invoke_without_command=True,
)


def invite(
    role: str = typer.Option(..., "--role", help="Kunci peran dari berkas SOP."),
    name: str | None = typer.Option(None, "--name", help="Nama lengkap dengan gelar."),
    nip: str | None = typer.Option(None, "--nip"),
) -> None:
    """Print a single-use invite code (alone on the last line)."""

    async def body(app: App) -> tuple[str, str]:
        code, made = await app.admin.create_invite(role, name, nip)
        return code, format_datetime(made.expires_at)

    code, expires = with_app(body)
    typer.echo(t("cli.invite", role=role, expires=expires))
    typer.echo(code)


@user_app.command("list")
def user_list() -> None:
    """List registered people with their roles."""
    people = with_app(lambda app: app.admin.people())
    rows = [
        [
            str(p.id),
            p.name,
            p.nip or "-",
            p.rank or "-",
            ", ".join(sorted(p.roles)) or "-",
            t("cli.active") if p.active else t("cli.inactive"),
        ]
        for p in sorted(people, key=lambda p: p.id)
    ]
    typer.echo(table(rows, ["ID", "Nama", "NIP", "Pangkat/gol.", "Peran", "Status"]))


@user_app.command("set")
def user_set(
    person: str = typer.Argument(..., help="ID, NIP atau nama."),
    pangkat: str | None = typer.Option(None, "--pangkat", help="Mis. Pembina Tingkat I."),
    golongan: str | None = typer.Option(None, "--golongan", help="Mis. IV/b."),
    nip: str | None = typer.Option(None, "--nip"),
    jabatan: str | None = typer.Option(None, "--jabatan"),
) -> None:
    """Record a person's pangkat/golongan (and NIP, jabatan) for the signature blocks."""
    done = with_app(
        lambda app: app.admin.set_details(
            person, pangkat=pangkat, golongan=golongan, nip=nip, jabatan=jabatan
        )
    )
    typer.echo(t("cli.user_updated", name=done.name, rank=done.rank or "-", nip=done.nip or "-"))


@user_app.command("deactivate")
def user_deactivate(person: str = typer.Argument(..., help="ID, NIP atau nama.")) -> None:
    """Deactivate a person: they can no longer act or receive tasks."""
    done = with_app(lambda app: app.admin.set_active(person, False))
    typer.echo(t("cli.user_deactivated", name=done.name))


@user_app.command("activate")
def user_activate(person: str = typer.Argument(..., help="ID, NIP atau nama.")) -> None:
    """Reactivate a person."""
    done = with_app(lambda app: app.admin.set_active(person, True))
    typer.echo(t("cli.user_activated", name=done.name))


@delegate_app.callback()
def delegate(
    ctx: typer.Context,
    principal: str | None = typer.Option(None, "--for", help="Pejabat yang digantikan."),
    deputy: str | None = typer.Option(None, "--to", help="Pejabat Plt/Plh."),
    starts: str | None = typer.Option(None, "--from", help="Tanggal mulai (YYYY-MM-DD)."),
    ends: str | None = typer.Option(None, "--until", help="Tanggal akhir (YYYY-MM-DD)."),
    kind: str = typer.Option("plh", "--kind", help="plt atau plh."),
) -> None:
    """Record that PERSON --to acts for PERSON --for between two dates."""
    if ctx.invoked_subcommand is not None:
        return
    if not (principal and deputy and starts and ends):
        raise fail(t("cli.delegate_usage"), 2)
    first, last = parse_day(starts), parse_day(ends)
    made = with_app(lambda app: app.admin.delegate(principal, deputy, kind.lower(), first, last))
    typer.echo(
        t(
            "cli.delegated",
            id=made.id,
            kind=made.kind.upper(),
            starts=format_date(made.starts),
            ends=format_date(made.ends),
        )
    )


@delegate_app.command("list")
def delegate_list() -> None:
    """List delegations."""

    async def body(app: App) -> list[list[str]]:
        roster = await app.workflow.roster()
        return [
            [
                str(d.id),
                d.kind.upper(),
                roster.name(d.principal_id),
                roster.name(d.deputy_id),
                d.starts.isoformat(),
                d.ends.isoformat(),
                t("cli.revoked") if d.revoked else t("cli.active"),
            ]
            for d in await app.admin.delegations()
        ]

    rows = with_app(body)
    typer.echo(table(rows, ["ID", "Jenis", "Untuk", "Oleh", "Mulai", "Sampai", "Status"]))


@delegate_app.command("revoke")
def delegate_revoke(delegation_id: int = typer.Argument(...)) -> None:
    """End a delegation early."""
    with_app(lambda app: app.admin.revoke(delegation_id))
    typer.echo(t("cli.delegation_revoked", id=delegation_id))


@holiday_app.command("add")
def holiday_add(day: str = typer.Argument(...), name: str = typer.Argument(...)) -> None:
    """Declare a regional holiday or an added cuti bersama."""
    when = parse_day(day)
    with_app(lambda app: app.admin.add_holiday(when, name))
    typer.echo(t("cli.holiday_added", day=format_date(when), name=name))


@holiday_app.command("remove")
def holiday_remove(day: str = typer.Argument(...), name: str = typer.Argument("")) -> None:
    """Remove an override, or declare a listed holiday a working day."""
    when = parse_day(day)
    what = with_app(lambda app: app.admin.remove_holiday(when, name))
    typer.echo(t(f"cli.holiday_{what}", day=format_date(when)))


@holiday_app.command("list")
def holiday_list(
    year: int | None = typer.Option(None, help="Tampilkan juga libur nasional."),
) -> None:
    """List the admin's overrides (and, with --year, that year's effective holidays)."""

    async def body(app: App) -> list[list[str]]:
        overrides = await app.admin.holidays()
        rows = [
            [o.day.isoformat(), o.name, t("cli.holiday") if o.is_holiday else t("cli.workday")]
            for o in overrides
        ]
        if year:
            calendar = OfficeCalendar(app.settings.office_hours, overrides, app.settings.ramadan)
            rows = [
                [d.isoformat(), name, t("cli.holiday")] for d, name in calendar.holidays_in(year)
            ]
        return rows

    typer.echo(table(with_app(body), ["Tanggal", "Keterangan", "Jenis"]))
