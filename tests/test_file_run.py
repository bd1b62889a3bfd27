"""One file, one run: its profile is decided once, from its head, before any split."""

from __future__ import annotations

import json

import pytest

from jsonl_guard import Checker, CheckOptions
from jsonl_guard.engine.parallel import fork_available

DPO = {
    "input": {"messages": [{"role": "user", "content": "Is the shop open on Sunday?"}]},
    "preferred_output": [{"role": "assistant", "content": "Yes, from ten to four."}],
    "non_preferred_output": [{"role": "assistant", "content": "No idea."}],
}
CHAT = {
    "messages": [
        {"role": "user", "content": "My order arrived with a bent wheel. " * 10},
        {"role": "assistant", "content": "Sorry about that: send a photo and we replace it. " * 10},
    ]
}


@pytest.mark.skipif(not fork_available(), reason="needs the fork start method")
@pytest.mark.parametrize("jobs", [2, 3])
def test_a_file_whose_head_is_another_format_gets_one_profile_in_every_range(
    tmp_path, jobs
) -> None:
    # Each byte range used to detect its own profile: a DPO head and a chat body billed
    # 0 tokens in one process and millions in workers. The head decides, once.
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([json.dumps(DPO)] * 3 + [json.dumps(CHAT)] * 400) + "\n", "utf-8")
    checker = Checker(CheckOptions())
    single = checker.check_path(path)
    parallel = checker.check_path(path, jobs=jobs, min_parallel_bytes=0)
    assert single.format == parallel.format == "openai-dpo"
    assert parallel == single
    assert [d.line for d in single.diagnostics if d.code == "JG130"] == [4]


def test_the_file_opened_by_a_run_is_detected_from_its_first_object() -> None:
    run = Checker(CheckOptions()).open()
    lines = [b"", b"not json", json.dumps(DPO).encode(), json.dumps(CHAT).encode()]
    assert list(run.detect_from(lines)) == lines
    assert run.detection is not None and run.detection.profile.name == "openai-dpo"
    shard = run.feed(lines)
    assert shard.detection == run.detection
    assert run.finish("f", shard).format == "openai-dpo"
