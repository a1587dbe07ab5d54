"""Uploaded and generated files, stored once per content under the data directory."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path

from bot.errors import NotFound
from bot.startup import StartupError, reason_of

logger = logging.getLogger(__name__)

DATA_DIR_SETTING = "SOPBOT_DATA_DIR"

_SHA256 = re.compile(r"[0-9a-f]{64}")


def usable_data_dir(root: Path) -> None:
    """Create the data directory if needed and prove it writable, or name SOPBOT_DATA_DIR.

    Writing a file is the only test that holds for every cause: permissions, a read-only
    mount, a full disk, or an account that `os.access` judges differently (root).
    """
    shown = root.absolute()
    if root.exists() and not root.is_dir():
        raise StartupError(
            DATA_DIR_SETTING, "startup.data_dir.file", "startup.data_dir.fix", path=shown
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StartupError(
            DATA_DIR_SETTING,
            "startup.data_dir.create",
            "startup.data_dir.fix",
            path=shown,
            reason=reason_of(error),
        ) from error
    try:
        with tempfile.TemporaryFile(dir=root, prefix=".write-test-"):
            pass
    except OSError as error:
        raise StartupError(
            DATA_DIR_SETTING,
            "startup.data_dir.write",
            "startup.data_dir.fix",
            path=shown,
            reason=reason_of(error),
        ) from error


class LocalFileStore:
    """Content-addressed files: root/files/aa/bb/<sha256>, written atomically."""

    def __init__(self, root: Path) -> None:
        self._base = root / "files"

    def path(self, sha256: str) -> Path:
        """Where the file with that hash lives (whether or not it exists)."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self._base / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` and return its sha256; storing known content again changes nothing."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        logger.debug("Stored file %s (%d bytes)", sha256, len(data))
        return sha256

    def read(self, sha256: str) -> bytes:
        """The content with that hash; NotFound if it was never stored."""
        try:
            return self.path(sha256).read_bytes()
        except (FileNotFoundError, ValueError):
            raise NotFound(sha256=sha256) from None

    def exists(self, sha256: str) -> bool:
        """Whether content with that hash is stored."""
        try:
            return self.path(sha256).is_file()
        except ValueError:
            return False
