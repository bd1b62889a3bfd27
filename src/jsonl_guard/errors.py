"""The error root, the exit-code table, and how an edge turns an error into a message.

Every exception jsonl-guard raises derives from ``JsonlGuardError`` and carries
the exit status a command should end with (``exit_code``). The commands (``check``,
``smoke``, ``finetune``, ...) map an error to its message and status with
``exit_for``, the one place that does it.
"""

from __future__ import annotations

from enum import IntEnum

# What every command prints before an error's message (``finetune`` prints to its
# console with a shorter ``error: ``).
ERROR_PREFIX = "jsonl-guard: error: "
INTERRUPTED_MESSAGE = "jsonl-guard: interrupted"


# Where an internal error (a bug, never bad input) is to be reported.
ISSUE_TRACKER = "https://github.com/jsonl-guard/jsonl-guard/issues"
# Set to 1, a command lets an internal error's traceback through (for debugging).
DEBUG_VARIABLE = "JSONL_GUARD_DEBUG"


class ExitCode(IntEnum):
    """The exit status of every jsonl-guard command."""

    OK = 0  # no errors (warnings alone pass unless --strict); every smoke case passed
    ERRORS = 1  # errors found; a smoke case failed; a fine-tuning job failed
    USAGE = 2  # usage, configuration or I/O error: nothing could be checked or sent
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class JsonlGuardError(Exception):
    """The root of every jsonl-guard exception.

    ``exit_code`` is the status a command ends with when this error reaches it;
    ``report`` is what the command prints.
    """

    exit_code: ExitCode = ExitCode.USAGE

    def report(self, prefix: str = ERROR_PREFIX) -> str:
        """What a command prints for this error: ``prefix`` and the message (one or more lines)."""
        return f"{prefix}{self}"


def exit_for(
    error: JsonlGuardError | KeyboardInterrupt, *, prefix: str = ERROR_PREFIX
) -> tuple[str, ExitCode]:
    """The message and exit status for an error that reached a command.

    ``prefix`` starts an error's message (``finetune`` talks to its console with
    ``error: ``); an interruption is the same everywhere.
    """
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED_MESSAGE, ExitCode.INTERRUPTED
    return error.report(prefix), error.exit_code


def internal_error(error: Exception, command: str) -> tuple[str, ExitCode]:
    """The message and exit status for an exception no command expected (a bug).

    Two lines and no traceback: what went wrong, and where to report it with
    ``command``; set ``JSONL_GUARD_DEBUG=1`` for the traceback.
    """
    detail = " ".join(str(error).split())
    first = f"jsonl-guard: internal error: {type(error).__name__}" + (
        f": {detail}" if detail else ""
    )
    report = (
        f"This is a bug in jsonl-guard. Please report it at {ISSUE_TRACKER} with the "
        f"command you ran ({command}); rerun it with {DEBUG_VARIABLE}=1 for the traceback."
    )
    return f"{first}\n{report}", ExitCode.USAGE


__all__ = [
    "DEBUG_VARIABLE",
    "ERROR_PREFIX",
    "ISSUE_TRACKER",
    "ExitCode",
    "JsonlGuardError",
    "exit_for",
    "internal_error",
]
