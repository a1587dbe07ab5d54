"""The SOP file's `records:` section: how each kind of naskah is registered, checked on load."""

from __future__ import annotations

from importlib import resources

import pytest

from bot.errors import SopFileError
from bot.sop.loader import parse_sop
from bot.sop.model import RECORD_KINDS, Sifat, Urgensi

SHIPPED = (resources.files("bot.sop") / "sop54_2025.yaml").read_text(encoding="utf-8")
UNDANGAN = '  undangan: {jenis: Surat Undangan, sifat: biasa, urgensi: segera, klasifikasi: "005"}'


def test_the_shipped_sop_describes_every_kind_of_naskah():
    sop = parse_sop(SHIPPED)

    assert set(sop.records) == set(RECORD_KINDS)
    assert sop.record("undangan").sifat is Sifat.BIASA
    assert sop.record("undangan").urgensi is Urgensi.SEGERA
    assert sop.record("undangan").klasifikasi == "005"


@pytest.mark.parametrize(
    "line, reason",
    [
        (UNDANGAN.replace("sifat: biasa", "sifat: penting"), "unknown sifat 'penting'"),
        (UNDANGAN.replace("urgensi: segera", "urgensi: kilat"), "unknown tingkat urgensi"),
        (UNDANGAN.replace("undangan:", "surat_edaran:"), "unknown naskah kind"),
        (UNDANGAN.replace(', klasifikasi: "005"', ""), "klasifikasi"),
        (UNDANGAN.replace('"005"}', '"005", nomor: "{nomor}/{bagian}/{year}"}'),
         "unknown field {bagian} in the number format"),
        (UNDANGAN.replace('"005"}', '"005", nomor: "{nomor/{year}"}'), "not a number format"),
    ],
)
def test_a_bad_records_entry_is_refused_with_its_line_and_reason(line, reason):
    assert UNDANGAN in SHIPPED

    with pytest.raises(SopFileError) as refused:
        parse_sop(SHIPPED.replace(UNDANGAN, line), "sop.yaml")

    assert reason in refused.value.reason
    assert refused.value.line == SHIPPED.splitlines().index(UNDANGAN) + 1


def test_a_kind_the_file_does_not_describe_is_registered_as_biasa():
    lines = SHIPPED.splitlines()
    without = "\n".join(line for line in lines if not line.startswith("  kb: {jenis"))

    record = parse_sop(without).record("kb")

    assert (record.jenis, record.sifat, record.urgensi) == (
        "Kesepakatan Bersama", Sifat.BIASA, Urgensi.BIASA
    )  # fmt: skip


def test_an_sop_may_give_a_kind_its_own_number_format():
    own = UNDANGAN.replace('"005"}', '"005", nomor: "{klasifikasi}/{nomor}/Und-PKS/{year}"}')

    record = parse_sop(SHIPPED.replace(UNDANGAN, own)).record("undangan")

    assert record.nomor == "{klasifikasi}/{nomor}/Und-PKS/{year}"
    assert parse_sop(SHIPPED).record("undangan").nomor == ""
