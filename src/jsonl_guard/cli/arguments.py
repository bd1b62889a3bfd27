"""The argparse ``type=`` validators every command shares, and ``UsageError``: bad values
are usage errors.

Each turns the text of an option into its value or raises
``argparse.ArgumentTypeError`` with the reason, which argparse prints after the
option's name (exit 2).
"""

from __future__ import annotations

import argparse
import math

from ..errors import JsonlGuardError
from ..tokens.backends import TOKENIZERS, is_tokenizer_file


class UsageError(JsonlGuardError):
    """Bad arguments or inputs that the user must fix before anything can be checked."""


def _whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None


def positive_int(value: str) -> int:
    number = _whole_number(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be at least 1")
    return number


def non_negative_int(value: str) -> int:
    number = _whole_number(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be zero or more")
    return number


def positive_float(value: str) -> float:
    """A number above zero and below infinity (seconds, say)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < number < math.inf:
        raise argparse.ArgumentTypeError(f"{value!r} must be more than zero")
    return number


def budget(value: str) -> float:
    """An amount of US dollars, zero or more (``5``, ``$5``, ``0.5``); never nan or infinite."""
    try:
        number = float(value.lstrip("$"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an amount in US dollars") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{value!r} must be a finite amount, zero or more")
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be zero or more")
    return number


def tokenizer_choice(value: str) -> str:
    if value in TOKENIZERS or is_tokenizer_file(value):
        return value
    raise argparse.ArgumentTypeError(
        f"{value!r}: choose auto, tiktoken, quicktok or a path to a tokenizer.json"
    )
