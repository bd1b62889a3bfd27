"""Time and memory stay flat whatever the input (issue 11, section 4).

A file keeps the first ``max-findings-per-rule`` findings of each rule and counts the
rest, inside one line, across parallel byte ranges and across merged shards; the
report still says the true totals. The tool-call wiring is linear. Inputs are built
here, in ``tmp_path``: a few hundred kilobytes stand in for gigabytes, because what
is tested is that the cost stops growing with the number of findings.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest

from helpers import FIXTURES, example, write_jsonl
from jsonl_guard import Checker, CheckOptions, check_shard, merge_shards, shard_report
from jsonl_guard.cli import main
from jsonl_guard.engine.config import ConfigError, apply_settings
from jsonl_guard.engine.diagnostics import DEFAULT_MAX_FINDINGS_PER_RULE, Severity
from jsonl_guard.engine.parallel import fork_available
from jsonl_guard.engine.parse import MAX_NESTING
from jsonl_guard.engine.report import Report, report_dict
from jsonl_guard.engine.schema import MAX_SCHEMA_ERRORS_PER_LINE
from jsonl_guard.reporters import REPORTERS
from jsonl_guard.reporters import summary as summary_reporter

CAP = DEFAULT_MAX_FINDINGS_PER_RULE
CHECKER = Checker()


def _peak(checker: Checker, lines: int, line: bytes) -> int:
    """tracemalloc's peak while checking ``lines`` copies of ``line`` (streamed)."""
    tracemalloc.start()
    try:
        checker.check_lines(line for _ in range(lines))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_findings() -> None:
    # A blank line is one finding (JG103) and nothing else kept: before the cap,
    # 40,000 of them held 40,000 findings (~10 MB) and the peak grew with them.
    checker = Checker()
    checker.check_lines([b"\n"] * 10)  # load what every check loads
    small, large = _peak(checker, 10_000, b"\n"), _peak(checker, 40_000, b"\n")
    assert large < small * 1.25 + 200_000, (small, large)


def test_bad_examples_cost_only_their_few_integers() -> None:
    # ``{}`` is an example (JG113, and from the second line a duplicate, JG303): the
    # stats keep a digest and token counts per example (20 bytes), never a finding.
    checker = Checker()
    checker.check_lines([b"{}"] * 10)
    small, large = _peak(checker, 1_000, b"{}"), _peak(checker, 5_000, b"{}")
    assert (large - small) / 4_000 < 100, (small, large)


def test_a_file_lists_the_first_findings_of_each_rule_and_counts_the_rest() -> None:
    report = CHECKER.check_lines([b"{}"] * 1_000)
    missing = [d for d in report.diagnostics if d.code == "JG113"]
    assert [d.line for d in missing] == list(range(1, CAP + 1))
    repeats = [d.line for d in report.diagnostics if d.code == "JG303"]
    assert repeats == list(range(2, CAP + 2))
    assert {(n.code, n.count, n.listed, n.severity) for n in report.not_shown} == {
        ("JG113", 1_000 - CAP, CAP, Severity.ERROR),
        ("JG303", 999 - CAP, CAP, Severity.WARNING),
    }
    assert report.errors == 1_000  # every JG113, listed or not
    assert report.warnings == 999


def test_the_cap_is_an_option_and_zero_lists_everything() -> None:
    lines = [b"{}"] * 30
    five = Checker(CheckOptions(max_findings_per_rule=5)).check_lines(lines)
    assert sum(d.code == "JG113" for d in five.diagnostics) == 5
    assert {n.code: n.count for n in five.not_shown} == {"JG113": 25, "JG303": 24}
    every = Checker(CheckOptions(max_findings_per_rule=0)).check_lines(lines)
    assert sum(d.code == "JG113" for d in every.diagnostics) == 30
    assert every.not_shown == ()
    assert (five.errors, five.warnings) == (every.errors, every.warnings)


@pytest.mark.parametrize("value", [-1, "100", True, 2.5])
def test_the_config_refuses_a_cap_that_is_not_a_whole_number(value: object) -> None:
    with pytest.raises(ConfigError, match="max-findings-per-rule must be a whole number"):
        apply_settings(CheckOptions(), {"max-findings-per-rule": value}, "pyproject.toml")


def test_the_config_sets_the_cap(tmp_path: Path) -> None:
    options = apply_settings(CheckOptions(), {"max-findings-per-rule": 0}, "pyproject.toml")
    assert options.max_findings_per_rule == 0


