"""Profiles: detection (the matrix over every profile's realistic file), mixed formats,
models that don't take a format, validation files, estimates, and the CLI around them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import EXAMPLES, example, write_jsonl
from jsonl_guard import Checker, CheckOptions, check_lines, check_path
from jsonl_guard.cli import main
from jsonl_guard.engine.models import resolve_model
from jsonl_guard.engine.profiles import (
    UnknownProfileError,
    choose_profile,
    detect,
    profile_table,
    profiles_of,
    resolve_profile,
)

PROFILES_DIR = Path(__file__).resolve().parent / "fixtures" / "profiles"
GOOD_FILES = sorted(PROFILES_DIR.glob("*/good.jsonl"))


def _errors(report) -> list[str]:
    return [f"{d.code}@{d.line}: {d.message}" for d in report.diagnostics if d.severity == "error"]


def _first_example(path: Path) -> dict:
    for line in path.read_bytes().splitlines():
        if line.strip():
            return json.loads(line)
    raise AssertionError(f"{path} has no example")


# -- the detection matrix -----------------------------------------------------------------------


def test_every_profile_has_a_realistic_good_file() -> None:
    have = {path.parent.name for path in GOOD_FILES}
    # The legacy Gemini format is detected only to be refused: no good file can exist.
    refused = {name for name in profile_table() if name.endswith("-legacy")}
    assert set(profile_table()) - refused - {"openai-chat"} <= have
    assert have <= set(profile_table()), "a fixture folder names no profile"


@pytest.mark.parametrize("path", GOOD_FILES, ids=[p.parent.name for p in GOOD_FILES])
def test_good_file_is_detected_as_itself_with_its_default_model(path: Path) -> None:
    profile = resolve_profile(path.parent.name)
    report = check_path(path, CheckOptions(model=profile.default_model, model_source="cli"))
    assert (report.format, report.profile_source) == (profile.name, "detected")
    assert _errors(report) == []
    forced = check_path(path, CheckOptions(model=profile.default_model, profile=profile.name))
    assert (forced.format, forced.profile_source) == (profile.name, "option")
    assert _errors(forced) == []


@pytest.mark.parametrize("path", GOOD_FILES, ids=[p.parent.name for p in GOOD_FILES])
def test_without_a_model_a_file_is_detected_by_its_keys(path: Path) -> None:
    """Unique keys find the profile; shared keys (``messages``, ``text``, ...) find the
    first profile with exactly those keys, and that is what the report says."""
    profile = resolve_profile(path.parent.name)
    first = _first_example(path)
    found = detect(first, profile_table().values())
    assert found is not None
    report = check_path(path)
    assert report.format == found.name
    if found is not profile:
        assert found.score(first) == profile.score(first), "another profile claims more keys"
        assert profile.matches(first), "the file does not carry its own profile's keys"


@pytest.mark.parametrize("path", GOOD_FILES, ids=[p.parent.name for p in GOOD_FILES])
def test_a_good_file_is_never_detected_as_another_providers_profile_its_model_takes(
    path: Path,
) -> None:
    """With any model, a file is checked as one of that model's formats or reported (JG310)."""
    own = resolve_profile(path.parent.name)
    first = _first_example(path)
    for other in profile_table().values():
        if other.provider == own.provider:
            continue
        model = resolve_model(other.default_model)
        detection = choose_profile(first, model=model)
        if detection.profile in profiles_of(model):
            assert detection.profile.matches(first)
        else:
            assert detection.other_model_format


# -- detection rules ----------------------------------------------------------------------------


def test_the_model_chooses_among_profiles_with_the_same_keys() -> None:
    chat = {"messages": [{"role": "user", "content": "Hi"}]}
    gpt = resolve_model("gpt-4o-mini-2024-07-18")
    assert choose_profile(chat, model=gpt).profile.name == "openai-chat"
    assert choose_profile(chat, model=None).profile.name == "openai-chat"
    assert choose_profile(None, model=gpt).source == "default"
    assert choose_profile(chat, model=gpt, chosen="openai-chat").source == "option"


def test_an_unknown_profile_is_a_usage_error(capsys, tmp_path) -> None:
    with pytest.raises(UnknownProfileError, match="Known profiles: openai-chat"):
        Checker(CheckOptions(profile="gpt-chat"))
    path = write_jsonl(tmp_path / "a.jsonl", [example(1)])
    assert main(["check", str(path), "--profile", "gpt-chat"]) == 2
    err = capsys.readouterr().err
    assert "unknown profile 'gpt-chat'" in err and "Traceback" not in err


