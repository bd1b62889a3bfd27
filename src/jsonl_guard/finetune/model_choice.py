"""The model of a run whose user named none: the one the file's format is for.

``check`` checks a Vertex file against Gemini's default model when no ``--model`` is
given; ``finetune`` must do the same before it chooses the platform, or a Gemini file
would be sent toward OpenAI (and told to convert itself back to OpenAI's format). The
format is detected from the file's first example, as ``check`` detects it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..engine.file_run import model_chosen
from ..engine.lines import open_input
from ..engine.options import CheckOptions
from ..engine.profiles import choose_profile
from ..errors import JsonlGuardError

# Lines read at most to find the first example (blank lines and comments are skipped).
HEAD_LINES = 64


def _first_example(path: Path, max_line_bytes: int) -> Any:
    with open_input(path, str(path)) as source:
        for number, line in enumerate(source.lines(max_line_bytes)):
            if number >= HEAD_LINES:
                return None
            if not isinstance(line, bytes) or not line.strip():
                continue
            try:
                return json.loads(line)
            except ValueError:
                return None  # the check reports it, at its line
    return None


def with_implied_model(training: Path, options: CheckOptions) -> CheckOptions:
    """``options`` with the default model of the training file's format when no model was
    chosen; unchanged when one was, or when the file cannot be read here (the check
    says why)."""
    if model_chosen(options):
        return options
    try:
        example = _first_example(training, options.max_line_bytes)
    except (JsonlGuardError, OSError, RecursionError):
        return options
    if not isinstance(example, dict):
        return options
    try:
        detection = choose_profile(
            example, model=None, chosen=options.profile, chosen_source=options.profile_source
        )
    except JsonlGuardError:
        return options
    return replace(options, model=detection.profile.default_model, model_source="format")


__all__ = ["with_implied_model"]
