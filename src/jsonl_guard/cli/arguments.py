"""What every command shares about its arguments: the parser, and ``type=`` validators.

``Parser`` never takes an abbreviation (``--mod`` is not ``--model``: a prefix that
works today would silently mean another option once a longer flag is added) and
suggests the closest option for one it does not know. Each validator turns the text
of an option into its value or raises ``argparse.ArgumentTypeError`` with the
reason, which argparse prints after the option's name (exit 2).
"""

from __future__ import annotations

import argparse
import difflib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..engine.config import tokenizer_path
from ..errors import JsonlGuardError
from ..tokens.backends import TOKENIZERS, is_tokenizer_file

# Where ``Parser.parse_known_args`` leaves its suggestions: a sub-command's parser
# shares the namespace with the top-level parser that reports the unknown option.
_SUGGESTIONS = "_jsonl_guard_suggestions"


class UsageError(JsonlGuardError):
    """Bad arguments or inputs that the user must fix before anything can be checked."""


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` without abbreviations, suggesting the closest option.

    Sub-parsers (``add_subparsers().add_parser``) are of this class too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        namespace = parsed if parsed is not None else argparse.Namespace()
        suggestions: dict[str, str] = getattr(namespace, _SUGGESTIONS, {})
        flags = [flag for flag in self._option_string_actions if flag.startswith("--")]
        for extra in extras:
            word = extra.split("=", 1)[0]
            if word.startswith("--") and word not in suggestions:
                close = difflib.get_close_matches(word, flags, n=1, cutoff=0.6)
                if close:
                    suggestions[word] = close[0]
        if suggestions:
            setattr(namespace, _SUGGESTIONS, suggestions)
        return namespace, extras

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(unknown_arguments(parsed, extras))
        return clean(parsed)

    def parse_intermixed_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_intermixed_args(args, namespace)
        if extras:
            self.error(unknown_arguments(parsed, extras))
        return clean(parsed)


def unknown_arguments(namespace: argparse.Namespace, extras: Sequence[str]) -> str:
    """argparse's message, with "did you mean" for each option that has a close one."""
    message = f"unrecognized arguments: {' '.join(extras)}"
    suggestions: dict[str, str] = getattr(namespace, _SUGGESTIONS, {})
    if len(suggestions) == 1:
        return f"{message}; did you mean {next(iter(suggestions.values()))}?"
    hints = [f"{word}: did you mean {flag}?" for word, flag in suggestions.items()]
    return "; ".join([message, *hints])


def clean(namespace: argparse.Namespace) -> argparse.Namespace:
    if hasattr(namespace, _SUGGESTIONS):
        delattr(namespace, _SUGGESTIONS)
    return namespace


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
    """A duration: a number of seconds above zero and finite (never nan or inf)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < number < math.inf:
        raise argparse.ArgumentTypeError(f"{value!r} must be a finite number of seconds above 0")
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
    value = tokenizer_path(value)  # a model folder: its tokenizer.json
    if value in TOKENIZERS or is_tokenizer_file(value):
        return value
    raise argparse.ArgumentTypeError(
        f"{value!r}: choose auto, tiktoken, quicktok, a path to a tokenizer.json or a model "
        "folder holding one"
    )


def template_file(value: str) -> str:
    """A ``--chat-template`` file: it must be there (read when the tokenizer loads)."""
    if not Path(value).is_file():
        raise argparse.ArgumentTypeError(f"{value!r}: no such file (a Jinja chat template)")
    return value
