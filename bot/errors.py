"""Domain errors. Adapters catch only `SopbotError` and render its `text_key`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.texts import t


class SopbotError(Exception):
    """An expected failure the user is told about in their language."""

    text_key = "error.generic"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(f"{self.text_key} {params}" if params else self.text_key)


class NotFound(SopbotError):
    text_key = "error.not_found"


class CaseNotFound(NotFound):
    text_key = "error.case_not_found"


class UserNotFound(NotFound):
    text_key = "error.user_not_found"


class NotYourTask(SopbotError):
    text_key = "error.not_your_task"


class NotPermitted(SopbotError):
    text_key = "error.not_permitted"


class StaleAction(SopbotError):
    """A button or command refers to a task version that is no longer current."""

    text_key = "error.stale_action"


class AlreadyProcessed(StaleAction):
    """The task was finished by someone else (or by an earlier press)."""

    text_key = "error.already_processed"


class MissingKelengkapan(SopbotError):
    text_key = "error.missing_kelengkapan"


class FixNeeded(SopbotError):
    """A returned draft sent up again with neither a new version nor a reason to keep it."""

    text_key = "error.fix_needed"


class PreconditionNotMet(SopbotError):
    text_key = "error.precondition"


class NoteRequired(SopbotError):
    text_key = "error.note_required"


class InvalidInput(SopbotError):
    """A refusal of what was typed; `reason` says why, as a clause or a whole sentence.

    A clause ("jenis mitra … tidak dikenal") is shown as "Mohon maaf, <clause>."; a friendly
    refusal already written as sentences (it ends with a full stop) is shown as it is, with
    no prefix before it.
    """

    text_key = "error.invalid_input"

    def __init__(self, **params: Any) -> None:
        reason = str(params.get("reason", ""))
        if reason.rstrip().endswith((".", "?", "!")):
            self.text_key = "error.refusal"
        else:
            params = {**params, "reason": reason.rstrip(". ")}
        super().__init__(**params)


class DateRefused(InvalidInput):
    """A time the SOP or the office calendar refuses; `choices` are the nearest accepted ones."""

    def __init__(self, reason: str, choices: tuple[datetime, ...] = ()) -> None:
        super().__init__(reason=reason)
        self.choices = choices


class CaseClosed(SopbotError):
    text_key = "error.case_closed"


class InvalidInvite(SopbotError):
    """`reason` is unknown, used or expired; the text says which in Indonesian."""

    text_key = "error.invalid_invite"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason, why=t(f"invite.reason.{reason}"))


class TooManyInviteAttempts(SopbotError):
    """The chat account sent too many wrong invite codes lately; `until` says when to retry."""

    text_key = "error.invite_attempts"


class RegisterBusy(SopbotError):
    """The agenda register could not give a number in time (the database is busy).

    The action is refused and its transaction rolled back: no number is taken.
    """

    text_key = "error.register_busy"


class RegisterCancelBusy(RegisterBusy):
    """A cancellation the database was too busy to record: the naskah stays as it was."""

    text_key = "error.register_cancel_busy"


class ConcurrentUpdate(Exception):
    """Another transaction changed the same case first; the service retries."""


class SopFileError(Exception):
    """A malformed SOP file: names the file, the line and the reason."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class UploadRejected(SopbotError):
    """An uploaded file refused by its content; `text_key` says what was wrong and what to do."""

    text_key = "upload.rejected"

    def __init__(self, text_key: str, **params: Any) -> None:
        self.text_key = text_key
        super().__init__(**params)


class Unavailable(Exception):
    """A service an update needs (the platform's file download, the database) did not answer.

    Not a user error: the stored update is handled again a little later, and nothing is lost.
    """
