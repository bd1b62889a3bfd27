from __future__ import annotations

from pathlib import Path

import pytest

from helpers import example, write_jsonl

pytest_plugins = ["pytester"]


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "good.jsonl", [example(i) for i in range(60)])
