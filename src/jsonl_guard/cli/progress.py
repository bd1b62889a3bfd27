"""A progress bar for long checks: on a terminal only, on stderr, never in CI or pipes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

# Smaller files finish before a bar would be worth drawing.
MIN_PROGRESS_BYTES = 16 * 1024 * 1024


def wanted(stream: TextIO, enabled: bool) -> bool:
    if not enabled or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


@contextmanager
def file_progress(
    path: str, size: int, *, stream: TextIO | None = None, enabled: bool = True
) -> Iterator[Callable[[int], None] | None]:
    """Yield a ``progress(bytes_done)`` callback, or ``None`` when no bar is drawn."""
    target = sys.stderr if stream is None else stream
    if size < MIN_PROGRESS_BYTES or not wanted(target, enabled):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(file=target, no_color=bool(os.environ.get("NO_COLOR")))
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"checking {Path(path).name}", total=size)
        yield lambda done: bar.update(task, completed=done)
