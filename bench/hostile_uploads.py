"""Time to refuse each hostile upload of tests/hostile.py, against a harmless file of its size.

    .venv/bin/python -m bench.hostile_uploads [--repeat 3]

For every file of the corpus: the best of `--repeat` inspections (the declared size first, then
the content, as the bot does), and the same for a harmless file of similar size measured in the
same run (a real .docx padded with incompressible media, or a PDF holding one image), capped at
the 20 MB upload limit. Absolute times depend on the machine; the ratio is what to compare
between runs. Each refusal must take under 2 s, and each file must get the answer the corpus
names; the exit status is 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from bot.errors import UploadRejected
from bot.uploads import MB, UploadPolicy, check_declared_size, inspect_upload
from tests.hostile import CORPUS, Hostile, padded_docx, pdf_like_report

POLICY = UploadPolicy.from_settings("docx,pdf", 20)
LIMIT_SECONDS = 2.0
LARGEST_HARMLESS = 19 * MB


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def best_of(repeat: int, work: Callable[[], str]) -> tuple[float, str]:
    """The shortest wall time of `repeat` runs, and what the last run answered."""
    times, answer = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - start)
    return min(times), answer


def inspecting(data: bytes, filename: str, declared: int | None) -> Callable[[], str]:
    def work() -> str:
        try:
            check_declared_size(declared, POLICY)
            return inspect_upload(data, filename, POLICY).kind
        except UploadRejected as refused:
            return refused.text_key

    return work


def harmless_like(item: Hostile, size: int) -> bytes:
    size = min(size, LARGEST_HARMLESS)
    return pdf_like_report(size) if item.filename.endswith(".pdf") else padded_docx(size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    say(f"{'file':52} {'size':>9} {'refused in':>10} {'baseline':>9} {'ratio':>6}  answer")
    failures = 0
    for item in CORPUS:
        data = item.build()
        seconds, answer = best_of(repeat, inspecting(data, item.filename, item.declared_size))
        baseline = harmless_like(item, len(data))
        base, _ = best_of(repeat, inspecting(baseline, item.filename, None))
        ok = answer == item.refusal and seconds < LIMIT_SECONDS
        failures += not ok
        say(
            f"{item.name[:52]:52} {len(data) / MB:8.2f}M {seconds * 1000:8.1f}ms "
            f"{base * 1000:7.1f}ms {seconds / base:6.2f}  {answer}{'' if ok else '  <-- FAIL'}"
        )
    say(f"\n{len(CORPUS) - failures} of {len(CORPUS)} refused as expected within "
        f"{LIMIT_SECONDS:.0f} s each.")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
