"""``check --max-cost`` bounds the run: the training files' estimates summed (issue 11).

Two files that are each within the budget but together over it fail; a validation
file is not billed; a price nobody knows makes the budget an error, never "within".
Per-file budgets stay in the config (``max-cost`` in overrides: JG501 per file).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import EXAMPLES
from jsonl_guard import Checker, CheckOptions
from jsonl_guard.cli import main
from jsonl_guard.engine.checker import check_dataset

MODEL = "gpt-4o-mini-2024-07-18"  # $3.00 per 1M training tokens in the model table
# One copy of support-good.jsonl at 1 epoch: 14,944 tokens, $0.0448.
ONE_FILE = 0.0448


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two training files of the same size (not the same examples) and a validation file."""
    lines = (EXAMPLES / "support-good.jsonl").read_text("utf-8").splitlines(True)
    (tmp_path / "a.jsonl").write_text("".join(lines), "utf-8")
    for name, mark in (("b.jsonl", "B"), ("valid.jsonl", "V")):  # one token more per example
        text = "".join(x.replace('"content": "', f'"content": "{mark} ', 1) for x in lines)
        (tmp_path / name).write_text(text, "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", "--model", MODEL, "--epochs", "1", *argv])
    return code, capsys.readouterr().out


def test_each_file_within_but_the_run_over_the_budget_fails(data, capsys) -> None:
    assert check(capsys, "a.jsonl", "--max-cost", "0.06")[0] == 0
    assert check(capsys, "b.jsonl", "--max-cost", "0.06")[0] == 0
    code, out = check(capsys, "a.jsonl", "b.jsonl", "--max-cost", "0.06")
    assert code == 1
    budget_lines = [line for line in out.splitlines() if "JG501" in line]
    assert budget_lines == [
        "a.jsonl: JG501 error: the run's estimated cost $0.09 for 2 training file(s) is over "
        "the budget of $0.06 (--max-cost): a.jsonl $0.04, b.jsonl $0.04"
    ]
    assert "run budget: ≈ $0.09 for 2 training file(s), over the budget of $0.06" in out
    assert out.splitlines()[-1] == "Found 1 error(s) and 0 warning(s) in 2 files."


def test_within_the_run_budget_passes_and_says_so(data, capsys) -> None:
    code, out = check(capsys, "a.jsonl", "b.jsonl", "--max-cost", "0.10")
    assert code == 0
    assert "run budget: ≈ $0.09 for 2 training file(s), within the budget of $0.10" in out


def test_the_validation_file_is_not_billed(data, capsys) -> None:
    code, out = check(capsys, "a.jsonl", "--validation-file", "valid.jsonl", "--max-cost", "0.06")
    assert code == 0, out
    assert "run budget: ≈ $0.04 for 1 training file(s), within the budget of $0.06" in out


def test_an_unknown_price_fails_the_budget(data, capsys) -> None:
    code = main(["check", "a.jsonl", "--model", "gpt-4.1-mini-2025-04-14", "--max-cost", "10"])
    out = capsys.readouterr().out
    assert code == 1
    assert (
        "a.jsonl: JG501 error: the run's budget of $10.00 (--max-cost) cannot be checked: no "
        "training price is known for gpt-4.1-mini-2025-04-14 (a.jsonl)" in out
    )
    assert "within" not in out


def test_the_json_report_carries_the_run_budget(data, capsys) -> None:
    code, out = check(capsys, "a.jsonl", "b.jsonl", "--max-cost", "0.06", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["summary"]["max_cost_usd"] == 0.06
    assert report["summary"]["estimated_usd"] == pytest.approx(2 * ONE_FILE, abs=1e-3)
    errors = [
        [d["code"] for d in f["diagnostics"] if d["severity"] == "error"] for f in report["files"]
    ]
    assert errors == [["JG501"], []]  # once, on the first training file


def test_the_library_sums_the_training_files(data) -> None:
    checker = Checker(CheckOptions(model=MODEL, epochs=1))
    result = check_dataset(["a.jsonl", "b.jsonl"], checker_for=lambda _: checker, max_cost=0.06)
    assert result.budget is not None and result.budget.over
    assert result.budget.total_usd == pytest.approx(2 * ONE_FILE, abs=1e-3)
    assert [path for path, _ in result.budget.shares] == ["a.jsonl", "b.jsonl"]
    assert result.report.errors == 1 and not result.report.ok
    assert check_dataset(["a.jsonl"], checker_for=lambda _: checker).budget is None


def test_ignoring_jg501_drops_the_run_finding_too(data, capsys) -> None:
    code, _ = check(capsys, "a.jsonl", "b.jsonl", "--max-cost", "0.06", "--ignore", "JG501")
    assert code == 0
