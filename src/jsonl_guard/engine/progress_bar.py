"""``check_path(..., progress=True)``: a ``tqdm.auto`` progress bar.

``tqdm.auto`` draws a widget in Jupyter and Colab (where ``!jsonl-guard`` is no
terminal and the CLI's own bar stays silent) and text on a terminal. It is the
caller's explicit choice, so the library draws it (on stderr, as tqdm does); tqdm is
the ``[notebook]`` extra, and a missing one is a clear error, not a silent no-op.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import JsonlGuardError


class ProgressUnavailable(JsonlGuardError):
    """``progress=True`` without tqdm installed."""


@contextmanager
def progress_bar(path: str | os.PathLike[str]) -> Iterator[Callable[[int], None]]:
    """A callback taking the bytes checked so far, drawn as a bar over the file's size."""
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ProgressUnavailable(
            'progress=True draws a tqdm bar: pip install "jsonl-guard[notebook]" (or tqdm)'
        ) from error
    try:
        size: int | None = Path(path).stat().st_size
    except (OSError, ValueError):
        size = None  # the check reports why it cannot be read
    with tqdm(total=size, unit="B", unit_scale=True, desc=os.fspath(path)) as bar:

        def update(done: int) -> None:
            bar.update(max(0, done - bar.n))

        yield update
        if size is not None:  # lines are reported every few hundred: finish the bar
            bar.update(max(0, size - bar.n))
