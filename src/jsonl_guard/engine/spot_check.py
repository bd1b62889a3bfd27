"""Recount quicktok's spot-check samples with tiktoken, never beside quicktok's vocab.

quicktok's vocab is 65 MB of heap, tiktoken's 50 (72 while it loads), a process with
neither ~30 MB: holding both at once, in one process or in two of one process tree,
breaks the 150 MB budget (docs/performance.md, "Memory"). So when a file's lines are
counted, the process lets go of quicktok (its counters and quicktok's own cache),
gives the freed pages back to the system, and only then is tiktoken loaded to recount
the samples, in a forked child that takes its vocab with it when it exits: the next
file's lines are counted by a process that never held tiktoken.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterable

from ..heap import trim_heap
from ..tokens.backends import Sample, first_mismatch, release_quicktok
from ..tokens.encodings import release_encodings
from ..tokens.methods import TokenTools


def recount(samples: list[Sample], holders: Iterable[TokenTools]) -> tuple[str, int, int] | None:
    """``first_mismatch(samples)``, once the ``holders`` (the quicktok counters of this
    process) have let go of quicktok's vocab."""
    if not samples:
        return None
    for tools in holders:
        tools.release()
    for encoding_name in {sample[0] for sample in samples}:
        release_quicktok(encoding_name)
    trim_heap()
    if not _can_fork():
        return first_mismatch(samples)  # tiktoken loads here, after quicktok left
    with multiprocessing.get_context("fork").Pool(1, ignore_interrupts) as verifier:
        return verifier.apply(first_mismatch, (samples,))


def let_go_of_tiktoken(holders: Iterable[TokenTools]) -> None:
    """Before quicktok's vocab loads for a file, let go of tiktoken's, which an earlier
    file of the run was counted with (``auto`` counts a small file with tiktoken, say the
    validation file, then a big one with quicktok): both at once are 115 MB of vocab,
    over the budget with the rest of a check. The next tiktoken count loads it again."""
    for tools in holders:
        tools.release()
    if release_encodings():
        trim_heap()


def _can_fork() -> bool:
    """Not on Windows (no fork), nor in a daemonic process (a pool's worker, a Dask
    worker running ``check_shard``), which multiprocessing forbids to have children."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def ignore_interrupts() -> None:
    """A child leaves Ctrl-C to its parent, which ends it: one message, not one
    traceback per process (a terminal sends SIGINT to the whole process group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