def test_a_file_that_mixes_formats_is_reported_once_at_the_first_line_that_differs() -> None:
    chat = [json.dumps(example(i)).encode() for i in range(12)]
    legacy = json.dumps({"prompt": "Where is my order?", "completion": " On its way."}).encode()
    lines = [*chat[:3], legacy, *chat[3:8], legacy, legacy, *chat[8:]]
    report = check_lines(lines)
    mixed = [d for d in report.diagnostics if d.code == "JG130"]
    assert [(d.line, d.severity.value) for d in mixed] == [(4, "error")]
    assert "not openai-chat" in mixed[0].message and "2 more line(s)" in mixed[0].message
    # The foreign lines get no flood of schema findings.
    assert {d.code for d in report.diagnostics if d.line in (4, 10, 11)} == {"JG130"}


def test_data_for_a_model_that_does_not_take_the_format_is_an_error() -> None:
    lines = [json.dumps(example(i)).encode() for i in range(12)]
    report = check_lines(lines, CheckOptions(model="o4-mini-2025-04-16", model_source="cli"))
    [finding] = [d for d in report.diagnostics if d.code == "JG310"]
    assert "o4-mini-2025-04-16 does not take the openai-chat format" in finding.message


# -- validation files ---------------------------------------------------------------------------


def _dataset(count: int, tag: str) -> list[dict]:
    rows = []
    for i in range(count):
        row = example(i)
        row["messages"][-1]["content"] += f" ({tag} {i})"
        rows.append(row)
    return rows


def test_a_validation_file_gets_validation_limits_not_training_minimums(tmp_path) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", _dataset(60, "train"))
    valid = write_jsonl(tmp_path / "valid.jsonl", _dataset(3, "valid"))
    # The validation rows are training rows with another tag: near-copies (JG315).
    report = Checker(CheckOptions(ignore=("JG315",))).check_pair(train, valid)
    assert [f.role for f in report.files] == ["training", "validation"]
    # Three validation examples: under OpenAI's training minimum of 10, and fine.
    assert report.files[1].diagnostics == ()


def test_examples_shared_with_training_are_reported_at_their_validation_lines(tmp_path) -> None:
    rows = _dataset(12, "x")
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    # Other questions than the training rows' (the same question answered otherwise
    # would be a conflict, JG311).
    valid = write_jsonl(tmp_path / "valid.jsonl", [*_dataset(23, "v")[20:], rows[5], rows[0]])
    # Lines 1-3 are training rows with another tag: near-copies (JG315), not JG305's.
    found = Checker(CheckOptions(ignore=("JG315",))).check_pair(train, valid).files[1].diagnostics
    assert [(d.code, d.line) for d in found] == [("JG305", 4), ("JG305", 5)]
    assert found[0].message == f"the example is also line 6 of {train}"


def test_cli_validation_file_from_the_option_and_from_config(tmp_path, capsys) -> None:
    rows = _dataset(12, "x")
    write_jsonl(tmp_path / "train.jsonl", rows)
    write_jsonl(tmp_path / "valid.jsonl", [rows[2]])
    code = main(
        [
            "check",
            str(tmp_path / "train.jsonl"),
            "--validation-file",
            str(tmp_path / "valid.jsonl"),
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [f["role"] for f in data["files"]] == ["training", "validation"]
    assert [d["code"] for d in data["files"][1]["diagnostics"]] == ["JG305"]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jsonl-guard]\nvalidation-file = "valid.jsonl"\n', "utf-8"
    )
    config = str(tmp_path / "pyproject.toml")
    assert main(["check", str(tmp_path / "train.jsonl"), "--config", config, "-q"]) == 1
    assert "valid.jsonl:1:1: JG305" in capsys.readouterr().out


