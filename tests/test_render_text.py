"""Long texts are split for the platforms' message limits without losing a character."""

from __future__ import annotations

from bot.render_text import chunks


def test_a_long_text_is_split_at_line_breaks_within_the_limit():
    lines = [f"Baris {i}: " + "x" * 90 for i in range(120)]
    text = "\n".join(lines)

    parts = chunks(text, 4096)

    assert all(len(part) <= 4096 for part in parts)
    assert "\n".join(parts) == text


def test_a_single_word_longer_than_the_limit_is_cut_hard():
    text = "a" * 10_000

    parts = chunks(text, 4096)

    assert [len(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(parts) == text


def test_a_short_text_stays_whole():
    assert chunks("Halo", 4096) == ["Halo"]


def test_a_long_line_is_split_between_words_never_inside_one():
    words = [f"kata{i:04d}" for i in range(1500)]
    text = " ".join(words)

    parts = chunks(text, 4096)

    assert all(len(part) <= 4096 for part in parts) and len(parts) > 1
    assert [w for part in parts for w in part.split(" ")] == words


def test_a_whatsapp_title_is_shortened_at_a_word_boundary():
    from handlers.whatsapp.render import shorten

    assert shorten("Unggah Rancangan Kesepakatan Bersama berparaf", 24) == "Unggah Rancangan…"
    assert shorten("Penunjukan", 24) == "Penunjukan"
