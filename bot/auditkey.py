"""Where the audit key comes from: `SOPBOT_AUDIT_KEY`, or a key file in the data directory.

The key must live outside the database: whoever can write to the database but does not hold the
key cannot forge the audit chain's MACs. The key file is created on first use with mode 0600 and
never printed or logged. Several workers on different hosts must share one key: set
`SOPBOT_AUDIT_KEY` to the same value on each.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

from pydantic import SecretStr

from bot.audit import AuditKey

logger = logging.getLogger(__name__)

KEY_FILE = "audit.key"


def load_audit_key(configured: SecretStr | None, data_dir: Path) -> AuditKey:
    """The configured key, or the data directory's key file (created if there is none)."""
    if configured is not None:
        return AuditKey(configured.get_secret_value().encode("utf-8"))
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        _create(path)
    return AuditKey(_read(path))


def _create(path: Path) -> None:
    """Write a fresh random key, 0600 from the start; a key another process wrote first wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        # A hard link never replaces an existing file: two processes starting at once agree.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
            logger.debug("created the audit key file %s", path)
    finally:
        draft.unlink()


def _read(path: Path) -> bytes:
    """The key file's content, warning (without the key) when others may read it."""
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        logger.warning("the audit key file %s is readable by other users; chmod 600 it", path)
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ValueError(f"the audit key file {path} is empty")
    return key.encode("utf-8")
