"""The audit key: from SOPBOT_AUDIT_KEY, or a 0600 key file made once; never shown."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.audit import AuditKey
from bot.auditkey import KEY_FILE, load_audit_key
from bot.config import ConfigError, load_settings

CONFIGURED = "a-configured-audit-key-of-at-least-32-chars"


def test_without_a_setting_a_key_file_is_created_readable_by_its_owner_only(tmp_path: Path):
    load_audit_key(None, tmp_path / "data")

    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64


def test_the_key_file_is_reused_by_the_next_process(tmp_path: Path):
    first = load_audit_key(None, tmp_path)

    second = load_audit_key(None, tmp_path)

    assert first.entry_mac("0" * 64) == second.entry_mac("0" * 64)
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_a_configured_key_wins_and_no_file_is_written(tmp_path: Path):
    key = load_audit_key(SecretStr(CONFIGURED), tmp_path)

    assert key.entry_mac("0" * 64) == AuditKey(CONFIGURED.encode()).entry_mac("0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_two_keys_give_different_macs():
    one, other = AuditKey(b"k" * 32), AuditKey(b"l" * 32)

    assert one.entry_mac("0" * 64) != other.entry_mac("0" * 64)
    assert one.head_mac(1, "0" * 64) != one.entry_mac("0" * 64)


def test_the_key_never_shows_in_its_repr_or_the_log(tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG)

    key = load_audit_key(None, tmp_path)

    secret = (tmp_path / KEY_FILE).read_text().strip()
    assert secret not in repr(key) + str(key)
    assert secret not in caplog.text


def test_a_key_file_others_may_read_is_warned_about_without_the_key(tmp_path: Path, caplog):
    (tmp_path / KEY_FILE).write_text("x" * 40)
    (tmp_path / KEY_FILE).chmod(0o644)

    load_audit_key(None, tmp_path)

    assert "chmod 600" in caplog.text
    assert "x" * 40 not in caplog.text


def test_a_short_configured_key_is_refused_without_echoing_it(monkeypatch):
    monkeypatch.setenv("SOPBOT_AUDIT_KEY", "short-secret")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert "SOPBOT_AUDIT_KEY" in str(raised.value)
    assert "short-secret" not in str(raised.value)


def test_a_blank_audit_key_setting_means_the_key_file(monkeypatch):
    monkeypatch.setenv("SOPBOT_AUDIT_KEY", "")

    assert load_settings().sopbot_audit_key is None
