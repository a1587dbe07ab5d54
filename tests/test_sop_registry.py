"""Several SOP files at once and the versions of one SOP: loading, looking up, comparing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.clock import JAKARTA
from bot.config import Settings
from bot.errors import SopFileError
from bot.sop.loader import load_sops, parse_sop
from bot.sop.registry import SopRegistry, changes
from bot.workflow.model import Case

SOP54 = Path(str(resources.files("bot.sop") / "sop54_2025.yaml"))
PKS = Path(str(resources.files("bot.sop") / "samples" / "pks_2025.yaml"))
OPENED = datetime(2026, 3, 2, 8, 0, tzinfo=JAKARTA)


def folder(tmp_path: Path, **files: str) -> Path:
    tmp_path.mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_file_comes_first_then_the_folder_by_name(tmp_path):
    sops = folder(tmp_path, b=PKS.read_text().replace("PKS", "PKB").replace("pks-", "pkb-"),
                  a=PKS.read_text())  # fmt: skip

    loaded = load_sops(SOP54, sops)

    assert [item.sop.code for item in loaded] == ["sop54-2025", "pks-2025", "pkb-2025"]
    assert loaded[1].text == PKS.read_text()


def test_nothing_configured_loads_the_shipped_sop():
    [only] = load_sops()

    assert only.sop.code == "sop54-2025"


def test_a_second_file_with_the_same_case_prefix_is_refused_naming_it(tmp_path):
    sops = folder(tmp_path, other=PKS.read_text().replace("code: pks-2025", "code: lain"))

    with pytest.raises(SopFileError) as refused:
        load_sops(PKS, sops)

    assert refused.value.path == str(sops / "other.yaml")
    assert "case_prefix PKS" in refused.value.reason


def test_a_case_runs_on_its_own_version_and_one_without_a_code_on_the_default_sop():
    pks = parse_sop(PKS.read_text())
    revised = replace(
        parse_sop(PKS.read_text().replace("3 hari kerja", "5 hari kerja")), version=2
    )
    registry = SopRegistry([parse_sop(SOP54.read_text()), pks, revised])
    old = Case("PKS-2026-0001", "Bandung", "pemda", "PKS", OPENED, 1, sop_code="pks-2025")
    legacy = Case("KB-2026-0001", "Bandung", "pemda", "KB", OPENED, 1)

    assert registry.for_case(old).step("penyusunan").mutu_baku.text == "3 hari kerja"
    assert registry.newest("pks-2025").step("penyusunan").mutu_baku.text == "5 hari kerja"
    assert registry.for_case(legacy).code == "sop54-2025"
    assert registry.find("PKS-2025") is revised


def test_the_changes_name_steps_added_removed_and_retimed():
    before = parse_sop(PKS.read_text())
    text = PKS.read_text().replace("mutu_baku: 30 menit", "mutu_baku: 1 jam")
    text = text[: text.index("  - code: penyampaian")].replace("goto: penyampaian}", "goto: null}")
    after = parse_sop(text)

    found = changes(before, after)

    assert "langkah 4 dihapus: Menyampaikan rancangan perjanjian kerja sama kepada mitra" in found
    assert (
        "langkah 3 (Menelaah rancangan perjanjian kerja sama): mutu baku 30 menit menjadi "
        "1 jam" in found
    )
    assert (
        "langkah 3 (Menelaah rancangan perjanjian kerja sama): keputusan atau langkah "
        "berikutnya diubah" in found
    )


def test_sop_show_without_a_file_prints_every_sop_of_the_deployment(tmp_path, monkeypatch):
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOPBOT_SOP_DIR", str(folder(tmp_path / "sops", pks=PKS.read_text())))
    monkeypatch.setenv("SOPBOT_SOP_FILE", str(SOP54))

    result = CliRunner().invoke(cli, ["sop", "show"])

    assert result.exit_code == 0, result.output
    assert "SOP 54/000.8.3.3/III/2025" in result.stdout
    assert (
        "SOP 55/000.8.3.3/III/2025: Fasilitasi Penyusunan Perjanjian Kerja Sama" in result.stdout
    )


def test_a_sop_dir_that_is_not_a_folder_stops_the_start_naming_the_setting(tmp_path, monkeypatch):
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOPBOT_SOP_DIR", str(tmp_path / "nowhere"))

    result = CliRunner().invoke(cli, ["sop", "show"])

    assert result.exit_code != 0
    assert "SOPBOT_SOP_DIR" in result.output
