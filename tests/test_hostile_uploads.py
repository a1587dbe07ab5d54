"""The hostile corpus (tests/hostile.py): each file is refused with its Indonesian answer, or
stored under a clean name, within 2 s and 256 MB.

The bound is checked in a process of its own that does nothing else: the CPU time of each
inspection (the machine's other work does not count against it) and the process's peak resident
memory while it ran, the interpreter, its libraries and the file itself included, so memory the
C libraries take (zlib, expat) counts too. `bench/hostile_uploads.py` times the refusals against
a harmless file of the same size.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
import tracemalloc
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.chat.core import ChatCore
from bot.chat.model import Incoming, IncomingFile, Sender
from bot.errors import UploadRejected
from bot.texts import t
from bot.uploads import MAX_FILENAME_CHARS, UploadPolicy, check_declared_size, inspect_upload
from tests.fakes import MemoryFileStore
from tests.hostile import (
    CORPUS,
    NAMES,
    Hostile,
    local_template_and_links,
    pdf,
    plain_docx,
    relationships,
    rezip,
    stream,
)

POLICY = UploadPolicy.from_settings("docx,pdf", 20)
MEMORY_LIMIT = 256 * 1024 * 1024
SECONDS_LIMIT = 2.0
PROC = Path("/proc/self")
ROOT = Path(__file__).resolve().parent.parent


def peak_memory(work: Callable[[], object]) -> int:
    """Peak bytes Python allocated while `work` ran."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    try:
        work()
    finally:
        peak = tracemalloc.get_traced_memory()[1] - before
        if started:
            tracemalloc.stop()
    return peak


def inspect(item: Hostile, data: bytes) -> None:
    """What the bot does with an upload: the declared size first, then the content."""
    check_declared_size(item.declared_size, POLICY)
    inspect_upload(data, item.filename, POLICY)


@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_a_hostile_upload_is_refused_with_its_answer_within_256_mb(item: Hostile):
    data = item.build()
    refusals: list[UploadRejected] = []

    def work() -> None:
        with pytest.raises(UploadRejected) as raised:
            inspect(item, data)
        refusals.append(raised.value)

    peak = peak_memory(work)

    assert refusals[0].text_key == item.refusal
    assert t(refusals[0].text_key, **refusals[0].params).startswith("Mohon maaf")
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.0f} MB"


def resident_peak() -> int:
    """The process's peak resident memory (VmHWM) in bytes since the last reset."""
    for line in (PROC / "status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise LookupError("VmHWM")


def measure_corpus() -> None:
    """In a process of its own: for each file, one JSON line with its answer, the CPU seconds
    its inspection took and the peak resident memory of the process meanwhile."""
    for item in CORPUS:
        data = item.build()
        gc.collect()
        (PROC / "clear_refs").write_text("5")  # the peak starts again from what is resident now
        started = time.process_time()
        try:
            inspect(item, data)
            answer = None
        except UploadRejected as refused:
            answer = refused.text_key
        seconds = time.process_time() - started
        line = {"name": item.name, "answer": answer, "seconds": seconds, "peak": resident_peak()}
        sys.stdout.write(json.dumps(line) + "\n")
        del data


@dataclass(frozen=True)
class Cost:
    answer: str | None
    seconds: float
    peak: int


@pytest.fixture(scope="module")
def costs() -> dict[str, Cost]:
    """What `measure_corpus` found, by the file's name."""
    if not (PROC / "clear_refs").exists():
        pytest.skip("the peak resident memory is read from Linux's /proc")
    command = "from tests.test_hostile_uploads import measure_corpus; measure_corpus()"
    done = subprocess.run(
        [sys.executable, "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=600,
        check=True,
    )  # fmt: skip
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return {line["name"]: Cost(line["answer"], line["seconds"], line["peak"]) for line in lines}


@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_a_hostile_upload_is_refused_within_2_s_and_256_mb_of_the_whole_process(
    costs: dict[str, Cost], item: Hostile
) -> None:
    cost = costs[item.name]

    assert cost.answer == item.refusal
    assert cost.seconds < SECONDS_LIMIT, f"{cost.seconds:.2f} s of CPU"
    assert cost.peak < MEMORY_LIMIT, f"{cost.peak / 2**20:.0f} MB resident"


@pytest.mark.parametrize("name, clean", NAMES, ids=[repr(name[:30]) for name, _ in NAMES])
def test_a_hostile_file_name_is_stored_under_a_clean_name(name: str, clean: str):
    stored = inspect_upload(plain_docx(), name, POLICY)

    assert stored.filename == clean
    assert not {"/", "\\"} & set(stored.filename)
    assert all(unicodedata.category(c)[0] != "C" for c in stored.filename)
    assert len(stored.filename) <= MAX_FILENAME_CHARS


# --- what is not hostile stays accepted --------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pdf(b"<< /Title (Panduan /JavaScript dan /JS untuk staf) >>"),
        pdf(b"<< /Subject (catatan) >>\n% /JavaScript in a comment"),
        pdf(stream(b"/Type /XObject /Subtype /Image", b"binary /JS /Launch data")),
        pdf(b"<< /S /URI /URI (https://tangerangkota.go.id/) >>"),
    ],
    ids=["name in a string", "name in a comment", "name in stream data", "a web link"],
)
def test_a_pdf_merely_mentioning_javascript_is_accepted(data: bytes):
    assert inspect_upload(data, "surat.pdf", POLICY).kind == "pdf"


def test_a_docx_naming_words_local_template_is_accepted():
    assert inspect_upload(local_template_and_links(), "pks.docx", POLICY).kind == "docx"


def test_a_docx_with_a_web_link_is_accepted():
    rels = relationships(("hyperlink", "https://jdih.tangerangkota.go.id/", True))
    data = rezip(plain_docx(), {"word/_rels/footer1.xml.rels": rels})

    assert inspect_upload(data, "pks.docx", POLICY).kind == "docx"


# --- through the conversation ----------------------------------------------------------------


@pytest.fixture
async def chat(office) -> ChatCore:
    async with office.uow() as uow:
        await uow.people.bind_identity(office.ids["ketua"], "telegram", "1002")
        await uow.commit()
    files = MemoryFileStore()
    return ChatCore(office.workflow, office.admin, files, POLICY)


def upload(item: Hostile, data: bytes) -> Incoming:
    async def fetch() -> bytes:
        return data

    file = IncomingFile(item.filename, item.declared_size, fetch)
    return Incoming(Sender("telegram", "1002"), "u-upload", file=file)


@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
async def test_in_chat_the_sender_reads_why_and_nothing_is_kept(chat: ChatCore, item: Hostile):
    answer = await chat.handle(upload(item, item.build()))

    assert [reply.text_key for reply in answer.replies] == [item.refusal]
    assert chat.files.blobs == {}  # type: ignore[attr-defined]
