"""Check one big file on several cores: byte ranges, forked workers, merged shards.

The file is cut into ranges that start on line boundaries. Each range is checked
in a forked worker process, which shares the parent's loaded vocab (tiktoken's or
quicktok's) copy-on-write (a spawned worker would spend 0.3-0.5 s re-loading it, and
hold a copy of its own: ~70 MB a worker), and comes
back as a ``Shard`` numbered from its own first line. Shards merge in file order,
so the report is identical to the single-process one. Where ``fork`` is not
available (Windows; macOS defaults to spawn), or the file is small, the check
stays in this process.
"""

from __future__ import annotations

import functools
import gc
import itertools
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

from ..tokens.backends import Sample
from .columns import hand_off_directory, hand_off_to
from .file_run import FileRun
from .lines import DEFAULT_MAX_LINE_BYTES, line_bytes, read_lines, skip_line
from .shards import Shard
from .spot_check import ignore_interrupts

# Below this size forking costs more than it saves (measured on 2 cores).
MIN_PARALLEL_BYTES = 8 * 1024 * 1024
# Ranges per worker: while the last range runs, the other workers may sit idle, so
# many small ranges keep the cores busy to the end (each costs a task and a shard).
RANGES_PER_JOB = 16


def range_count(size: int, jobs: int) -> int:
    """How many ranges to cut a file of ``size`` bytes into for ``jobs`` workers."""
    return max(1, min(worker_count(jobs) * RANGES_PER_JOB, size))


def worker_count(jobs: int, tasks: int | None = None) -> int:
    """Workers to fork for ``jobs`` requested: never more than the cores or the tasks.

    More processes than cores only compete for them (``--jobs 100000`` would fork a
    hundred thousand), and more than the ranges sit idle.
    """
    cores = os.cpu_count() or 1
    return max(1, min(jobs, cores, cores if tasks is None else tasks))


_WORKER_RUN: FileRun | None = None


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def byte_ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    """``parts`` (or fewer) ranges covering the file, each starting at a line start."""
    size = path.stat().st_size
    bounds = [0]
    with path.open("rb") as stream:
        for part in range(1, parts):
            stream.seek(max(size * part // parts - 1, bounds[-1]))
            skip_line(stream)  # to just after the next newline: a line start
            position = stream.tell()
            if bounds[-1] < position < size:
                bounds.append(position)
    bounds.append(size)
    return list(itertools.pairwise(bounds))


def range_lines(
    path: Path, start: int, end: int, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> Iterator[bytes]:
    """The lines of a range (read as every path reads: over-long lines as markers)."""
    with path.open("rb") as stream:
        stream.seek(start)
        lines = read_lines(stream, max_line_bytes)
        remaining = end - start
        while remaining > 0:
            line = next(lines, None)
            if line is None:
                return
            remaining -= line_bytes(line)
            yield line


def _check_range(task: tuple[str, int, int]) -> tuple[Shard, list[Sample]]:
    """One range's shard and quicktok's spot-check samples."""
    path, start, end = task
    run = _WORKER_RUN
    assert run is not None
    run.progress = None  # only the parent draws progress
    lines = range_lines(Path(path), start, end, run.checker.options.max_line_bytes)
    shard = run.feed(lines, file_start=start == 0)
    return shard, run.take_spot_samples()


def _start_worker(spill_dir: str) -> None:
    """A worker leaves Ctrl-C to the parent, and hands its spilled columns over as
    files in ``spill_dir`` (engine/columns.py), not through the result pipe."""
    ignore_interrupts()
    hand_off_to(spill_dir)


def check_ranges(run: FileRun, path: Path, ranges: list[tuple[int, int]], jobs: int) -> Shard:
    """Check the ranges in ``jobs`` forked workers and merge them in order.

    The vocab (tiktoken's or quicktok's) loads once, before forking, so the workers
    share its pages. quicktok's samples are recounted with tiktoken once the workers
    are gone and quicktok is let go (``FileRun.verify``): no two vocabs at once.
    Raises ``TokenizerMismatch`` when tiktoken counts a sample otherwise.
    """
    global _WORKER_RUN
    progress = run.progress
    run.line_checker.warm_up()
    _WORKER_RUN = run
    merged = Shard()  # each shard is appended as it arrives, then dropped
    samples: list[Sample] = []
    # Objects that exist now are never collected in the workers: a collection would
    # write to every tracked object's header, copying the pages they share with this
    # process (the modules, rules and schemas; measured in docs/performance.md, "Memory").
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        workers = worker_count(jobs, len(ranges))
        # The workers' spilled columns come back as files in ``spill_dir``, each
        # unlinked as soon as this process opens it; whatever is left (a worker stopped
        # by Ctrl-C or an error) goes with the directory, after the pool has ended its
        # workers. In the system temp dir, never beside the user's file.
        with (
            hand_off_directory() as spill_dir,
            context.Pool(workers, functools.partial(_start_worker, spill_dir)) as pool,
        ):
            tasks = [(str(path), a, b) for a, b in ranges]
            for (_, end), (shard, sampled) in zip(
                ranges, pool.imap(_check_range, tasks), strict=True
            ):
                merged.absorb(shard)
                samples += sampled
                if progress is not None:
                    progress(end)
    finally:
        gc.unfreeze()
        _WORKER_RUN = None
    run.verify(samples)
    return merged


def parallel_jobs(requested: int | None) -> int:
    """``None`` or 0 means every core; more than the cores is capped at the cores."""
    return worker_count(requested or os.cpu_count() or 1)