def test_a_file_given_as_training_and_validation_is_checked_once_as_validation(
    tmp_path, capsys
) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", _dataset(12, "x"))
    assert main(["check", str(path), "--validation-file", str(path), "--format", "json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert [(f["path"], f["role"]) for f in files] == [(str(path), "validation")]


# -- estimates ----------------------------------------------------------------------------------

OPEN_MODEL = {"open-model": {"provider": "custom", "token_limit": 50, "chars_per_token": 4}}


def test_a_model_without_a_tokenizer_is_estimated_and_says_so() -> None:
    long_reply = {"role": "assistant", "content": "x" * 400}
    rows = [example(i) for i in range(11)] + [
        {"messages": [{"role": "user", "content": "Tell me everything."}, long_reply]}
    ]
    options = CheckOptions(model="open-model", model_source="cli", models=OPEN_MODEL)
    report = check_lines([json.dumps(r).encode() for r in rows], options)
    assert report.tokens is not None and not report.tokens.exact
    assert report.tokens.method.startswith("estimate")
    assert report.tokens.encoding == ""
    [too_long] = [d for d in report.diagnostics if d.code == "JG401"]
    assert too_long.line == 12 and "tokens (estimated)" in too_long.message
    # The estimate: every text value's characters / 4, rounded up.
    texts = sum(len(m["content"]) for m in rows[11]["messages"])
    assert f"{-(-texts // 4):,} tokens (estimated)" in too_long.message


def test_max_seq_len_sets_the_limit(tmp_path) -> None:
    rows = [example(i) for i in range(12)]
    report = check_lines([json.dumps(r).encode() for r in rows], CheckOptions(max_seq_len=20))
    assert report.tokens is not None and report.tokens.limit == 20
    assert {d.code for d in report.diagnostics} >= {"JG401"}


# -- the profiles command -----------------------------------------------------------------------


def test_profiles_lists_every_profile_with_models_and_limits(capsys) -> None:
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    for name in profile_table():
        assert f"\n{name}  (" in f"\n{out}"
    assert "gpt-4o-mini-2024-07-18: 65,536 tokens/example, min 10" in out


def test_profiles_explains_one_and_has_a_json_form(capsys) -> None:
    assert main(["profiles", "openai-chat"]) == 0
    out = capsys.readouterr().out
    assert "detected by: messages; tokens: exact" in out and "source: OpenAI" in out
    assert main(["profiles", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    chat = next(p for p in data if p["name"] == "openai-chat")
    assert chat["tokens_exact"] is True and "gpt-4o-mini-2024-07-18" in chat["models"]
    assert main(["profiles", "nope"]) == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err


def test_the_text_report_names_the_format_and_how_it_was_chosen(capsys) -> None:
    assert main(["check", str(EXAMPLES / "support-good.jsonl")]) == 0
    assert "  format: openai-chat (detected)" in capsys.readouterr().out
    main(["check", str(EXAMPLES / "support-good.jsonl"), "--profile", "openai-chat"])
    assert "  format: openai-chat (option)" in capsys.readouterr().out


# -- the table itself ---------------------------------------------------------------------------


def test_every_profile_names_a_schema_a_token_method_and_a_default_model_that_takes_it() -> None:
    from jsonl_guard.engine.schema import load_schema
    from jsonl_guard.rules.catalogue import token_method_for

    for profile in profile_table().values():
        assert load_schema(profile.schema)["$schema"].endswith("2020-12/schema")
        token_method_for(profile.tokens)
        assert profile in profiles_of(resolve_model(profile.default_model)), profile.name
        assert profile.detect, f"{profile.name}: no identifying keys"
        assert profile.source, f"{profile.name}: no source"


def test_every_model_names_its_source_and_takes_a_profile() -> None:
    from jsonl_guard.engine.models import model_table

    for name, spec in model_table().items():
        assert spec.source, name
        assert profiles_of(spec), f"{name} takes no profile"


def test_the_docs_tables_are_current() -> None:
    import runpy

    from helpers import ROOT

    make_tables = runpy.run_path(str(ROOT / "docs" / "make_tables.py"))
    assert make_tables["main"](["--check"]) == 0, "run: python docs/make_tables.py"


def test_a_tokenizer_file_makes_the_open_model_profiles_win_ties(tmp_path) -> None:
    from helpers import ROOT

    rows = [
        {"prompt": f"Where is order SW-{i}?", "completion": " It ships today."} for i in range(3)
    ]
    path = write_jsonl(tmp_path / "sft.jsonl", rows)
    assert check_path(path).format == "openai-completion"
    tokenizer = str(ROOT / "tests" / "fixtures" / "hf" / "tokenizer.json")
    report = check_path(path, CheckOptions(tokenizer=tokenizer))
    assert (report.format, report.cost.model if report.cost else "") == (
        "trl-prompt-completion",
        "hf-causal-lm",
    )
    assert report.tokens is not None and report.tokens.exact
