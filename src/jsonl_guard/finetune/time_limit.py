"""The run's ``--timeout`` as each request of a backend sees it.

Every backend that sends its own requests honours the same contract
(``finetune.backend``: no request, retry or wait may outlast ``time_left()``), so the
arithmetic lives here once: how long the next attempt may take, whether a timed-out
request used up the run's time, and a wait between retries that never sleeps past it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .backend import TimeLeft, TimeLimitReached

# A request that timed out with less than this left (seconds) used up the run's time.
OUT_OF_TIME = 0.05


class TimedRequests:
    """A mixin for a ``FinetuneBackend``: ``set_time_limit`` and the helpers its retry
    loop uses. ``_timeout`` is the usual per-request timeout (``None``: the SDK's)."""

    out_of_time_margin: float = OUT_OF_TIME

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._time_left: TimeLeft | None = None
        self._sleep = sleep

    def set_time_limit(self, time_left: TimeLeft | None) -> None:
        self._time_left = time_left

    def _left(self) -> float | None:
        return None if self._time_left is None else self._time_left()

    def _attempt_timeout(self, usual: float | None) -> float | None:
        """The next attempt's timeout: ``usual`` cut to the time left (``None``: no limit
        and no usual timeout). Raises ``TimeLimitReached`` when no time is left."""
        left = self._left()
        if left is None:
            return usual
        if left <= 0:
            raise TimeLimitReached("the run's --timeout ran out")
        return left if usual is None else min(usual, left)

    def _out_of_time(self) -> bool:
        left = self._left()
        return left is not None and left <= self.out_of_time_margin

    def _wait(self, seconds: float, error: BaseException | None) -> None:
        """Sleep before a retry, or raise ``TimeLimitReached`` if the run would be over."""
        left = self._left()
        if left is not None and seconds >= left:
            raise TimeLimitReached("the run's --timeout ran out") from error
        self._sleep(seconds)
