"""The SOP file loader and the `sopbot sop show` table."""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

from bot.calendar import Duration
from bot.errors import SopFileError
from bot.sop.loader import load_sop
from bot.sop.model import ArtifactKind, DecisionKind, Sop
from bot.sop.table import render_table

DATA = Path(__file__).parent / "data" / "sop"
DEFAULT_FILE = resources.files("bot.sop") / "sop54_2025.yaml"
DEFAULT_TEXT = DEFAULT_FILE.read_text(encoding="utf-8")
MARK = "  # <-"  # the bad-file cases put this comment on the line the error must name

Edits = list[tuple[str, str]]


@pytest.fixture(scope="module")
def sop() -> Sop:
    return load_sop()


def edited(edits: Edits) -> str:
    text = DEFAULT_TEXT
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in the edited SOP"
        text = text.replace(old, new)
    return text


def marked_line(text: str) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    assert len(lines) == 1, "a bad-file case marks exactly one line"
    return lines[0]


def rejection(path: Path) -> SopFileError:
    with pytest.raises(SopFileError) as caught:
        load_sop(path)
    return caught.value


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sop.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def duration_reason(text: str) -> str:
    with pytest.raises(ValueError) as caught:
        Duration.parse(text)
    return str(caught.value)


# --- the default SOP: SOP 54/2025 as the source has it ---------------------------------------


def test_default_sop_numbers_its_steps_as_the_source_does(sop: Sop) -> None:
    numbers = [step.number for step in sop.steps]

    assert numbers == [1, 2, 3, 4, 5, 7, 8, 10]


def test_default_sop_gives_each_step_the_source_performer(sop: Sop) -> None:
    performers = [step.performer for step in sop.steps]

    assert performers == [
        "kabag",
        "ketua_tim",
        "ketua_tim",
        "ketua_tim",
        "kabag",
        "sekda",
        "walikota",
        "walikota",
    ]


def test_default_sop_gives_each_step_the_source_mutu_baku(sop: Sop) -> None:
    texts = [step.mutu_baku.text for step in sop.steps]

    assert texts == [
        "15 menit",
        "2 hari",
        "120 menit",
        "7 hari kerja",
        "15 menit",
        "15 menit",
        "15 menit",
        "1 hari",
    ]


def test_sekda_returns_corrections_to_the_kabag(sop: Sop) -> None:
    returned = sop.step("telaah_sekda").decision(DecisionKind.RETURN)

    assert returned is not None and returned.goto == "penyampaian"
    assert sop.step(returned.goto).performer == "kabag"


def test_sekda_passes_an_approved_draft_to_the_wali_kota(sop: Sop) -> None:
    approved = sop.step("telaah_sekda").decision(DecisionKind.APPROVE)

    assert approved is not None and approved.goto == "telaah_walikota"


def test_wali_kota_returns_to_the_sekda(sop: Sop) -> None:
    returned = sop.step("telaah_walikota").decision(DecisionKind.RETURN)

    assert returned is not None and returned.goto == "telaah_sekda"


def test_every_return_asks_for_a_note(sop: Sop) -> None:
    returns = [d for step in sop.steps for d in step.decisions if d.kind is DecisionKind.RETURN]

    assert returns and all(decision.note_required for decision in returns)


def test_each_return_gives_a_time_for_the_fix_and_says_what_must_be_fixed(sop: Sop) -> None:
    sekda = sop.step("telaah_sekda").decision(DecisionKind.RETURN)
    walikota = sop.step("telaah_walikota").decision(DecisionKind.RETURN)

    assert sekda is not None and walikota is not None
    assert sekda.fix_time == Duration.parse("2 hari kerja")
    assert walikota.fix_time == Duration.parse("2 hari kerja")
    assert sekda.fixes == ("rancangan_berparaf",)
    assert sekda.unchanged == "alasan_tanpa_perubahan"
    assert sekda.tells == ("ketua_tim",)


