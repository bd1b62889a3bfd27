"""How a fine-tune run talks to the user: ``Console`` for what it says along the way,
``FinetuneStop`` for the message and exit code it ends with.

Whatever came from the platform (job ids, statuses, events, error messages, model
names) is printed through ``Console.quote``: control characters and terminal escapes
escaped, one line (no forged ``::error::`` workflow command), and every known secret
masked, the credentials the backend uses included (``Console.secrets``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from ..errors import ERROR_PREFIX, ExitCode, JsonlGuardError
from ..untrusted import known_secrets, safe


class FinetuneStop(JsonlGuardError):
    """Ends a run with an exit code (``exit_code``, also ``code``) and a message for the user.

    The message is an error (``error: ...``) only for a usage error; a failed check,
    a cancelled confirmation or an interruption is told as it is.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = ExitCode(code)

    @property
    def code(self) -> ExitCode:
        return self.exit_code

    def __reduce__(self) -> tuple[type[FinetuneStop], tuple[int, str]]:
        return type(self), (self.exit_code, str(self))

    def report(self, prefix: str = ERROR_PREFIX) -> str:
        return f"{prefix if self.exit_code == ExitCode.USAGE else ''}{self}"


@dataclass
class Console:
    """Where a run talks to the user; ``live`` draws a status line on a terminal."""

    out: TextIO
    live: bool = False
    confirm: Callable[[str], bool] | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)  # the backend's credentials
    _status_shown: bool = field(default=False, repr=False)

    def quote(self, text: object) -> str:
        """Outside text (``None`` too), safe to print: see the module's note."""
        secrets = sorted({*self.secrets, *known_secrets()}, key=len, reverse=True)  # longest first
        return safe(str(text), secrets)

    def say(self, text: str) -> None:
        if self._status_shown:
            self.out.write("\n")
            self._status_shown = False
        self.out.write(text + "\n")
        self.out.flush()

    def status(self, text: str) -> None:
        """A live line on a terminal; in CI logs only changes are printed (by ``say``)."""
        if self.live:
            self.out.write("\r\x1b[2K" + text)
            self.out.flush()
            self._status_shown = True