def test_the_cap_holds_inside_one_line() -> None:
    # One line with 100,000 empty text parts: 100,000 JG120 findings before the cap.
    parts = [{"type": "text", "text": ""}] * 100_000
    line = json.dumps({"messages": [{"role": "user", "content": parts}, {"role": "assistant",
                                                                        "content": "ok"}]})  # fmt: skip
    checker = Checker()
    run = checker.open()
    run.detect_from([line.encode()])
    outcome = run.line_checker.check(line.encode(), 1)
    assert len(outcome.findings) == CAP
    assert outcome.findings.dropped == {"JG120": 100_000 - CAP}
    report = checker.check_lines([line.encode()])
    assert report.warnings == 100_000
    text = REPORTERS["text"](Report((report,)))
    assert text.count("\n") < 3 * CAP + 30
    assert f"… {100_000 - CAP:,} more JG120 findings not shown" in text


def test_a_line_of_100k_wrong_parts_reads_only_the_first_against_the_schema() -> None:
    # jsonschema's anyOf gathers every error under it before yielding one: 100,000
    # wrong parts took minutes and hundreds of MB before the array was cut for it.
    wrong = {"messages": [{"role": "user", "content": [5] * 100_000},
                          {"role": "assistant", "content": "ok"}]}  # fmt: skip
    started = time.perf_counter()
    report = CHECKER.check_examples([wrong])
    assert time.perf_counter() - started < 10
    listed = [d for d in report.diagnostics if d.code == "JG118"]
    assert len(listed) == CAP
    assert listed[0].message == "messages[0].content[0] must be an object, not a number"
    notes = [d.message for d in report.diagnostics if d.code == "JG119"]
    assert notes == [
        f"an array here has more than {MAX_SCHEMA_ERRORS_PER_LINE:,} items: its schema "
        f"errors are listed from the first {MAX_SCHEMA_ERRORS_PER_LINE:,} items only"
    ]


def test_schema_errors_past_the_first_items_are_still_found() -> None:
    # Only the last of 1,000 parts is wrong: the cut copy is valid, so the whole is read.
    parts: list[object] = [{"type": "text", "text": "hi"}] * 999 + [5]
    last_wrong = {"messages": [{"role": "user", "content": parts},
                            {"role": "assistant", "content": "ok"}]}  # fmt: skip
    report = CHECKER.check_examples([last_wrong])
    messages = [d.message for d in report.diagnostics if d.code == "JG118"]
    assert messages == ["messages[0].content[999] must be an object, not a number"]


def test_the_cap_holds_across_merged_shards() -> None:
    checker = Checker(CheckOptions(max_findings_per_rule=7))
    lines = [b"{}"] * 40
    shards = [check_shard(checker, lines[a : a + 10]) for a in range(0, 40, 10)]
    merged = merge_shards(shards)
    assert len([f for f in merged.findings if f.code == "JG113"]) == 7
    assert merged.dropped == {"JG113": 33}
    assert shard_report(checker, merged, path="corpus") == checker.check_lines(lines, path="corpus")


@pytest.mark.skipif(not fork_available(), reason="parallel checks need fork")
def test_the_cap_holds_across_parallel_byte_ranges(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"{}\n" * 3_000)
    checker = Checker(CheckOptions(max_findings_per_rule=10))
    single = checker.check_path(path)
    parallel = checker.check_path(path, jobs=2, min_parallel_bytes=0)
    assert parallel == single
    assert [d.line for d in parallel.diagnostics if d.code == "JG113"] == list(range(1, 11))
    assert {n.code: n.count for n in parallel.not_shown} == {"JG113": 2_990, "JG303": 2_989}


def test_every_format_says_what_it_did_not_list() -> None:
    lines = [b"{}"] * 6
    file = Checker(CheckOptions(max_findings_per_rule=2)).check_lines(lines, path="data.jsonl")
    whole = Report((file,))
    wording = "… 4 more JG113 findings not shown (the first 2 are listed"
    assert wording in REPORTERS["text"](whole)
    assert wording in REPORTERS["junit"](whole)
    github = REPORTERS["github"](whole)
    assert "::error file=data.jsonl,title=JG113 missing-messages::… 4 more JG113" in github
    sarif = json.loads(REPORTERS["sarif"](whole))["runs"][0]["results"]
    assert [r["properties"]["notShown"] for r in sarif if "properties" in r] == [4, 3]
    data = report_dict(whole)["files"][0]
    assert data["not_shown"][0] == {
        "code": "JG113", "name": "missing-messages", "severity": "error", "count": 4, "listed": 2
    }  # fmt: skip
    assert data["errors"] == 6 + 1 and report_dict(whole)["summary"]["errors"] == 7
    assert "| `JG113` missing-messages | 6 |" in summary_reporter.render(whole)


def test_a_mixed_file_counts_its_foreign_lines_past_the_cap() -> None:
    foreign = json.dumps({"prompt": "a", "completion": "b"}).encode()
    lines = [json.dumps(example(i)).encode() for i in range(3)] + [foreign] * 20
    report = Checker(CheckOptions(max_findings_per_rule=5)).check_lines(lines)
    (mixed,) = [d for d in report.diagnostics if d.code == "JG130"]
    assert mixed.line == 4 and mixed.message.endswith(
        "19 more line(s) differ from the file's format"
    )
    assert "JG130" not in {n.code for n in report.not_shown}


