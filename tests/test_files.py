"""The content-addressed file store."""

from __future__ import annotations

import hashlib

import pytest

from bot.errors import NotFound

CONTENT = b"Rancangan Kesepakatan Bersama, versi 1"


def test_put_returns_the_sha256_of_the_content(file_store):
    sha = file_store.put(CONTENT)

    assert sha == hashlib.sha256(CONTENT).hexdigest()


def test_stored_content_reads_back_unchanged(file_store):
    sha = file_store.put(CONTENT)

    assert file_store.read(sha) == CONTENT


def test_stored_content_exists_and_unknown_content_does_not(file_store):
    sha = file_store.put(CONTENT)

    assert (file_store.exists(sha), file_store.exists("0" * 64)) == (True, False)


def test_content_lives_under_files_in_two_levels_of_hash_prefix(file_store, tmp_path):
    sha = file_store.put(CONTENT)

    assert file_store.path(sha) == tmp_path / "data" / "files" / sha[:2] / sha[2:4] / sha


def test_putting_the_same_content_twice_keeps_one_file(file_store, tmp_path):
    first = file_store.put(CONTENT)

    second = file_store.put(CONTENT)

    stored = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert (second, stored) == (first, [file_store.path(first)])


def test_reading_an_unknown_sha_raises_not_found(file_store):
    with pytest.raises(NotFound):
        file_store.read("f" * 64)


def test_a_malformed_sha_is_not_found_rather_than_a_path(file_store):
    with pytest.raises(NotFound):
        file_store.read("../../etc/passwd")