def test_a_return_without_fix_time_gets_two_working_days(tmp_path: Path) -> None:
    text = edited([(", fix_time: 2 hari kerja, goto: telaah_sekda", ", goto: telaah_sekda")])
    path = tmp_path / "sop.yaml"
    path.write_text(text, encoding="utf-8")

    returned = load_sop(str(path)).step("telaah_walikota").decision(DecisionKind.RETURN)

    assert returned is not None and returned.fix_time == Duration.parse("2 hari kerja")


def test_a_fix_time_of_three_days_is_read_and_shown_by_sop_show(tmp_path: Path) -> None:
    text = edited(
        [
            (
                ", fix_time: 2 hari kerja, goto: telaah_sekda",
                ", fix_time: 3 hari kerja, goto: telaah_sekda",
            )
        ]
    )
    path = tmp_path / "sop.yaml"
    path.write_text(text, encoding="utf-8")

    table = render_table(load_sop(str(path)))

    assert "No 8: Bila dikembalikan: waktu perbaikan 3 hari kerja (langkah 7)." in table
    assert "No 7: Bila dikembalikan: waktu perbaikan 2 hari kerja (langkah 5)." in table


def test_meeting_clock_starts_at_the_meeting_time_set_in_step_2(sop: Sop) -> None:
    step = sop.step("rapat_koordinasi")

    assert step.number == 3
    assert step.clock_starts_at == "waktu_rapat"
    assert sop.artifacts["waktu_rapat"].kind is ArtifactKind.DATETIME


def test_first_step_waits_for_the_kl_approval_when_the_partner_is_a_ministry(sop: Sop) -> None:
    precondition = sop.first_step.precondition

    assert precondition is not None
    assert dict(precondition.when) == {"partner_kind": "kl_lpnk"}
    assert precondition.requires == ("persetujuan_kl",)


def test_default_sop_has_the_roles_of_the_interface_contract(sop: Sop) -> None:
    roles = set(sop.roles)

    assert {"admin", "kabag", "ketua_tim", "tkksd", "sekda", "walikota"} <= roles


def test_last_step_without_goto_ends_the_case(sop: Sop) -> None:
    last = sop.steps[-1]

    assert last.code == "jadwal_penandatanganan"
    assert last.goto is None and not last.decisions


def test_default_sop_keeps_the_total_mutu_baku_of_the_source(sop: Sop) -> None:
    assert sop.total_mutu_baku is not None and sop.total_mutu_baku.text == "11 hari"


def test_default_sop_records_the_line_of_each_step(sop: Sop) -> None:
    first = sop.first_step

    assert first.line == DEFAULT_TEXT.splitlines().index("  - code: penugasan") + 1


def test_default_sop_source_is_the_packaged_file(sop: Sop) -> None:
    assert Path(sop.source).name == "sop54_2025.yaml"


# --- other SOP files -------------------------------------------------------------------------


def test_an_sop_file_names_its_path_as_source(tmp_path: Path) -> None:
    path = write(tmp_path, DEFAULT_TEXT)

    loaded = load_sop(str(path))

    assert loaded.source == str(path)


def test_an_unrelated_two_step_sop_loads() -> None:
    leave = load_sop(DATA / "leave_request.yaml")

    assert [step.code for step in leave.steps] == ["ajukan", "putuskan"]
    assert leave.case_prefix == "CT"
    assert leave.allowed("open_case") == ("pegawai",)
    assert dict(leave.partner_kinds) == {} and leave.total_mutu_baku is None


def test_a_step_without_goto_continues_with_the_next_step_in_the_file() -> None:
    leave = load_sop(DATA / "leave_request.yaml")

    assert leave.step("ajukan").goto == "putuskan"


def test_a_decision_with_goto_null_ends_the_case() -> None:
    leave = load_sop(DATA / "leave_request.yaml")

    approved = leave.step("putuskan").decision(DecisionKind.APPROVE)

    assert approved is not None and approved.goto is None


def test_an_explicit_goto_null_ends_the_case_before_the_last_step(tmp_path: Path) -> None:
    text = (DATA / "leave_request.yaml").read_text(encoding="utf-8")
    text = text.replace("goto: null, records", "goto: arsip, records")
    text = text.replace("goto: ajukan, note_required", "goto: tolak, note_required")
    text += (
        "  - {code: tolak, number: 3, title: Menolak, performer: atasan, mutu_baku: 1 hari,"
        " goto: null}\n"
        "  - {code: arsip, number: 4, title: Mengarsipkan, performer: pegawai,"
        " mutu_baku: 1 hari}\n"
    )

    leave = load_sop(write(tmp_path, text))

    assert leave.step("tolak").goto is None