def _tool_example(calls: int, *, wrong_ids: bool = False) -> dict[str, object]:
    wired = [{"id": f"c{i}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
             for i in range(calls)]  # fmt: skip
    answers = [{"role": "tool", "tool_call_id": f"{'x' if wrong_ids else 'c'}{i}",
                "content": "r"} for i in range(calls)]  # fmt: skip
    return {
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "messages": [{"role": "user", "content": "go"},
                     {"role": "assistant", "tool_calls": wired}, *answers,
                     {"role": "assistant", "content": "done"}],
    }  # fmt: skip


def test_tool_call_wiring_is_linear() -> None:
    # 100,000 answered calls: the wiring rules took 72 s (a list scanned per answer).
    from jsonl_guard.rules.catalogue import all_rules
    from jsonl_guard.rules.context import ExampleContext, object_messages

    example_ = _tool_example(100_000)
    context = ExampleContext(CHECKER.chosen_model, None, object_messages(example_))
    for rule in all_rules():
        if rule.code in ("JG222", "JG223", "JG224", "JG225") and rule.example_check:
            started = time.perf_counter()
            assert list(rule.example_check(example_, context)) == []
            assert time.perf_counter() - started < 5, rule.code


def test_ten_thousand_wrong_ids_make_a_small_report(tmp_path: Path, capsys) -> None:
    # 10,000 answers to no call: a 1.3 GB JSON report, each finding listing every id.
    path = write_jsonl(tmp_path / "tools.jsonl", [_tool_example(10_000, wrong_ids=True)])
    code = main(["check", str(path), "--format", "json", "--no-progress"])
    output = capsys.readouterr().out
    assert code == 1 and len(output) < 1_000_000
    file = json.loads(output)["files"][0]
    unmatched = [d["message"] for d in file["diagnostics"] if d["code"] == "JG222"]
    assert len(unmatched) == CAP
    assert unmatched[0].endswith("(its call ids: 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', "
                                 "'c7', 'c8', 'c9' and 9,990 more)")  # fmt: skip
    assert {n["code"]: n["count"] for n in file["not_shown"]} == {
        "JG222": 10_000 - CAP, "JG223": 10_000 - CAP
    }  # fmt: skip
    assert file["errors"] == 20_000 + 2  # and JG301 (too few examples), JG401 (too long)


def test_the_cli_option_caps_the_text_report(tmp_path: Path, capsys) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_bytes(b"\n" * 50_000)
    code = main(["check", str(path), "--max-findings-per-rule", "3", "-q", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("JG103 warning: blank line") == 3
    assert "… 49,997 more JG103 findings not shown" in out
    with pytest.raises(SystemExit) as refused:
        main(["check", str(path), "--max-findings-per-rule", "-1"])
    assert refused.value.code == 2


# -- messages in jsonl-guard's words, not Python's --------------------------------


def test_a_line_nested_deeper_than_the_limit_says_so() -> None:
    report = CHECKER.check_path(FIXTURES / "bounded" / "nested-too-deeply.jsonl")
    deep = [(d.code, d.line, d.message) for d in report.diagnostics if d.line]
    assert deep == [
        ("JG122", 1, f"the line nests arrays or objects 1,200 levels deep (limit {MAX_NESTING} levels)"),
        ("JG122", 2, f"the line nests arrays or objects 600 levels deep (limit {MAX_NESTING} levels)"),
    ]  # fmt: skip


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = "[" * 2 * MAX_NESTING
    report = CHECKER.check_examples([example(content_extra=text)])
    assert not [d for d in report.diagnostics if d.code in ("JG110", "JG122")]


def test_a_number_python_will_not_read_is_named_in_our_words() -> None:
    report = CHECKER.check_path(FIXTURES / "bounded" / "too-many-digits.jsonl")
    (finding,) = [d for d in report.diagnostics if d.code == "JG110"]
    assert finding.line == 1 and finding.column == 54
    assert finding.message.startswith("a number with 5,000 digits: over the 4,300-digit limit")
    assert "sys.set_int_max_str_digits" not in finding.message


def test_tool_arguments_python_will_not_read_are_named_in_our_words() -> None:
    arguments = '{"n": ' + "9" * 5_000 + "}"
    example_ = _tool_example(1)
    example_["messages"][1]["tool_calls"][0]["function"]["arguments"] = arguments  # type: ignore[index]
    report = CHECKER.check_examples([example_])
    (finding,) = [d for d in report.diagnostics if d.code == "JG221"]
    assert "a number with 5,000 digits" in finding.message
    assert "sys.set_int_max_str_digits" not in finding.message
