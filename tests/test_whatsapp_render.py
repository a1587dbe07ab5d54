"""Core replies planned as WhatsApp messages within WhatsApp's limits."""

from __future__ import annotations

from bot.replies import Choice, FileRef, Reply
from handlers.whatsapp.render import (
    Buttons,
    Document,
    Listing,
    Text,
    plan,
    template_values,
)


def reply(text: str = "Silakan pilih.", labels: tuple[str, ...] = (), files=()) -> Reply:
    choices = tuple(Choice("button.pick", f"act:{i}", {"name": x}) for i, x in enumerate(labels))
    return Reply("whatsapp.plain", {"text": text}, choices, tuple(files))


def test_a_long_text_is_split_at_line_breaks_within_4096_characters():
    text = "\n".join(f"Baris {i} " + "x" * 90 for i in range(100))

    parts = plan(reply(text))

    assert all(isinstance(p, Text) and len(p.text) <= 4096 for p in parts)
    assert "\n".join(p.text for p in parts) == text
    assert len(parts) == 3


def test_up_to_three_short_choices_are_reply_buttons_carrying_the_action_data():
    [message] = plan(reply(labels=("Setujui", "Kembalikan")))

    assert message == Buttons("Silakan pilih.", (("Setujui", "act:0"), ("Kembalikan", "act:1")))


def test_four_choices_come_as_a_list():
    [message] = plan(reply(labels=("Satu", "Dua", "Tiga", "Empat")))

    assert isinstance(message, Listing)
    assert [row.id for row in message.rows] == ["act:0", "act:1", "act:2", "act:3"]
    assert len(message.button) <= 20


def test_a_label_longer_than_a_button_title_makes_a_list_row_with_the_full_label_below():
    label = "Unggah Rancangan Kesepakatan Bersama berparaf"

    [message] = plan(reply(labels=("Selesai", label)))

    assert isinstance(message, Listing)
    row = message.rows[1]
    assert len(row.title) <= 24 and row.title.endswith("…")
    assert row.description == label


def test_more_than_ten_choices_come_as_several_lists():
    labels = tuple(f"Pilihan {i}" for i in range(12))

    first, second = plan(reply(labels=labels))

    assert (len(first.rows), len(second.rows)) == (10, 2)
    assert first.text == "Silakan pilih."
    assert second.text == "Pilihan lainnya (2/2):"


def test_a_text_too_long_for_an_interactive_body_goes_first_and_the_buttons_last():
    text = "\n".join("y" * 300 for _ in range(6))

    *texts, buttons = plan(reply(text, labels=("Setujui",)))

    assert isinstance(buttons, Buttons) and len(buttons.text) <= 1024
    assert all(isinstance(p, Text) for p in texts)
    assert "\n".join([*(p.text for p in texts), buttons.text]) == text


def test_files_are_sent_before_the_text():
    file = FileRef("ab" * 32, "rancangan.docx")

    parts = plan(reply(labels=("Setujui",), files=[file]))

    assert parts[0] == Document(file)
    assert isinstance(parts[1], Buttons)


def test_the_same_action_twice_is_offered_once():
    choices = (Choice("button.approve", "ap:1"), Choice("button.approve", "ap:1"))

    [message] = plan(Reply("whatsapp.plain", {"text": "x"}, choices))

    assert message.buttons == (("Setujui", "ap:1"),)


def test_template_values_are_single_lines_and_never_empty():
    message = Reply("whatsapp.plain", {"text": "Perkara KB-1\n\nLangkah 7", "ref": "KB-1"})

    values = template_values(message, ["recipient", "text", "ref", "subject"], "Dr. Hendra")

    assert values == ["Dr. Hendra", "Perkara KB-1 Langkah 7", "KB-1", "-"]


def test_a_long_template_text_is_shortened():
    message = Reply("whatsapp.plain", {"text": "kata " * 200})

    [value] = template_values(message, ["text"])

    assert len(value) <= 300 and value.endswith("kata…")


def test_a_long_row_title_ends_at_a_whole_word_even_when_the_first_word_is_long():
    label = "Pengadministrasian Kependudukan dan Pencatatan Sipil"

    [message] = plan(reply(labels=("Selesai", label)))

    assert isinstance(message, Listing)
    assert message.rows[1].title == "Pengadministrasian…"
    assert message.rows[1].description == label


def test_titles_that_would_shorten_alike_are_numbered_and_keep_whole_words():
    kb = "Fasilitasi Penyusunan Kesepakatan Bersama"
    pks = "Fasilitasi Penyusunan Perjanjian Kerja Sama"

    [message] = plan(reply(labels=(kb, pks, "Batal")))

    assert isinstance(message, Listing)
    titles = [row.title for row in message.rows]
    assert titles == ["1. Fasilitasi…", "2. Fasilitasi…", "3. Batal"]
    assert [row.description for row in message.rows] == [kb, pks, None]


def test_a_row_with_no_whole_word_that_fits_is_named_by_its_place():
    word = "Pengarusutamaanpembangunanberkelanjutan"

    [message] = plan(reply(labels=("Selesai", word)))

    assert [row.title for row in message.rows] == ["1. Selesai", "Pilihan 2"]
    assert message.rows[1].description == word


def test_equal_labels_in_a_list_get_different_titles():
    labels = ("Pilih Budi Santoso", "Pilih Budi Santoso", "Siti", "Rina")

    [message] = plan(reply(labels=labels))

    titles = [row.title for row in message.rows]
    assert len(set(titles)) == 4
    assert titles[:2] == ["1. Pilih Budi Santoso", "2. Pilih Budi Santoso"]