def test_empty_optional_fields_take_the_defaults(tmp_path: Path) -> None:
    text = edited(
        [
            (
                "    note: Dapat dilaksanakan oleh staf Wali Kota berdasarkan pelimpahan"
                " (Plt/Plh).\n",
                "    note:\n    participants: []\n    clock_starts_at:\n",
            )
        ]
    )

    last = load_sop(write(tmp_path, text)).steps[-1]

    assert (last.note, last.participants, last.clock_starts_at) == ("", (), None)


# --- malformed files: each names the file, the line and the reason ---------------------------


def on(line_end: str, new: str) -> tuple[str, str]:
    """An edit of the end of one line, marking it as the line the error must name."""
    return f"{line_end}\n", f"{new}{MARK}\n"


SEKDA_RETURN = "goto: penyampaian, note_required: true}"
WALIKOTA_RETURN = "goto: telaah_sekda, note_required: true}"
SEKDA_DECISIONS = "    action: decision\n    decisions:\n      - {kind: approve, label: Diserahkan"

BAD_EDITS = [
    pytest.param(
        [on("case_prefix: KB", "case_prefix: KB: X")],
        "not valid YAML: mapping values are not allowed here",
        id="YAML syntax error",
    ),
    pytest.param(
        [("case_prefix: KB\n", ""), on("code: sop54-2025", "code: sop54-2025")],
        "missing required key 'case_prefix'",
        id="missing top-level key",
    ),
    pytest.param(
        [("    mutu_baku: 2 hari\n", ""), on("  - code: persiapan", "  - code: persiapan")],
        "steps[1]: missing required key 'mutu_baku'",
        id="missing step key",
    ),
    pytest.param(
        [
            on(
                "organisation: Pemerintah Kota Tangerang, Sekretariat Daerah, Bagian Tata "
                "Pemerintahan",
                "organization: Pemerintah Kota Tangerang",
            )
        ],
        "unknown key 'organization' (did you mean 'organisation'?)",
        id="unknown top-level key",
    ),
    pytest.param(
        [on("    performer: sekda", "    perfomer: sekda")],
        "steps[5]: unknown key 'perfomer' (did you mean 'performer'?)",
        id="misspelt step key",
    ),
    pytest.param(
        [on("    mutu_baku: 1 hari", "    mutu_baku: 1 hari\n    mutu_baku: 2 hari")],
        "steps[7]: key 'mutu_baku' is given twice",
        id="key given twice",
    ),
    pytest.param(
        [on("case_prefix: KB", "case_prefix: [KB]")],
        "case_prefix: expected text, got a list",
        id="list where text is expected",
    ),
    pytest.param(
        [on('number: "54/000.8.3.3/III/2025"', "number: 54")],
        "number: expected text, got an integer (quote it)",
        id="number where text is expected",
    ),
    pytest.param(
        [on("    number: 4", "    number: 4.5")],
        "steps[3].number: expected an integer, got a decimal number",
        id="non-integer step number",
    ),
    pytest.param(
        [on("    needs: [disposisi_kabag]", "    needs: disposisi_kabag")],
        "steps[1].needs: expected a list, got text",
        id="text where a list is expected",
    ),
    pytest.param(
        [on("    mutu_baku: 2 hari", "    mutu_baku: 2")],
        "steps[1].mutu_baku: expected a duration such as '15 menit', got an integer",
        id="duration without a unit",
    ),
    pytest.param(
        [
            on(
                "    title: Menetapkan rencana waktu penandatanganan rancangan kesepakatan"
                " bersama yang disetujui",
                '    title: ""',
            )
        ],
        "steps[7].title: must not be empty",
        id="empty title",
    ),
    pytest.param(
        [
            (
                "performer: kabag\n    needs: [disposisi_walikota]",
                f"performer: ketua{MARK}\n    needs: [disposisi_walikota]",
            )
        ],
        "steps[0].performer: unknown role 'ketua' (did you mean 'ketua_tim'?)",
        id="unknown performer",
    ),
    pytest.param(
        [
            (
                "participants: [tkksd]\n    needs: [surat_undangan",
                f"participants: [tksd]{MARK}\n    needs: [surat_undangan",
            )
        ],
        "steps[2].participants: unknown role 'tksd' (did you mean 'tkksd'?)",
        id="unknown participant",
    ),
    pytest.param(
        [on("    assigns: [ketua_tim]", "    assigns: [camat]")],
        "steps[0].assigns: unknown role 'camat'",
        id="unknown assigned role",
    ),
    pytest.param(
        [on("superior: walikota}", "superior: wali_kota}")],
        "roles.sekda.superior: unknown role 'wali_kota' (did you mean 'walikota'?)",
        id="unknown superior",
    ),
    pytest.param(
        [on("  open_case: [kabag]", "  open_case: [kabag, camat]")],
        "permissions.open_case: unknown role 'camat'",
        id="unknown role in a permission",
    ),
    pytest.param(
        [on("  open_case: [kabag]", "  open_cas: [kabag]")],
        "permissions.open_cas: unknown permission (did you mean 'open_case'?)",
        id="misspelt permission",
    ),
    pytest.param(
        [on("  record_precondition: [kabag, admin]", "  approve_step: [kabag, admin]")],
        "permissions.approve_step: unknown permission "
        "(expected one of: open_case, cancel_case, record_precondition",
        id="unknown permission",
    ),
    pytest.param(
        [on("  walikota: {title: Wali Kota}", "  walikota: {title: Wali Kota, superior: sekda}")],
        "roles.walikota.superior: superiors loop: walikota → sekda → walikota",
        id="superiors that loop",
    ),
    pytest.param(
        [on("  admin: {title: Administrator}", "  Admin: {title: Administrator}")],
        "roles: role key 'Admin' may hold only a-z, 0-9 and _",
        id="role key with capitals",
    ),
    pytest.param(
        [on("    needs: [disposisi_walikota]", "    needs: [disposisi_wali]")],
        "steps[0].needs: unknown artifact 'disposisi_wali' (did you mean 'disposisi_walikota'?)",
        id="unknown needed artifact",
    ),
    pytest.param(
        [on("    produces: [rencana_penandatanganan]", "    produces: [jadwal]")],
        "steps[7].produces: unknown artifact 'jadwal'",
        id="unknown produced artifact",
    ),
    pytest.param(
        [on("records: [rancangan_disetujui]}", "records: [rancangan_final]}")],
        "steps[6].decisions[0].records: unknown artifact 'rancangan_final'",
        id="unknown recorded artifact",
    ),
    pytest.param(
        [on("      requires: [persetujuan_kl]", "      requires: [persetujuan]")],
        "steps[0].precondition.requires: unknown artifact 'persetujuan'",
        id="unknown required artifact",
    ),
    pytest.param(
        [on("      requires: [persetujuan_kl]", "      requires: []")],
        "steps[0].precondition.requires: name at least one artifact",
        id="precondition requiring nothing",
    ),
    pytest.param(
        [on("    needs: [notulensi, draft_rancangan]", "    needs: [notulensi, notulensi]")],
        "steps[3].needs: artifact 'notulensi' is listed twice",
        id="artifact listed twice",
    ),
    pytest.param(
        [on("    clock_starts_at: waktu_rapat", "    clock_starts_at: jam_rapat")],
        "steps[2].clock_starts_at: unknown artifact 'jam_rapat'",
        id="clock starting at an unknown artifact",
    ),
    pytest.param(
        [on("    clock_starts_at: waktu_rapat", "    clock_starts_at: tempat_rapat")],
        "steps[2].clock_starts_at: artifact 'tempat_rapat' is of kind text, not datetime",
        id="clock starting at a text artifact",
    ),
    pytest.param(
        [
            on(
                "    label: Waktu rapat koordinasi\n    kind: datetime",
                "    label: Waktu rapat koordinasi\n    kind: jam",
            )
        ],
        "artifacts.waktu_rapat.kind: unknown artifact kind 'jam' (expected one of: document,",
        id="unknown artifact kind",
    ),
    pytest.param(
        [
            (
                "{kind: return, label: Dikembalikan kepada Sekda",
                "{kind: reject, label: Dikembalikan",
            ),
            on(WALIKOTA_RETURN, WALIKOTA_RETURN),
        ],
        "steps[6].decisions[1].kind: unknown decision kind 'reject' (expected one of: approve,",
        id="unknown decision kind",
    ),
    pytest.param(
        [on("    not_after: [deadline]", "    not_after: [kemarin]")],
        "artifacts.waktu_rapat.not_after: unknown artifact or limit 'kemarin'",
        id="unknown limit on a time",
    ),
    pytest.param(
        [on("    not_before: [waktu_rapat]", "    not_before: [waktu_rapatt]")],
        "artifacts.notulensi.not_before: unknown artifact or limit 'waktu_rapatt'",
        id="a time limit naming an unknown artifact",
    ),
    pytest.param(
        [on(WALIKOTA_RETURN, "goto: telaah_sekda, note_required: perlu}")],
        "steps[6].decisions[1].note_required: expected true or false, got text",
        id="note_required that is not true or false",
    ),
    pytest.param(
        [on("  - code: penyusunan", "  - code: persiapan")],
        "steps[3].code: duplicate step code 'persiapan' (also step 2 on line",
        id="duplicate step code",
    ),
    pytest.param(
        [on("    number: 4", "    number: 3")],
        "steps[3].number: duplicate step number 3 (also step 'rapat_koordinasi' on line",
        id="duplicate step number",
    ),
    pytest.param(
        [("    number: 2\n", "    number: 9\n"), on("    number: 3", "    number: 3")],
        "steps[2].number: step number 3 comes after 9; numbers must increase in file order",
        id="step numbers out of order",
    ),
    pytest.param(
        [on("    goto: persiapan", "    goto: persiapn")],
        "steps[0].goto: goes to step 'persiapn', which does not exist (did you mean 'persiapan'?)",
        id="goto to a step that does not exist",
    ),
    pytest.param(
        [on(SEKDA_RETURN, "goto: penyampai, note_required: true}")],
        "steps[5].decisions[1].goto: goes to step 'penyampai', which does not exist",
        id="return to nowhere",
    ),
    pytest.param(
        [
            on(
                "label: Diserahkan kepada Wali Kota, goto: telaah_walikota}",
                "label: Diserahkan kepada Wali Kota}",
            )
        ],
        "steps[5].decisions[0]: missing required key 'goto'",
        id="decision without goto",
    ),
    pytest.param(
        [
            ("    goto: persiapan\n", "    goto: rapat_koordinasi\n"),
            on("  - code: persiapan", "  - code: persiapan"),
        ],
        "steps[1]: step 'persiapan' cannot be reached from the first step 'penugasan'",
        id="step that cannot be reached",
    ),
    pytest.param(
        [
            ("    mutu_baku: 1 hari\n", "    mutu_baku: 1 hari\n    goto: penugasan\n"),
            on("  - code: penugasan", "  - code: penugasan"),
        ],
        "steps[0]: no path from step 'penugasan' to an end of the case",
        id="case that can never end",
    ),
    pytest.param(
        [
            (WALIKOTA_RETURN, "goto: null}"),
            (
                "    mutu_baku: 1 hari\n",
                "    mutu_baku: 1 hari\n    goto: jadwal_penandatanganan\n",
            ),
            on("  - code: jadwal_penandatanganan", "  - code: jadwal_penandatanganan"),
        ],
        "steps[7]: no path from step 'jadwal_penandatanganan' to an end of the case",
        id="step caught in a loop",
    ),
    pytest.param(
        [on("    action: sampaikan", "    action: decision")],
        "steps[4].action: 'action: decision' needs decisions",
        id="decision step without decisions",
    ),
    pytest.param(
        [
            (
                SEKDA_DECISIONS,
                SEKDA_DECISIONS.replace(
                    "    action: decision\n    decisions:", f"    decisions:{MARK}"
                ),
            )
        ],
        "steps[5].decisions: decisions need 'action: decision' (this step's action is 'selesai')",
        id="decisions without action decision",
    ),
    pytest.param(
        [
            ("{kind: return, label: Dikembalikan kepada Kabag", "{kind: approve, label: Kembali"),
            on(SEKDA_RETURN, SEKDA_RETURN),
        ],
        "steps[5].decisions[1]: a second approve decision; a decision step has exactly one",
        id="two approve decisions",
    ),
    pytest.param(
        [
            (
                "      - {kind: approve, label: Disetujui, goto: jadwal_penandatanganan, "
                "records: [rancangan_disetujui]}\n",
                "",
            ),
            (
                "    decisions:\n      - {kind: return, label: Dikembalikan kepada Sekda",
                f"    decisions:{MARK}\n      - {{kind: return, label: Dikembalikan kepada Sekda",
            ),
        ],
        "steps[6].decisions: a decision step needs exactly one approve decision",
        id="no approve decision",
    ),
    pytest.param(
        [
            (
                SEKDA_DECISIONS,
                SEKDA_DECISIONS.replace(
                    "\n    decisions:", f"\n    goto: telaah_walikota{MARK}\n    decisions:"
                ),
            )
        ],
        "steps[5].goto: a decision step goes where its decisions say; remove goto",
        id="goto on a decision step",
    ),
    pytest.param(
        [on("    action: sampaikan", "    action: kirim")],
        "steps[4].action: unknown action 'kirim'",
        id="unknown action",
    ),
    pytest.param(
        [on("      when: {partner_kind: kl_lpnk}", "      when: {mitra: kl_lpnk}")],
        "steps[0].precondition.when: unknown condition 'mitra' (only partner_kind is supported)",
        id="precondition on something other than the partner kind",
    ),
    pytest.param(
        [on("      when: {partner_kind: kl_lpnk}", "      when: {partner_kind: kementerian}")],
        "steps[0].precondition.when.partner_kind: unknown partner kind 'kementerian'",
        id="precondition on an unknown partner kind",
    ),
]


