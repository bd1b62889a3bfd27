"""finetune/time_limit.py: the run's --timeout as each request of a backend sees it."""

from __future__ import annotations

import pytest

from jsonl_guard.finetune.backend import TimeLimitReached
from jsonl_guard.finetune.time_limit import TimedRequests


def timed(left: float | None) -> tuple[TimedRequests, list[float]]:
    slept: list[float] = []
    requests = TimedRequests(sleep=slept.append)
    if left is not None:
        requests.set_time_limit(lambda: left)
    return requests, slept


def test_without_a_limit_the_usual_timeout_stands_and_waits_sleep() -> None:
    requests, slept = timed(None)
    assert requests._attempt_timeout(120.0) == 120.0
    assert requests._attempt_timeout(None) is None
    assert not requests._out_of_time()
    requests._wait(8.0, None)
    assert slept == [8.0]


def test_the_timeout_is_cut_to_the_time_left() -> None:
    requests, _ = timed(3.5)
    assert requests._attempt_timeout(120.0) == 3.5
    assert requests._attempt_timeout(2.0) == 2.0
    assert requests._attempt_timeout(None) == 3.5


@pytest.mark.parametrize("left", [0.0, -1.0])
def test_no_time_left_raises_before_the_request(left: float) -> None:
    requests, _ = timed(left)
    with pytest.raises(TimeLimitReached, match="--timeout ran out"):
        requests._attempt_timeout(120.0)
    assert requests._out_of_time()


def test_a_wait_that_would_outlast_the_run_raises_instead_of_sleeping() -> None:
    requests, slept = timed(2.0)
    requests._wait(1.5, None)
    cause = OSError("connection reset")
    with pytest.raises(TimeLimitReached) as caught:
        requests._wait(2.0, cause)
    assert slept == [1.5]
    assert caught.value.__cause__ is cause


def test_a_backend_sets_its_own_margin() -> None:
    class Patient(TimedRequests):
        out_of_time_margin = 1.0

    requests = Patient(sleep=lambda _: None)
    requests.set_time_limit(lambda: 0.5)
    assert requests._out_of_time()
    assert not timed(0.5)[0]._out_of_time()
