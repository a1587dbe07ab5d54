"""Decisions with guardrails: Setujui, Kembalikan and Lewati show what is decided and ask once;
the draft check reaches the Kabag and the Sekda as a short warning, the full list a tap away."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.chat.review import WARNING_WIDTH, clip, short_warning
from bot.workflow.model import Outcome
from tests.telegram_office import TelegramOffice, open_case
from tests.test_telegram_inputs import at_sekda

REF = "KB-2026-0001"


@pytest.fixture
async def office(tmp_path):
    office = TelegramOffice(tmp_path)
    await office.start()
    await office.hire()
    yield office
    await office.stop()


async def runs_of(office: TelegramOffice, step: str) -> list:
    case = await office.app.workflow.get(REF)
    return [r for r in case.runs if r.step_code == step]


def warning_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("• ")]


async def test_setujui_shows_what_is_decided_and_a_double_tap_on_ya_approves_once(office):
    await at_sekda(office)
    card = [m for m in office.inbox("sekda") if "Setujui" in m.labels][-1]

    await office.press("sekda", "Setujui", card)
    question = card  # asked in place of the task card

    assert question.labels == ["Ya, setujui", "Kembali"]
    assert f"Perkara {REF}: Kerja sama pengelolaan sampah" in question.text
    assert "Rancangan Kesepakatan Bersama berparaf Ketua Tim versi 1." in question.text
    assert "Pemeriksaan rancangan: 11 catatan" in question.text
    assert [r.outcome for r in await runs_of(office, "telaah_sekda")] == [None]

    office.users["sekda"].press("Ya, setujui", question)
    office.users["sekda"].press("Ya, setujui", question)
    await office.settle()

    assert [r.outcome for r in await runs_of(office, "telaah_sekda")] == [Outcome.APPROVED]
    assert "sudah diproses oleh Dr. Hendra Wijaya, M.M." in office.users["sekda"].alerts[-1]
    assert card.labels == [] and "disetujui oleh" in card.text
    assert len([m for m in office.inbox("walikota") if "Langkah 8" in m.text]) == 1


async def test_setujui_after_a_wali_kota_return_asks_for_the_answer_the_wali_kota_then_reads(
    office,
):
    await at_sekda(office)
    await office.approve("sekda")
    office.at("2026-03-04T11:00")
    await office.give_back("walikota", "Apakah pasal 5 sudah dikaji Bagian Hukum?")
    card = office.card("sekda")
    assert "Setujui untuk menjawabnya" in card.text

    await office.press("sekda", "Setujui", card)
    asked = office.last("sekda")
    assert "mohon tuliskan jawaban atas catatan pengembalian" in asked.text
    shown = await office.say("sekda", "Sudah dikaji Bagian Hukum pada 3 Maret 2026.")
    assert '"Sudah dikaji Bagian Hukum pada 3 Maret 2026."' in shown.text
    assert "versi 1" in shown.text
    assert shown.labels == ["Ya, setujui", "Ubah jawaban", "Batal"]
    assert [r.outcome for r in await runs_of(office, "telaah_sekda")][-1] is None
    await office.press("sekda", "Ya, setujui", shown)

    sekda = await runs_of(office, "telaah_sekda")
    assert sekda[-1].outcome is Outcome.APPROVED
    assert sekda[-1].note == "Sudah dikaji Bagian Hukum pada 3 Maret 2026."
    review = office.card("walikota")
    assert "Langkah 8" in review.text and review.labels == ["Setujui", "Kembalikan"]
    assert 'Jawaban Dr. Hendra Wijaya, M.M.: "Sudah dikaji Bagian Hukum pada 3 Maret 2026."' \
        in review.text  # fmt: skip


async def test_kembali_on_the_question_leaves_the_task_open(office):
    await at_sekda(office)
    card = [m for m in office.inbox("sekda") if "Setujui" in m.labels][-1]
    await office.press("sekda", "Setujui", card)

    await office.press("sekda", "Kembali", card)

    assert card.labels == ["Setujui", "Kembalikan"] and "Langkah 7" in card.text
    assert [r.outcome for r in await runs_of(office, "telaah_sekda")] == [None]


async def test_kembalikan_shows_the_note_back_and_returns_after_ya(office):
    await at_sekda(office)
    await office.press("sekda", "Kembalikan")

    shown = await office.say("sekda", "Pasal 3 perlu diperbaiki")

    assert shown.labels == ["Ya, kembalikan", "Ubah catatan", "Batal"]
    assert '"Pasal 3 perlu diperbaiki"' in shown.text and "versi 1" in shown.text
    assert [r.outcome for r in await runs_of(office, "telaah_sekda")] == [None]

    stale = dict(button for row in shown.buttons for button in row)["Ya, kembalikan"]
    await office.press("sekda", "Ubah catatan", shown)
    again = await office.say("sekda", "Pasal 3 dan pasal 5 perlu diperbaiki")
    await office.press("sekda", "Ya, kembalikan", again)

    [run] = await runs_of(office, "telaah_sekda")
    assert run.outcome is Outcome.RETURNED and run.note == "Pasal 3 dan pasal 5 perlu diperbaiki"
    assert "Pasal 3 dan pasal 5 perlu diperbaiki" in office.card("kabag").text

    assert shown.labels == []  # the first question lost its buttons; an old tap still comes
    office.users["sekda"].press_data(stale, shown)
    await office.settle()

    assert "sudah diproses oleh Dr. Hendra Wijaya, M.M." in office.users["sekda"].alerts[-1]
    assert len(await runs_of(office, "telaah_sekda")) == 1


async def test_ya_typed_under_the_shown_note_confirms_it(office):
    await at_sekda(office)
    await office.press("sekda", "Kembalikan")
    await office.say("sekda", "Pasal 3 perlu diperbaiki")

    await office.say("sekda", "Ya")

    [run] = await runs_of(office, "telaah_sekda")
    assert run.outcome is Outcome.RETURNED and run.note == "Pasal 3 perlu diperbaiki"


@pytest.mark.parametrize("reason", ["ok", "-", "skip", "tidak ada", "sudah lengkap"])
async def test_a_skip_without_a_real_reason_is_refused_and_the_question_stays_open(
    office, reason
):
    await open_case(office)
    await office.press("kabag", "Lewati")

    answer = await office.say("kabag", reason)

    assert "terlalu singkat" in answer.text and "paling sedikit 3 kata" in answer.text
    assert [r.outcome for r in await runs_of(office, "penugasan")] == [None]
    real = await office.say("kabag", "Disposisi diberikan lisan dalam rapat pimpinan.")
    assert real.labels == ["Ya, lewati", "Ubah alasan", "Batal"]


async def test_a_real_skip_reason_takes_effect_after_ya_lewati(office):
    await open_case(office)
    await office.press("kabag", "Siti Rahmawati")
    await office.press("kabag", "Lewati")
    await office.say("kabag", "ok")

    shown = await office.say("kabag", "Disposisi diberikan lisan dalam rapat pimpinan.")

    assert "Yang dilewati: Lembar disposisi Kabag" in shown.text
    assert '"Disposisi diberikan lisan dalam rapat pimpinan."' in shown.text
    assert [r.outcome for r in await runs_of(office, "penugasan")] == [None]
    await office.press("kabag", "Ya, lewati", shown)
    [run] = await runs_of(office, "penugasan")
    assert run.outcome is not None
    assert run.note == "Disposisi diberikan lisan dalam rapat pimpinan."
    assert any("Langkah 2" in m.text for m in office.inbox("ketua"))


async def test_the_draft_check_reaches_kabag_and_sekda_as_a_short_warning(office):
    await at_sekda(office)  # the initialled draft is only a title: most points fail

    markers = {"kabag": "akan Bapak/Ibu sampaikan kepada Sekretaris Daerah",
               "sekda": "Catatan untuk telaah"}  # fmt: skip
    for who, marker in markers.items():
        warning = [m for m in office.inbox(who) if marker in m.text][-1]
        lines = warning_lines(warning.text)
        assert len(lines) == 3 and all(len(line) <= WARNING_WIDTH for line in lines)
        assert "catatan lain" in warning.text and "❌" not in warning.text
        assert "Lihat catatan" in warning.labels

        full = await office.press(who, "Lihat catatan", warning)
        assert full is not None
        listing = office.last(who).text
        assert listing.count("❌") > 3 and "Pemeriksaan rancangan Kesepakatan Bersama" in listing


@dataclass(frozen=True)
class Point:
    text: str


@dataclass(frozen=True)
class Checks:
    points: tuple[Point, ...]

    def as_text(self) -> str:
        return "\n".join(p.text for p in self.points)

    def failed(self) -> tuple[Point, ...]:
        return self.points


def test_a_long_point_is_cut_at_a_word_and_more_points_are_counted():
    long = "Judul belum sesuai bentuk baku " + "kata " * 40
    warning = short_warning(Checks((Point(long),) * 5))

    lines = warning.splitlines()
    assert lines[0] == "Pemeriksaan rancangan: 5 catatan"
    assert all(len(line) <= WARNING_WIDTH for line in lines)
    assert lines[1].endswith("kata…") and lines[-1] == "dan 2 catatan lain"
    assert len(lines) == 5


def test_no_failed_point_is_said_in_one_line():
    assert short_warning(Checks(())) == "Pemeriksaan rancangan: tanpa catatan"
    assert clip("Pasal Pembiayaan belum ada.", 80) == "Pasal Pembiayaan belum ada."