@pytest.mark.parametrize("edits, reason", BAD_EDITS)
def test_a_malformed_sop_is_rejected_with_file_line_and_reason(
    tmp_path: Path, edits: Edits, reason: str
) -> None:
    text = edited(edits)
    path = write(tmp_path, text)

    error = rejection(path)

    assert (error.path, error.line) == (str(path), marked_line(text))
    assert reason in error.reason


@pytest.mark.parametrize("duration", ["2 minggu", "0 menit", "-1 hari"])
def test_a_bad_mutu_baku_is_rejected_with_the_duration_reason(
    tmp_path: Path, duration: str
) -> None:
    text = edited([("    mutu_baku: 2 hari\n", f"    mutu_baku: {duration}{MARK}\n")])

    error = rejection(write(tmp_path, text))

    assert error.line == marked_line(text)
    assert error.reason == f"steps[1].mutu_baku: {duration_reason(duration)}"


def test_a_bad_total_mutu_baku_is_rejected_with_the_duration_reason(tmp_path: Path) -> None:
    text = edited([("total_mutu_baku: 11 hari\n", f"total_mutu_baku: 11 pekan{MARK}\n")])

    error = rejection(write(tmp_path, text))

    assert error.line == marked_line(text)
    assert error.reason == f"total_mutu_baku: {duration_reason('11 pekan')}"


