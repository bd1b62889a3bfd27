"""``jsonl-guard diff``: what changed between two versions of a dataset, and its gates.

The fixtures (tests/fixtures/diff/): ``base.jsonl`` holds 10 examples; ``head.jsonl``
holds 9 of them reversed, 2 new ones and one with an unknown role (JG201, an error);
``reordered.jsonl`` is ``base.jsonl`` rotated. Sides are real reports of real checks.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import FIXTURES, example, write_jsonl
from jsonl_guard import Checker, CheckOptions, check_path
from jsonl_guard.cli import main
from jsonl_guard.engine.diff import Change, diff_sides
from jsonl_guard.engine.diff_gates import Gates, Limit, evaluate
from jsonl_guard.engine.diff_input import (
    FileSide,
    RuleCount,
    TokenFigures,
    sides_of_document,
    sides_of_report,
)
from jsonl_guard.engine.report import Report, report_dict

DIFF = FIXTURES / "diff"
BASE, HEAD, REORDERED = DIFF / "base.jsonl", DIFF / "head.jsonl", DIFF / "reordered.jsonl"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what an earlier check printed is not the diff's
    code = main(["diff", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code, out, err = _run(capsys, *argv, "--format", "json")
    assert code in (0, 1), err
    return code, json.loads(out)


def _save_report(path: Path, dataset: Path, *extra: str) -> Path:
    assert main(["check", str(dataset), "--format", "json", "--output", str(path), *extra]) in (
        0,
        1,
    )
    return path


# --- what changed ---------------------------------------------------------------------


def test_added_removed_tokens_cost_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = _json(capsys, str(BASE), str(HEAD))
    assert code == 0  # no gate asked for
    (file,) = document["files"]  # type: ignore[index]
    assert file["status"] == "changed"
    assert (file["before_path"], file["after_path"]) == (str(BASE), str(HEAD))
    assert file["examples"] == {"before": 10, "after": 12, "delta": 2, "percent": 20.0}
    assert (file["added"], file["removed"]) == (3, 1)  # reversing the 9 kept is no change
    base, head = check_path(BASE), check_path(HEAD)
    assert base.tokens is not None and head.tokens is not None
    assert file["tokens"]["total"]["before"] == base.tokens.total
    assert file["tokens"]["total"]["after"] == head.tokens.total
    for key in ("p50", "p90", "max"):
        assert file["tokens"][key]["before"] == getattr(base.tokens.per_example, key)
        assert file["tokens"][key]["after"] == getattr(head.tokens.per_example, key)
    assert base.cost is not None and head.cost is not None
    assert file["estimated_usd"]["before"] == base.cost.estimated_usd
    assert file["estimated_usd"]["after"] == head.cost.estimated_usd
    rules = {rule["code"]: rule for rule in file["rules"]}
    assert rules["JG201"] == {
        "code": "JG201",
        "name": "unknown-role",
        "severity": "error",
        "before": 0,
        "after": 1,
        "new": 1,
        "fixed": 0,
    }
    assert file["new_errors"] == document["summary"]["new_errors"] == 1  # type: ignore[index]


def test_reordering_is_no_change(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(BASE), str(REORDERED), "--fail-on", "new-errors")
    assert code == 0
    assert "reordered.jsonl (base: tests" in out or "reordered.jsonl (base: " in out
    assert ": no change\n" in out and "0 added, 0 removed" in out


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=12), st.randoms())
def test_added_and_removed_are_the_multiset_difference(
    picks: list[int], rng: random.Random
) -> None:
    """Any head built from any base: added/removed are exactly the multiset difference of
    the examples, whatever the order, and the counts balance."""
    base = [example(i % 5) for i in range(6)]
    head = [example(i) for i in picks]
    rng.shuffle(head)
    checker = Checker(CheckOptions(ignore=("JG3",)))
    with tempfile.TemporaryDirectory() as scratch:  # a fresh folder per example
        folder = Path(scratch)
        sides = []
        for name, rows in (("a.jsonl", base), ("b.jsonl", head)):
            report = checker.check_paths([write_jsonl(folder / name, rows)])
            sides.append(sides_of_report(report))
    (file,) = diff_sides(*sides).files
    key = [json.dumps(row, sort_keys=True) for row in base]
    after = [json.dumps(row, sort_keys=True) for row in head]
    assert file.added == sum((Counter(after) - Counter(key)).values())
    assert file.removed == sum((Counter(key) - Counter(after)).values())
    assert len(base) + file.added - file.removed == len(head)


def test_example_hashes_do_not_depend_on_shards_and_reversing_is_no_change(
    tmp_path: Path,
) -> None:
    rows = [example(i) for i in range(400)]
    forward = write_jsonl(tmp_path / "forward.jsonl", rows)
    backward = write_jsonl(tmp_path / "backward.jsonl", rows[::-1])
    checker = Checker(CheckOptions())
    one = report_dict(Report((checker.check_path(forward),)))["files"][0]
    sharded = checker.check_path(forward, jobs=4, min_parallel_bytes=0)
    assert report_dict(Report((sharded,)))["files"][0]["example_hashes"] == one["example_hashes"]
    assert len(one["example_hashes"]) == 16 * 400
    hashes = one["example_hashes"]
    reversed_ = report_dict(Report((checker.check_path(backward),)))["files"][0]
    backwards = [hashes[i : i + 16] for i in range(0, len(hashes), 16)][::-1]
    assert reversed_["example_hashes"] == "".join(backwards)  # file order
    (file,) = diff_sides(
        sides_of_document({"version": 1, "files": [one]}, "a"),
        sides_of_document({"version": 1, "files": [reversed_]}, "b"),
    ).files
    assert (file.added, file.removed, file.status) == (0, 0, "unchanged")


def test_files_pair_by_path_and_new_or_gone_files_count_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    for side in ("old", "new"):
        write_jsonl(tmp_path / side / "same.jsonl", [example(i) for i in range(3)])
    write_jsonl(tmp_path / "old" / "gone.jsonl", [example(7)])
    write_jsonl(tmp_path / "new" / "fresh.jsonl", [example(8), example(9)])
    write_jsonl(tmp_path / "new" / "fresher.jsonl", [example(10)])
    base = _save_report(tmp_path / "base.json", tmp_path / "old")
    head = _save_report(tmp_path / "head.json", tmp_path / "new")
    # Paths differ by folder; pair them the way a PR's checkout would see them.
    for report in (base, head):
        text = report.read_text("utf-8").replace(str(tmp_path / "old"), "d")
        report.write_text(text.replace(str(tmp_path / "new"), "d"), "utf-8")
    _, document = _json(capsys, str(base), str(head))
    status = {f["path"]: (f["status"], f["added"], f["removed"]) for f in document["files"]}  # type: ignore[index]
    assert status == {
        "d/same.jsonl": ("unchanged", 0, 0),
        "d/fresh.jsonl": ("new", 2, 0),
        "d/fresher.jsonl": ("new", 1, 0),
        "d/gone.jsonl": ("gone", 0, 1),
    }


# --- gates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate", "code", "words"),
    [
        (["--fail-on", "new-errors"], 1, "1 new error finding(s): JG201 +1"),
        (["--max-token-growth", "10%"], 1, "+26.5%: 16.5 points over the 10% allowed"),
        (["--max-token-growth", "30%"], 0, "+26.5%: within 30%"),
        (["--max-cost-increase", "1%"], 1, "+1.3%: 0.3 points over the 1% allowed"),
        (["--max-cost-increase", "$0.0001"], 1, "$0.0001 over the $0.0001 allowed"),
        (["--max-cost-increase", "5"], 0, "within $5.00"),
    ],
)
def test_each_gate_trips_with_how_much(
    capsys: pytest.CaptureFixture[str], gate: list[str], code: int, words: str
) -> None:
    result, out, _ = _run(capsys, str(BASE), str(HEAD), *gate)
    assert result == code, out
    assert words in out
    gate_line = next(line for line in out.splitlines() if gate[0] in line and words in line)
    assert gate_line.split()[0] == ("FAIL" if code else "ok")


def test_gates_in_markdown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, str(BASE), str(HEAD), "--fail-on", "new-errors", "--format", "markdown"
    )
    assert code == 1
    assert out.startswith("## jsonl-guard diff: ❌ 1 gate(s) tripped\n")
    assert "- ❌ `--fail-on new-errors`: 1 new error finding(s): JG201 +1" in out
    code, document = _json(capsys, str(BASE), str(HEAD), "--max-token-growth", "50%")
    assert code == 0 and document["tripped"] is False
    assert document["gates"] == [  # type: ignore[comparison-overlap]
        {
            "gate": "--max-token-growth 50%",
            "tripped": False,
            "message": "tokens 506 → 640, +26.5%: within 50%",
        }
    ]
    assert document["kind"] == "jsonl-guard diff" and document["version"] == 1


def test_growth_from_nothing_trips_any_percentage() -> None:
    empty = FileSide("a.jsonl", hashes=Counter(), cost_usd=0.0)
    grown = FileSide("a.jsonl", examples=1, hashes=Counter({"0" * 16: 1}), cost_usd=0.5)
    (result,) = evaluate(diff_sides([empty], [grown]), Gates(max_cost_increase=Limit(900, True)))
    assert result.tripped and "from nothing" in result.message


def test_an_unknown_price_cannot_pass_a_cost_gate() -> None:
    unknown = FileSide("a.jsonl", examples=1, tokens=TokenFigures(9, 9, 9, 9), model="mystery")
    known = FileSide("a.jsonl", examples=1, cost_usd=0.25)
    (result,) = evaluate(diff_sides([unknown], [known]), Gates(max_cost_increase=Limit(1, False)))
    assert result.tripped and "the base's estimated cost is unknown" in result.message


def test_change_percent_and_delta() -> None:
    assert Change(200, 250).percent == 25.0 and Change(200, 250).delta == 50
    assert Change(0, 5).percent is None and Change(None, 5).delta is None
    assert Change(0.1, 0.3).delta == 0.2  # no float noise


# --- usage errors: exit 2 with a message, never a traceback ----------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--max-cost-increase", "nan"], "'nan' must be a finite number"),
        (["--max-cost-increase", "-1"], "'-1' must be zero or more"),
        (["--max-cost-increase", "lots"], "'lots' is not an amount in US dollars"),
        (["--max-token-growth", "10"], "write the growth as a percentage, e.g. 10%"),
        (["--max-token-growth", "inf%"], "must be a finite number"),
        (["--fail-on", "warnings"], "invalid choice: 'warnings'"),
    ],
)
def test_bad_limits_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    with pytest.raises(SystemExit) as stopped:  # argparse's own exit 2, with the usage
        main(["diff", str(BASE), str(HEAD), *argv])
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and words in captured.err


def test_an_unknown_side_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "nowhere.jsonl", str(HEAD))
    assert code == 2 and out == ""
    assert "BASE nowhere.jsonl: no such file, directory or glob, and not REV:path" in err


def test_reports_from_other_versions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = json.loads(_save_report(tmp_path / "r.json", BASE).read_text("utf-8"))
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**report, "version": 2}), "utf-8")
    code, _, err = _run(capsys, str(newer), str(HEAD))
    assert code == 2
    assert "is a version 2 report, written by a newer jsonl-guard; this one reads version 1" in err

    # Version 1 from before example hashes: everything but added/removed still compares.
    for file in report["files"]:
        del file["example_hashes"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(report), "utf-8")
    code, out, _ = _run(capsys, str(older), str(HEAD), "--fail-on", "new-errors")
    assert code == 1
    assert "added/removed unknown (a report without example hashes)" in out
    assert "JG201 unknown-role +1 (error)" in out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[1, 2]", 'is not a jsonl-guard JSON report (no "files" list)'),
        ('{"files": []}', 'has no valid report "version"'),
        ('{"version": 1, "files": [{"path": 3}]}', "is not a well-formed version 1 report"),
        ('{\n  "version": 1,', "is not a JSON report"),
    ],
)
def test_a_broken_report_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, words: str
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(content, "utf-8")
    code, out, err = _run(capsys, str(broken), str(HEAD))
    assert code == 2 and out == ""
    assert f"BASE {broken} {words}" in err


def test_a_report_cannot_smuggle_markup_through_a_rule() -> None:
    entry = {"path": "a", "examples": 1, "diagnostics": []}
    entry["not_shown"] = [{"code": "JG1", "name": "<img src=x>", "severity": "error", "count": 1}]
    with pytest.raises(Exception, match="not a well-formed version 1 report"):
        sides_of_document({"version": 1, "files": [entry]}, "r.json")


def test_markdown_shows_names_from_data_as_inert_code() -> None:
    from jsonl_guard.reporters import diff_markdown

    side = FileSide(
        "[x](javascript:alert(1)) | <b>$a$</b>",
        findings={"JG201": RuleCount("unknown-role", "error", 1)},
        model="m`odel",
    )
    out = diff_markdown.render(diff_sides([side], [side]))
    row = out.splitlines()[4]
    assert "<b>" not in row and "](" not in row and "$" not in row
    assert row.count(" | ") == 9  # one row of ten cells: no cell break from the name


def test_a_head_that_cannot_be_read_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads(_save_report(tmp_path / "r.json", BASE).read_text("utf-8"))
    report["files"][0]["io_error"] = "No such file or directory"
    broken = tmp_path / "unreadable.json"
    broken.write_text(json.dumps(report), "utf-8")
    code, out, err = _run(capsys, str(BASE), str(broken))
    assert code == 2
    assert "could not be read in the head: No such file or directory" in out
    assert "HEAD: cannot read" in err


def test_a_base_that_is_a_named_pipe_is_exit_2_not_a_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO named like a report (.json) was opened to be read and waited for a writer;
    an unreadable base counted as a new file with exit 0."""
    pipe = tmp_path / "base.json"
    os.mkfifo(pipe)
    code, out, err = _run(capsys, str(pipe), str(HEAD))
    assert code == 2
    assert "named pipe" in out
    assert "BASE: cannot read" in err


