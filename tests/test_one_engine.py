"""Every edge checks a dataset through the one engine, so they all say the same thing.

The dataset is a training file and the validation file named in the project's
config, with quicktok chosen in the config and replaced by a stand-in that
miscounts long texts: the spot-check must catch it everywhere (the counts are
tiktoken's), the validation file must be checked once, as validation, and the
example it shares with the training file must be JG305 in every edge.
"""

from __future__ import annotations

import json
import re
import runpy
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import jsonl_guard.engine.parallel as parallel
import jsonl_guard.tokens.backends as fast_tokens
from helpers import EXAMPLES, ROOT, example
from jsonl_guard import Checker, CheckOptions, check_shard_path, report_dict, shard_report
from jsonl_guard.cli import main
from jsonl_guard.testing import JsonlGuard

quicktok = pytest.importorskip("quicktok", reason='the "fast" extra is not installed')

TRAIN, VALID = "data/train.jsonl", "data/valid.jsonl"
CONFIG = f'[tool.jsonl-guard]\ntokenizer = "quicktok"\nvalidation-file = "{VALID}"\n'
FINDING = re.compile(r"^(\S+?):(?:(\d+):\d+:)? (JG\d{3}) ", re.MULTILINE)
# (file name, line or None, code)
Finding = tuple[str, "int | None", str]


class _Miscounting:
    """quicktok that counts one token too many in every text over 40 characters."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def count(self, text: str) -> int:
        return self.real.count(text) + (len(text) > 40)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    real = quicktok.get_encoding
    monkeypatch.setattr(quicktok, "get_encoding", lambda name: _Miscounting(real(name)))
    monkeypatch.setattr(fast_tokens, "SPOT_CHECK_EVERY", 1)
    (tmp_path / "data").mkdir()
    shutil.copy(EXAMPLES / "support-good.jsonl", tmp_path / TRAIN)
    (tmp_path / "pyproject.toml").write_text(CONFIG, "utf-8")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def write_validation(project: Path, *, shared: bool) -> None:
    lines = [json.dumps(example(100 + i)) for i in range(3)]
    if shared:  # line 5 of the training file, again as line 2 of the validation file
        lines.insert(1, (project / TRAIN).read_text("utf-8").splitlines()[4])
    (project / VALID).write_text("\n".join(lines) + "\n", "utf-8")


def reference() -> tuple[int, float]:
    """Training tokens and cost counted with tiktoken alone."""
    report = Checker(CheckOptions(tokenizer="tiktoken")).check_path(TRAIN)
    assert report.tokens is not None and report.cost is not None
    assert report.cost.estimated_usd is not None
    return report.tokens.total, report.cost.estimated_usd


def from_text(text: str) -> set[Finding]:
    return {
        (Path(path).name, int(line) if line else None, code)
        for path, line, code in FINDING.findall(text)
    }


def cli_edge(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *paths, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def json_findings(data: dict[str, Any]) -> set[Finding]:
    return {
        (Path(f["path"]).name, d["line"], d["code"])
        for f in data["files"]
        for d in f["diagnostics"]
    }


def test_every_edge_reports_the_same_dataset_the_same_way(
    pytester: pytest.Pytester, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pytester comes first: it changes the working directory, then ``project`` does.
    write_validation(project, shared=True)
    tokens, usd = reference()

    # The CLI, given the files, a directory that holds both, or only the training file.
    runs = [cli_edge(capsys, TRAIN, VALID), cli_edge(capsys, "data"), cli_edge(capsys, TRAIN)]
    for code, data in runs:
        assert code == 1
        files = data["files"]
        assert [(f["path"], f["role"]) for f in files] == [
            (TRAIN, "training"),
            (VALID, "validation"),
        ]
        assert files[0]["tokens"]["total"] == tokens
        assert "quicktok disagreed" in files[0]["tokens"]["tokenizer"]
        assert files[0]["cost"]["estimated_usd"] == usd
    expected = json_findings(runs[0][1])
    assert all(json_findings(data) == expected for _, data in runs)
    assert ("valid.jsonl", 2, "JG305") in expected
    errors = {f for f in expected if f[2] in ("JG305",)}

    # jsonl_guard.testing, as a test suite would call it.
    report = JsonlGuard.from_project(project).check_dataset([TRAIN])
    assert json_findings(report_dict(report)) == expected
    assert report.files[0].tokens is not None and report.files[0].tokens.total == tokens

    # finetune refuses, with the same error, before anything is uploaded.
    code = main(["finetune", TRAIN, "--dry-run"])
    out = capsys.readouterr()
    assert code == 1
    assert from_text(out.out + out.err) >= errors

    # The pytest plugin: the validation item fails with JG305, the training item passes.
    pytester.chdir()
    shutil.copytree(project / "data", pytester.path / "data")
    shutil.copy(project / "pyproject.toml", pytester.path / "pyproject.toml")
    result = pytester.runpytest_inprocess("--jsonl-guard", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert from_text(result.stdout.str()) >= errors
    assert result.ret == 1


def test_a_clean_dataset_costs_the_same_in_every_edge(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_validation(project, shared=False)
    tokens, usd = reference()
    code, data = cli_edge(capsys, "data")
    assert code == 0
    assert data["files"][0]["tokens"]["total"] == tokens

    code = main(["finetune", TRAIN, "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"({_count(out, 'examples')} examples, {tokens:,} tokens)" in out
    assert f"estimated cost: ${usd:,.2f}" in out

    options = JsonlGuard.from_project(project).options_for(TRAIN)
    shard = check_shard_path(Checker(options), TRAIN)
    merged = shard_report(Checker(options), shard, path=TRAIN)
    assert merged.tokens is not None and merged.cost is not None
    assert merged.tokens.total == tokens
    assert "quicktok disagreed" in merged.tokens.tokenizer

    # examples/dask_check.py: shards on Dask workers (threads here), merged.
    pytest.importorskip("dask")
    monkeypatch.setattr(sys, "argv", ["dask_check.py", TRAIN, "--format", "json"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(ROOT / "examples" / "dask_check.py"), run_name="__main__")
    dask_file = json.loads(capsys.readouterr().out)["files"][0]
    assert exited.value.code == 0
    assert dask_file["tokens"]["total"] == tokens
    assert dask_file["cost"]["estimated_usd"] == usd

    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    result = Checker(options).check_dataset([TRAIN], VALID, jobs=2).report
    assert result.files[0].tokens is not None
    assert result.files[0].tokens.total == tokens
    assert "quicktok disagreed" in result.files[0].tokens.tokenizer
    assert result.errors == 0


def _count(text: str, unit: str) -> str:
    found = re.search(rf"\(([\d,]+) {unit}", text)
    assert found is not None
    return found.group(1)