@pytest.mark.parametrize(
    "name, line, reason",
    [
        ("broken_yaml.yaml", 3, "not valid YAML: mapping values are not allowed here"),
        ("top_level_list.yaml", 2, "the top level must be a mapping of keys, not a list"),
    ],
)
def test_a_fixture_that_is_no_sop_mapping_is_rejected(name: str, line: int, reason: str) -> None:
    error = rejection(DATA / name)

    assert (error.path, error.line) == (str(DATA / name), line)
    assert reason in error.reason


@pytest.mark.parametrize(
    "content, line, reason",
    [
        (b"", None, "the file is empty"),
        (b"code: x\ntitle: Caf\xe9\n", 2, "not utf-8 text"),
        (b"code: x\ntitle: a\x00b\n", 2, "not valid YAML: special characters are not allowed"),
        (b"code: x\n---\ncode: y\n", 2, "not valid YAML: but found another document"),
    ],
    ids=["empty", "not UTF-8", "control character", "two documents"],
)
def test_a_file_that_is_not_one_yaml_document_is_rejected(
    tmp_path: Path, content: bytes, line: int | None, reason: str
) -> None:
    path = tmp_path / "sop.yaml"
    path.write_bytes(content)

    error = rejection(path)

    assert error.line == line
    assert reason in error.reason


