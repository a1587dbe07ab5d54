"""The `sopbot` command line end to end: real commands on a fresh SQLite data directory.

Each test gets its own `SOPBOT_DATA_DIR`, runs the typer app in-process with `CliRunner` and
reads state back through a later command. People register the way `/start CODE` does: a code
printed by `sopbot invite` is redeemed with `Admin.accept_invite` on the same database.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import stat
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner, Result

from bot.auditkey import KEY_FILE
from bot.bootstrap import App, build_app
from bot.cli import app
from bot.clock import JAKARTA, FixedClock
from bot.config import Settings, load_settings
from bot.errors import InvalidInvite
from bot.ports import AuditEntry
from bot.texts import t
from bot.workflow.commands import OpenCase
from storage.db import SQLITE_FILENAME, make_engine, make_session_factory, sqlite_url_for
from storage.uow import uow_factory as make_uow_factory
from tests.test_audit_chain_db import forge_actor, recompute_without_the_key, sha256_links_hold
from tests.test_records_packages import manifest_verifies, unzip

T = TypeVar("T")

INVITE_CODE = re.compile(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}")
OPENED_AT = datetime(2026, 3, 16, 8, 0, tzinfo=JAKARTA)
STEP_NUMBERS = ["1", "2", "3", "4", "5", "7", "8", "10"]  # the source has no 6 and no 9
SOP_ROLES = ("admin", "walikota", "sekda", "kabag", "ketua_tim", "tkksd")


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private data directory; no `.env` and no SOPBOT_*/DATABASE_URL from outside."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    monkeypatch.setenv("SOPBOT_DATA_DIR", str(data))
    return data


def sopbot(*args: str) -> Result:
    """Run one command; an unexpected exception (not an exit) fails the test with its traceback."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def ok(*args: str) -> str:
    """Run a command that must succeed and give its standard output."""
    result = sopbot(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def on_app(body: Callable[[App], Awaitable[T]]) -> T:
    """Run `body` with the application wired on the CLI's database, as the bot process would."""

    async def main() -> T:
        application = await build_app(load_settings(), FixedClock(OPENED_AT))
        try:
            return await body(application)
        finally:
            await application.close()

    return asyncio.run(main())


def invite(role: str, name: str) -> str:
    """The code printed by `sopbot invite`."""
    return ok("invite", "--role", role, "--name", name).splitlines()[-1]


def redeem(code: str, chat_id: str) -> int:
    """Redeem a code as `/start CODE` does; the registered person's id."""
    person = on_app(lambda a: a.admin.accept_invite(code, "telegram", chat_id))
    return person.id


def register(role: str, name: str) -> int:
    """Invite through the CLI and redeem at once."""
    return redeem(invite(role, name), f"tg-{role}-{name}")


def open_case(kabag_id: int) -> str:
    """The Kabag opens a case, as /baru does; its reference."""
    command = OpenCase(
        kabag_id,
        "Pemerintah Kota Bandung",
        "pemda",
        "Kerja sama pengelolaan sampah",
        {"disposisi_walikota": "Disposisi No. 005/123-Tapem"},
    )
    result = on_app(lambda a: a.workflow.open_case(command))
    assert result.case is not None
    return result.case.ref


def rows(output: str) -> list[str]:
    """The lines of a plain text table as `cell | cell | ...` (columns: two or more spaces)."""
    return [" | ".join(re.split(r"\s{2,}", line.strip())) for line in output.splitlines()]


@pytest.mark.parametrize(
    "start, duration, due",
    [
        ("2026-03-17T15:50", "2 hari", "2026-03-26T15:50"),
        ("2026-03-27T16:25", "15 menit", "2026-03-30T07:40"),
    ],
)
def test_due_prints_the_worked_example_exactly(start, duration, due):
    output = ok("due", start, duration)

    assert output == f"{due}\n"


def test_due_with_an_unreadable_duration_exits_with_an_indonesian_message():
    result = sopbot("due", "2026-03-17T15:50", "dua hari")

    assert result.exit_code == 2
    assert 'Mutu baku "dua hari" tidak dapat dibaca' in result.stderr


def test_due_honours_a_holiday_added_through_the_cli():
    ok("holiday", "add", "2026-03-25", "Hari jadi kota")

    output = ok("due", "2026-03-17T15:50", "2 hari")

    assert output == "2026-03-27T15:50\n"


def test_sop_show_lists_every_step_of_the_sop():
    output = ok("sop", "show")

    assert re.findall(r"^(\d+)\s", output, re.MULTILINE) == STEP_NUMBERS


def test_sop_show_of_a_broken_file_names_the_file_and_the_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: x\nsteps:\n  - number: [1\n", encoding="utf-8")

    result = sopbot("sop", "show", str(broken))

    assert result.exit_code == 2
    assert re.match(rf"{re.escape(str(broken))}:\d+: \S", result.stderr)


def test_db_upgrade_can_run_again_on_an_up_to_date_database():
    ok("db", "upgrade")

    output = ok("db", "upgrade")

    assert output == t("cli.db_upgraded") + "\n"


def test_invite_prints_the_code_alone_on_the_last_line():
    output = ok("invite", "--role", "kabag", "--name", "Drs. Budi")

    assert INVITE_CODE.fullmatch(output.splitlines()[-1])


def test_invite_for_an_unknown_role_lists_the_roles():
    result = sopbot("invite", "--role", "bos")

    assert result.exit_code == 1
    assert 'peran "bos" tidak dikenal; pilihan: ' + ", ".join(SOP_ROLES) in result.stderr


def test_user_list_shows_registered_people_with_their_roles():
    register("kabag", "Drs. Budi Santoso")
    register("sekda", "Dr. Hendra Wijaya")

    table = rows(ok("user", "list"))

    assert "1 | Drs. Budi Santoso | - | - | kabag | aktif" in table
    assert "2 | Dr. Hendra Wijaya | - | - | sekda | aktif" in table


def test_user_deactivate_by_part_of_the_name_marks_the_person_inactive():
    register("kabag", "Drs. Budi Santoso")

    output = ok("user", "deactivate", "budi")

    assert output == "Drs. Budi Santoso dinonaktifkan.\n"
    assert "1 | Drs. Budi Santoso | - | - | kabag | nonaktif" in rows(ok("user", "list"))


def test_an_invite_code_can_be_redeemed_only_once():
    code = invite("kabag", "Drs. Budi Santoso")
    redeem(code, "111")

    with pytest.raises(InvalidInvite):
        redeem(code, "222")


@pytest.fixture
def hendra_and_joko() -> None:
    register("sekda", "Dr. Hendra Wijaya")
    register("kabag", "Joko Susilo")


DELEGATION = ["--for", "Hendra", "--to", "Joko", "--from", "2026-03-01", "--until", "2026-03-31"]


def test_a_delegation_is_listed_after_it_is_recorded(hendra_and_joko):
    recorded = ok("delegate", *DELEGATION, "--kind", "plh")

    listed = rows(ok("delegate", "list"))

    assert recorded.startswith("Pelimpahan #1 dicatat: PLH")
    assert "1 | PLH | Dr. Hendra Wijaya | Joko Susilo | 2026-03-01 | 2026-03-31 | aktif" in listed


def test_a_revoked_delegation_is_listed_as_revoked(hendra_and_joko):
    ok("delegate", *DELEGATION, "--kind", "plh")

    revoked = ok("delegate", "revoke", "1")

    assert revoked == "Pelimpahan #1 dicabut.\n"
    assert rows(ok("delegate", "list"))[-1].endswith(" | 2026-03-31 | dicabut")


def test_a_delegation_ending_before_it_starts_is_refused_with_the_reason(hendra_and_joko):
    args = ["--for", "Hendra", "--to", "Joko", "--from", "2026-03-31", "--until", "2026-03-01"]

    result = sopbot("delegate", *args)

    assert result.exit_code == 1
    assert t("invalid.delegation_dates") in result.stderr
    assert len(rows(ok("delegate", "list"))) == 2  # the header and its rule: nothing recorded


def test_delegate_without_its_options_prints_the_usage():
    result = sopbot("delegate", "--for", "Hendra")

    assert result.exit_code == 2
    assert result.stderr == t("cli.delegate_usage") + "\n"


def test_an_added_holiday_is_listed():
    ok("holiday", "add", "2026-03-25", "Hari jadi kota")

    table = rows(ok("holiday", "list"))

    assert "2026-03-25 | Hari jadi kota | libur" in table


def test_removing_an_added_holiday_deletes_it():
    ok("holiday", "add", "2026-03-25", "Hari jadi kota")

    output = ok("holiday", "remove", "2026-03-25")

    assert "dihapus" in output
    assert "2026-03-25" not in ok("holiday", "list")


def test_removing_a_national_holiday_declares_a_working_day():
    output = ok("holiday", "remove", "2026-08-17")

    assert "dicatat sebagai hari kerja" in output
    assert "2026-08-17 | Hari kerja | hari kerja" in rows(ok("holiday", "list"))
    assert "2026-08-17" not in ok("holiday", "list", "--year", "2026")


def test_holiday_list_for_a_year_includes_the_national_holidays():
    output = ok("holiday", "list", "--year", "2026")

    assert "Nyepi" in output


@pytest.fixture
def case_ref() -> str:
    """One running case, opened by a registered Kabag."""
    return open_case(register("kabag", "Drs. Budi Santoso"))


def test_case_list_shows_the_running_case(case_ref):
    table = rows(ok("case", "list"))

    assert table[2].startswith(
        f"{case_ref} | Pemerintah Kota Bandung | Kerja sama pengelolaan sampah | berjalan | "
    )


def test_case_show_prints_the_step_table(case_ref):
    output = ok("case", "show", "KB-2026-0001")

    assert "Status: berjalan" in output
    assert "1 | penugasan#1 | Drs. Budi Santoso | 16-03 08:00 | 16-03 08:15 | - | berjalan" in (
        rows(output)
    )


def test_case_cancel_by_the_sole_admin_is_shown_with_the_reason(case_ref):
    register("admin", "Andi Admin")

    output = ok("case", "cancel", case_ref, "--reason", "Mitra mundur")

    assert output == f"Perkara {case_ref} dibatalkan.\n"
    assert "Status: dibatalkan — Mitra mundur" in ok("case", "show", case_ref)


def test_case_cancel_without_an_admin_needs_by(case_ref):
    result = sopbot("case", "cancel", case_ref, "--reason", "Mitra mundur")

    assert result.exit_code == 2
    assert result.stderr == t("cli.cancel_needs_by") + "\n"
    assert "Status: berjalan" in ok("case", "show", case_ref)


def test_an_unknown_case_is_reported_in_indonesian():
    result = sopbot("case", "show", "KB-2026-0099")

    assert result.exit_code == 1
    assert result.stderr == t("error.case_not_found", ref="KB-2026-0099") + "\n"


def test_audit_verify_passes_after_cli_actions(case_ref):
    ok("holiday", "add", "2026-03-25", "Hari jadi kota")
    ok("user", "deactivate", "Budi")

    output = ok("audit", "verify")

    assert "terverifikasi" in output


def test_audit_verify_names_the_entry_whose_body_was_changed(data_dir):
    ok("holiday", "add", "2026-03-25", "Hari jadi kota")
    ok("holiday", "add", "2026-03-26", "Cuti bersama")
    ok("holiday", "remove", "2026-03-26")
    with closing(sqlite3.connect(data_dir / SQLITE_FILENAME)) as db, db:
        db.execute("UPDATE audit_events SET body = replace(body, 'Cuti', 'Rapat') WHERE id = 2")

    result = sopbot("audit", "verify")

    assert result.exit_code == 1
    assert "rusak pada entri #2" in result.stderr


def test_audit_verify_with_another_audit_key_fails_at_the_first_entry(monkeypatch):
    ok("holiday", "add", "2026-03-25", "Hari jadi kota")
    monkeypatch.setenv("SOPBOT_AUDIT_KEY", "another-key-" + "x" * 32)

    result = sopbot("audit", "verify")

    assert result.exit_code == 1
    assert "rusak pada entri #1: MAC tidak cocok" in result.stderr


def test_audit_verify_finds_a_chain_recomputed_without_the_key(data_dir):
    for day in ("2026-03-25", "2026-03-26", "2026-03-27"):
        ok("holiday", "add", day, "Hari jadi kota")

    async def forge() -> None:
        engine = make_engine(sqlite_url_for(data_dir))
        try:
            uow = make_uow_factory(make_session_factory(engine))
            await recompute_without_the_key(engine, uow, forge_actor, at_id=2)
            async with uow() as unit:
                assert sha256_links_hold(await unit.audit.all())
        finally:
            await engine.dispose()

    asyncio.run(forge())
    result = sopbot("audit", "verify")

    assert result.exit_code == 1
    assert "rusak pada entri #2: MAC tidak cocok" in result.stderr


def test_the_audit_key_file_is_made_once_in_the_data_directory_and_never_printed(data_dir):
    outputs = [ok("holiday", "add", "2026-03-25", "Hari jadi kota"), ok("audit", "verify")]

    key_file = data_dir / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert all(key_file.read_text().strip() not in output for output in outputs)


def write_unkeyed_entries(data_dir: Path, *kinds: str) -> None:
    """Audit entries as the bot wrote them before the chain was keyed."""

    async def main() -> None:
        engine = make_engine(sqlite_url_for(data_dir))
        try:
            async with make_uow_factory(make_session_factory(engine))() as uow:
                for kind in kinds:
                    uow.audit.append(AuditEntry(OPENED_AT, kind, None, None, {}))
                await uow.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())


def test_audit_seal_keys_the_entries_written_before_the_key_once(data_dir):
    ok("db", "upgrade")
    write_unkeyed_entries(data_dir, "HolidayAdded", "PersonAdded")
    before = sopbot("audit", "verify")

    sealed = ok("audit", "seal")

    assert before.exit_code == 1
    assert "2 entri (#1 sampai #2) belum bertanda kunci audit" in before.stderr
    assert sealed.strip() == t("cli.audit_sealed", count=2, first=1, last=2)
    assert "3 entri terverifikasi" in ok("audit", "verify")
    assert ok("audit", "seal").strip() == t("cli.audit_seal_nothing")


def test_demo_plays_a_whole_case_and_writes_its_record(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "demo-output"  # where the demo writes unless told otherwise

    output = ok("demo")

    assert "Demo selesai: perkara KB-2026-0001 selesai" in output
    assert "paket registrasi SRIKANDI dan arsip perkara ada di demo-output/" in output
    assert "🤖 → Sekda" in output and "[Setujui]  [Kembalikan]" in output
    written = {path.name for path in out.iterdir()}
    assert {"KB-2026-0001-riwayat.txt", "jejak-audit.jsonl", "KB-2026-0001-grafik.png",
            "laporan-kepatuhan-KB-2026-0001.docx", "laporan-kepatuhan-KB-2026-0001.csv",
            "surat_undangan-v1-surat-undangan-KB-2026-0001.docx",
            "srikandi-KB-2026-0001.zip", "arsip-KB-2026-0001.zip"} <= written  # fmt: skip
    history = (out / "KB-2026-0001-riwayat.txt").read_text(encoding="utf-8")
    assert "dikembalikan" in history
    for package in ("srikandi-KB-2026-0001", "arsip-KB-2026-0001"):
        assert manifest_verifies(unzip((out / f"{package}.zip").read_bytes()), package)
    # The official records: the Kabag's button in the finish notice brings the package.
    assert "[Paket SRIKANDI]" in output and "📎 srikandi-KB-2026-0001.zip" in output
    # Then a second SOP beside it: /baru asks which SOP, and a case of the second one opens.
    assert "Perkara baru menurut SOP yang mana?" in output
    assert "Perkara PKS-2026-0001: PKS pengelolaan sampah dicatat" in output
    assert output.index("Perkara PKS-2026-0001") > output.index("srikandi-KB-2026-0001.zip")


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["due", "2026-03-17T15:50", "2 hari"],
        ["user", "list"],
        ["sop", "show"],
        ["demo", "--out", "demo-output"],
    ],
)
def test_an_invalid_setting_is_named_and_exits_2(monkeypatch, command):
    monkeypatch.setenv("SOPBOT_OFFICE_HOURS", "rubbish")

    result = sopbot(*command)

    assert result.exit_code == 2
    assert "SOPBOT_OFFICE_HOURS" in result.stderr