def test_dataset_sides_take_checks_options(capsys: pytest.CaptureFixture[str]) -> None:
    _, document = _json(capsys, str(BASE), str(HEAD), "--model", "gpt-4.1-2025-04-14")
    (file,) = document["files"]  # type: ignore[index]
    assert file["model"] == "gpt-4.1-2025-04-14"
    _, document = _json(capsys, str(BASE), str(HEAD), "--ignore", "JG201")
    assert document["summary"]["new_errors"] == 0  # type: ignore[index]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
_REPORT = json.loads(json.dumps(report_dict(Report((Checker(CheckOptions()).check_path(BASE),)))))


def _paths(value: object, at: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every place in a JSON document, as the keys and indexes leading to it."""
    found: list[tuple[object, ...]] = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*at, index))
    return found


@pytest.mark.parametrize("io_error", ["", "Permission denied"])
def test_a_report_recording_an_unreadable_file_is_shown_then_exit_2(
    io_error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any io_error that is not null (even "") marks the file unreadable: the diff is
    still written, and the file is named with exit 2 (the case the property found)."""
    import copy

    document = copy.deepcopy(_REPORT)
    document["files"][0]["io_error"] = io_error
    report = tmp_path / "r.json"
    report.write_text(json.dumps(document), "utf-8")
    code = main(["diff", str(report), str(report)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.strip()
    assert err.startswith("jsonl-guard: error: BASE: cannot read ")
    assert err.rstrip().endswith("the diff above counts it as empty")


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_report_is_read_or_refused_with_exit_2_never_a_crash(data: st.DataObject) -> None:
    """A real report with any one value replaced by any JSON value: a diff, or exit 2
    with a message (tests/test_fuzz.py's promise, for reports)."""
    import copy
    import io
    from contextlib import redirect_stderr, redirect_stdout

    document = copy.deepcopy(_REPORT)
    where = data.draw(st.sampled_from(_paths(document)[1:]))
    parent = document
    for step in where[:-1]:
        parent = parent[step]  # type: ignore[index]
    parent[where[-1]] = data.draw(_JSON)  # type: ignore[index]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "r.json"
        report.write_text(json.dumps(document), "utf-8")
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["diff", str(report), str(report), "--fail-on", "new-errors"])
    assert code in (0, 2), err.getvalue()
    assert "internal error" not in err.getvalue()
    if code == 2:
        # Refused as a report, or read: a file it records as unreadable (an io_error
        # that is not null) is shown, then named with exit 2.
        refused = err.getvalue().startswith("jsonl-guard: error: BASE ")
        recorded = where[-1] == "io_error" and err.getvalue().startswith(
            "jsonl-guard: error: BASE: cannot read "
        )
        assert refused or recorded, err.getvalue()