def test_a_missing_file_is_rejected_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    error = rejection(path)

    assert (error.path, error.line) == (str(path), None)
    assert "cannot read the file" in error.reason


def test_the_error_message_reads_path_colon_line_colon_reason(tmp_path: Path) -> None:
    path = write(tmp_path, edited([("    performer: sekda\n", "    performer: camat\n")]))

    error = rejection(path)

    assert str(error).startswith(f"{path}:{error.line}: steps[5].performer: unknown role 'camat'")


# --- the table of `sopbot sop show` ------------------------------------------------------------


def row_numbers(table: str) -> list[str]:
    return re.findall(r"^(\d+) ", table, flags=re.MULTILINE)


def test_table_shows_every_step_number_and_no_6_or_9(sop: Sop) -> None:
    table = render_table(sop)

    assert row_numbers(table) == ["1", "2", "3", "4", "5", "7", "8", "10"]


def test_table_shows_where_each_decision_leads_by_step_number(sop: Sop) -> None:
    table = render_table(sop)

    row_of_step_7 = table[table.index("\n7 ") : table.index("\n8 ")]

    assert "setuju → 8" in row_of_step_7 and "kembali → 5" in row_of_step_7


def test_table_says_the_last_step_ends_the_case(sop: Sop) -> None:
    table = render_table(sop)

    first_line_of_step_10 = table[table.index("\n10 ") + 1 :].splitlines()[0]

    assert first_line_of_step_10.rstrip().endswith("selesai")


