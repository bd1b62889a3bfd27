"""The `jsonl-guard` command, driven through main(argv) as a user would run it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, example, write_jsonl
from jsonl_guard.cli import main

BAD_LINES = {3: "JG201", 5: "JG202", 7: "JG205", 9: "JG110", 11: "JG222", 13: "JG221",
             15: "JG116", 17: "JG250", 19: "JG112", 21: "JG203", 23: "JG224"}  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_good_dataset_passes(capsys, good_file):
    code, out, _ = run(capsys, "check", str(good_file))
    assert code == 0
    assert "No errors: 1 file, 60 examples." in out
    assert "gpt-4o-mini-2024-07-18 (default model" in out


def test_bad_example_dataset_names_every_planted_line(capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLES / "support-bad.jsonl"))
    assert code == 1
    found = {(int(m[1]), m[2]) for m in re.finditer(r"support-bad\.jsonl:(\d+):\d+: (JG\d+)", out)}
    for line, rule in BAD_LINES.items():
        assert (line, rule) in found, f"{rule} not reported at line {line}"
    # Nothing is reported on the valid lines in between.
    assert {line for line, _ in found} <= set(BAD_LINES)


def test_each_finding_is_followed_by_its_hint(capsys):
    _, out, _ = run(capsys, "check", str(EXAMPLES / "support-bad.jsonl"))
    lines = out.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"\S+:\d+:\d+: JG\d+ ", line):
            assert lines[index + 1].startswith("    hint: ")


def test_missing_file_is_an_io_error(capsys, tmp_path):
    code, out, _ = run(capsys, "check", str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert "nope.jsonl: error: no such file" in out


def test_directory_and_glob_expansion(capsys, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        write_jsonl(folder / name, [example(i) for i in range(60)])
    (folder / "notes.txt").write_text("not data")
    code, out, _ = run(capsys, "check", str(folder), "--format", "json")
    assert code == 0
    assert [Path(f["path"]).name for f in json.loads(out)["files"]] == ["a.jsonl", "b.jsonl"]
    code, out, _ = run(capsys, "check", str(folder / "*.jsonl"), "--format", "json")
    assert len(json.loads(out)["files"]) == 2


def test_empty_directory_and_unmatched_glob_are_usage_errors(capsys, tmp_path):
    assert run(capsys, "check", str(tmp_path))[0] == 2
    code, _, err = run(capsys, "check", str(tmp_path / "*.jsonl"))
    assert code == 2
    assert "no files match" in err


def test_unknown_model_lists_known_ones_and_how_to_add(capsys, good_file):
    code, out, err = run(capsys, "check", str(good_file), "--model", "gpt-9")
    assert code == 2
    assert out == ""
    assert "unknown model 'gpt-9'" in err
    assert "gpt-4o-mini-2024-07-18" in err
    assert '[tool.jsonl-guard.models."gpt-9"]' in err


def test_fine_tuned_model_name_maps_through_its_base(capsys, good_file):
    model = "ft:gpt-4.1-mini-2025-04-14:acme::abc123"
    code, out, _ = run(capsys, "check", str(good_file), "--model", model, "--format", "json")
    assert code == 0
    data = json.loads(out)["files"][0]
    assert data["tokens"]["encoding"] == "o200k_base"
    assert data["tokens"]["limit"] == 65536
    assert data["cost"]["model"] == model
    assert data["cost"]["base_model"] == "gpt-4.1-mini-2025-04-14"


def test_select_ignore_and_unknown_selector(capsys):
    bad = str(EXAMPLES / "support-bad.jsonl")
    _, out, _ = run(capsys, "check", bad, "--select", "JG2", "--format", "json")
    codes = {d["code"] for d in json.loads(out)["files"][0]["diagnostics"]}
    assert codes and all(c.startswith("JG2") for c in codes)
    _, out, _ = run(
        capsys, "check", bad, "--ignore", "JG201,special-token-text", "--format", "json"
    )
    codes = {d["code"] for d in json.loads(out)["files"][0]["diagnostics"]}
    assert "JG201" not in codes and "JG250" not in codes and "JG205" in codes
    code, _, err = run(capsys, "check", bad, "--select", "JG999")
    assert code == 2
    assert "no rule matches 'JG999'" in err
    code, _, err = run(capsys, "check", bad, "--ignore", "JG2O1")  # a letter O for a zero
    assert code == 2
    assert "no rule matches 'JG2O1' (did you mean 'JG201'" in err
    _, _, err = run(capsys, "check", bad, "--select", "special-token-txt")
    assert "(did you mean 'special-token-text'?)" in err


def test_warnings_pass_unless_strict(capsys, tmp_path):
    path = write_jsonl(tmp_path / "few.jsonl", [example(i) for i in range(20)])
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0
    assert "JG302" in out
    assert run(capsys, "check", str(path), "--strict")[0] == 1


def test_severity_override_turns_an_error_into_a_warning(capsys, tmp_path):
    long_text = "bike " * 5000
    rows = [example(i) for i in range(60)]
    rows[4]["messages"][2]["content"] = long_text  # type: ignore[index]
    path = write_jsonl(tmp_path / "long.jsonl", rows)
    code, out, _ = run(capsys, "check", str(path), "--model", "gpt-3.5-turbo-0613")
    assert code == 1
    assert re.search(r"long\.jsonl:5:1: JG401 error: the example has 5,0\d\d tokens", out)
    code, out, _ = run(
        capsys, "check", str(path), "--model", "gpt-3.5-turbo-0613", "--severity", "JG401=warning"
    )
    assert code == 0
    assert "JG401" in out


def test_budget(capsys, good_file):
    code, out, _ = run(capsys, "check", str(good_file), "--max-cost", "0.000001")
    assert code == 1
    assert "JG501 error: the run's estimated cost" in out
    assert run(capsys, "check", str(good_file), "--max-cost", "100")[0] == 0


def test_epochs_option_sets_the_estimate(capsys, good_file):
    _, out, _ = run(capsys, "check", str(good_file), "--epochs", "7", "--format", "json")
    cost = json.loads(out)["files"][0]["cost"]
    assert cost["epochs"] == 7
    assert cost["epochs_source"] == "option"
    assert cost["billed_tokens"] == 7 * cost["billed_tokens_per_epoch"]


@pytest.mark.parametrize("argv", [["check"], ["check", "x.jsonl", "--epochs", "0"],
                                  ["check", "x.jsonl", "--max-cost", "cheap"], ["frobnicate"]])  # fmt: skip
def test_bad_arguments_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_color_only_when_asked(capsys, monkeypatch, good_file):
    _, out, _ = run(capsys, "check", str(good_file))
    assert "\x1b[" not in out
    _, out, _ = run(capsys, "check", str(good_file), "--color", "always")
    assert "\x1b[" in out
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(capsys, "check", str(good_file))[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "check", str(good_file))[1]


def test_quiet_prints_findings_only(capsys):
    _, out, _ = run(capsys, "check", str(EXAMPLES / "support-bad.jsonl"), "-q")
    assert "hint:" not in out
    assert "tokens (" not in out
    assert "support-bad.jsonl:3:1: JG201" in out


def test_rules_lists_every_rule_and_explains_one(capsys):
    from jsonl_guard import all_rules

    code, out, _ = run(capsys, "rules")
    assert code == 0
    for rule in all_rules():
        assert re.search(rf"^{rule.code}\s+{rule.name}\s+{rule.severity.value}", out, re.M)
    code, out, _ = run(capsys, "rules", "unknown-role")
    assert code == 0
    assert out.startswith("JG201 unknown-role (error")
    assert '"role": "developer"' in out and '"role": "system"' in out
    assert run(capsys, "rules", "JG999")[0] == 2


def test_models_lists_the_table(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    assert re.search(r"gpt-4\.1-nano-2025-04-14\s+openai\s+o200k_base\s+32,768", out)
    assert re.search(r"gpt-3\.5-turbo-0613\s+openai\s+cl100k_base\s+4,096\s+8\.00", out)


def test_binary_garbage_never_produces_a_traceback(tmp_path):
    path = tmp_path / "garbage.jsonl"
    path.write_bytes(bytes(range(256)) * 40 + b"\n{\xff}\n\x00\x00\n")
    result = subprocess.run(
        [sys.executable, "-m", "jsonl_guard.cli", "check", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "garbage.jsonl:1:" in result.stdout


def test_info_findings_only_with_verbose(capsys):
    good = str(EXAMPLES / "support-good.jsonl")
    _, out, _ = run(capsys, "check", good)
    assert "JG402" not in out
    _, out, _ = run(capsys, "check", good, "-v")
    assert "support-good.jsonl: JG402 info: 12 example(s) have tool or image tokens" in out


def test_reads_standard_input_with_dash():
    data = (EXAMPLES / "support-bad.jsonl").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "jsonl_guard.cli", "check", "-", "-q"],
        input=data,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 1
    assert b"<stdin>:3:1: JG201" in result.stdout


def test_several_files_get_per_file_rules_and_a_combined_total(capsys, tmp_path):
    for name in ("support-bad.jsonl", "support-good.jsonl", "tiny.jsonl"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 1
    assert "tiny.jsonl: JG301 error: the file has 3 example(s)" in out
    assert "support-good.jsonl: 60 examples, 0 errors, 0 warnings" in out
    assert "total: 3 files, 87 examples" in out


def test_readme_tour_shows_the_real_output(capsys, monkeypatch):
    from helpers import ROOT

    monkeypatch.chdir(EXAMPLES)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    main(["check", "support-bad.jsonl", "--jobs", "1"])
    out = capsys.readouterr().out
    assert out in (ROOT / "README.md").read_text("utf-8")


def test_a_closed_pipe_ends_quietly():
    """`jsonl-guard profiles | head -1`: no traceback when the reader goes away.

    The pipe's read end is closed before the command starts, so its first write
    fails for sure (a reader that leaves later races with a small output that fits
    in the pipe).
    """
    script = "import sys; from jsonl_guard.cli import main; sys.exit(main(['profiles']))"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        writer = subprocess.Popen(
            [sys.executable, "-c", script], stdout=write_end, stderr=subprocess.PIPE
        )
    finally:
        os.close(write_end)
    _, err_bytes = writer.communicate(timeout=60)
    err = err_bytes.decode()
    assert writer.returncode == 2
    assert "Traceback" not in err and "BrokenPipe" not in err


@pytest.mark.parametrize(("name", "code"), [("support-good.jsonl", 0), ("support-bad.jsonl", 1)])
def test_the_console_script_flushes_everything_and_keeps_the_exit_code(name, code):
    """``console_main`` skips the interpreter's teardown (start-up time): nothing may be lost."""
    script = "from jsonl_guard.cli import console_main; console_main()"
    done = subprocess.run(
        [sys.executable, "-c", script, "check", str(EXAMPLES / name), "--format", "json"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == code
    report = json.loads(done.stdout)  # the whole report arrived, not a cut buffer
    assert report["summary"]["errors"] == (0 if code == 0 else 10)


def test_internal_error_is_one_message_and_exit_2(capsys, good_file, monkeypatch):
    # A bug (any exception that is not a JsonlGuardError) once ended in a traceback.
    import jsonl_guard.cli.app as app

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(app, "run_check", broken)
    monkeypatch.delenv("JSONL_GUARD_DEBUG", raising=False)
    code, out, err = run(capsys, "check", str(good_file), "--quiet")
    assert code == 2
    assert out == ""
    first, second = err.splitlines()
    assert first == "jsonl-guard: internal error: RuntimeError: boom second line"
    assert "https://github.com/jsonl-guard/jsonl-guard/issues" in second
    assert f"jsonl-guard check {shlex.quote(str(good_file))} --quiet" in second
    assert "Traceback" not in err


def test_internal_error_raises_with_debug_set(capsys, good_file, monkeypatch):
    import jsonl_guard.cli.app as app

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(app, "run_check", broken)
    monkeypatch.setenv("JSONL_GUARD_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["check", str(good_file)])
