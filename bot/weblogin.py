"""Signed tokens of the web dashboard: a short-lived login code and the session cookie.

Both are `person.expires.nonce.signature`, HMAC-SHA256 under `SOPBOT_WEB_SECRET` with a purpose
label, so a session cookie is never accepted as a login code or the other way round. The
dashboard re-reads the roster on every request, so a deactivated person or one who lost the role
is refused at once. A login code's nonce is stored in the database when it is used, until the
code expires: the code is refused afterwards by every worker, and after a restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.ports import UnitOfWorkFactory
from bot.sop.model import Sop
from bot.workflow.model import Person

LOGIN = "login"
SESSION = "session"
VIEW_DASHBOARD = "view_dashboard"  # the SOP permission naming who may log in


@dataclass(frozen=True)
class Token:
    """What a valid token says: who, until when (Unix seconds), and its one-time nonce."""

    person_id: int
    expires: int
    nonce: str


def _signature(secret: str, purpose: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}|{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(secret: str, purpose: str, person_id: int, now: datetime, seconds: int) -> str:
    """A token for `person_id` valid for `seconds` from `now`."""
    body = f"{person_id}.{int(now.timestamp()) + seconds}.{secrets.token_urlsafe(12)}"
    return f"{body}.{_signature(secret, purpose, body)}"


def verify(secret: str, purpose: str, token: str, now: datetime) -> Token | None:
    """The token's content if its signature is right and it has not expired, else None."""
    parts = token.strip().split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(secret, purpose, body)):
        return None
    if int(parts[1]) <= int(now.timestamp()):
        return None
    return Token(int(parts[0]), int(parts[1]), parts[2])


async def redeem(uow: UnitOfWorkFactory, secret: str, code: str, now: datetime) -> Token | None:
    """A valid login code's content, using it up: None if forged, expired or used before."""
    token = verify(secret, LOGIN, code, now)
    if token is None:
        return None
    async with uow() as work:
        await work.login_codes.purge(now)
        first = await work.login_codes.use(
            token.nonce, datetime.fromtimestamp(token.expires, UTC), now
        )
        await work.commit()
    return token if first else None


def may_view(person: Person | None, sop: Sop) -> bool:
    """Whether an active person holds a role the SOP lets see the dashboard."""
    if person is None or not person.active:
        return False
    return bool(person.roles & set(sop.allowed(VIEW_DASHBOARD)))