def test_table_starts_with_the_sop_number_and_title(sop: Sop) -> None:
    first = render_table(sop).splitlines()[0]

    assert sop.number in first and sop.title in first


def test_table_ends_with_the_total_mutu_baku_of_the_file(sop: Sop) -> None:
    last = render_table(sop).splitlines()[-1]

    assert last == "Total mutu baku: 11 hari"


def test_table_lists_the_time_rules_the_chat_enforces(sop: Sop) -> None:
    table = render_table(sop)
    rules = table[table.index("Aturan waktu isian:") :].splitlines()

    assert (
        "- Waktu rapat koordinasi: tidak sebelum saat diisi; tidak sesudah batas waktu"
        " langkahnya; hanya pada hari dan jam kerja." in rules
    )
    assert "- Notulensi koordinasi awal: tidak sebelum Waktu rapat koordinasi." in rules


def test_table_fits_a_wide_terminal(sop: Sop) -> None:
    widths = [len(line) for line in render_table(sop).splitlines()]

    assert max(widths) <= 140


def test_table_is_the_same_for_a_copy_of_the_default_file(sop: Sop, tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    shutil.copyfile(str(DEFAULT_FILE), copy)

    table = render_table(load_sop(copy))

    assert table == render_table(sop)


def test_table_of_an_sop_without_a_total_says_none_is_set() -> None:
    leave = load_sop(DATA / "leave_request.yaml")

    table = render_table(leave)

    assert row_numbers(table) == ["1", "2"]
    assert table.splitlines()[-1] == "Total mutu baku: tidak ditetapkan"


def test_artifacts_name_the_templates_the_bot_fills_and_the_drafts_it_checks():
    sop = load_sop()

    templates = {a.key: a.template for a in sop.artifacts.values() if a.template}
    checked = {a.key for a in sop.artifacts.values() if a.checked}

    assert templates == {
        "disposisi_kabag": "lembar_disposisi",
        "surat_undangan": "surat_undangan",
        "draft_rancangan": "rancangan_kb",
        "notulensi": "notulen_rapat",
    }
    assert checked == {"draft_rancangan", "rancangan_berparaf"}
