"""The text catalogue: every key used in code exists, every parameter is supplied."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot import errors
from bot.texts import catalog, placeholders, t

ROOT = Path(__file__).resolve().parents[1]
TEXT_TAKERS = {"t", "Reply", "Choice", "say"}  # callables whose first argument is a text key


def keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "handlers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in TEXT_TAKERS:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    used.add(first.value)
    return used


def test_every_literal_text_key_in_the_code_is_in_the_catalogue():
    missing = keys_used_in_code() - set(catalog())

    assert missing == set()


@pytest.mark.parametrize(
    "error",
    [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.SopbotError)
    ],
)
def test_every_domain_error_has_a_text(error):
    assert error.text_key in catalog()


def test_button_labels_fit_a_whatsapp_reply_button():
    labels = {k: v for k, v in catalog().items() if k.startswith("button.")}

    too_long = {k: v for k, v in labels.items() if len(v) > 20}

    assert too_long == {}


@pytest.mark.parametrize(
    "key, word",
    [
        ("button.approve", "Setujui"),
        ("button.return", "Kembalikan"),
        ("button.complete", "Selesai"),
        ("button.submit", "Sampaikan"),
        ("button.skip", "Lewati"),
    ],
)
def test_button_labels_carry_the_contract_words(key, word):
    assert word in catalog()[key]


def test_the_generic_error_is_the_agreed_sentence():
    assert t("error.generic") == "Mohon maaf, terjadi kendala pada sistem. Silakan coba lagi."


def test_texts_are_filled_with_their_parameters():
    text = t("error.already_processed", by="Dr. Hendra", at="Senin, 2 Maret 2026 pukul 09.15 WIB")

    assert (
        text
        == "Tugas ini sudah diproses oleh Dr. Hendra pada Senin, 2 Maret 2026 pukul 09.15 WIB."
    )
    assert placeholders("error.already_processed") == {"by", "at"}


def test_no_text_uses_informal_address():
    informal = [k for k, v in catalog().items() if re.search(r"\b(kamu|lo|lu|gue)\b", v, re.I)]

    assert informal == []


def test_a_name_ending_in_its_title_is_not_followed_by_a_second_full_stop() -> None:
    text = t("error.not_your_task", step=5, assignee="Drs. Budi Santoso, M.Si.")

    assert text.endswith("ditujukan kepada Drs. Budi Santoso, M.Si.")
    assert t("error.not_your_task", step=5, assignee="Kepala Bagian").endswith("Bagian.")
