"""The training preview's options, statistics and their merging (docs/open-weight.md).

The ids and masks themselves are proven against transformers in
tests/test_open_weight_differential.py; the rules by their fixtures
(tests/fixtures/rules/JG687-JG694).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jsonl_guard import Checker, CheckOptions
from jsonl_guard.cli import main
from jsonl_guard.engine.checker import check_shard, shard_report
from jsonl_guard.engine.config import ConfigError, parse_table
from jsonl_guard.engine.report import FileReport
from jsonl_guard.engine.shards import merge_shards
from jsonl_guard.providers.huggingface.previews import pair_tokens, preview_answer
from jsonl_guard.providers.huggingface.tokens import load_tokenizer
from jsonl_guard.tokens.training import TrainingSetup, pack_best_fit, truncate

pytest.importorskip("tokenizers")
ROOT = Path(__file__).resolve().parent
HF = ROOT / "fixtures" / "hf"
TAGGED = ROOT / "fixtures" / "rules" / "JG689" / "tagged.jinja"
CUT = ROOT / "fixtures" / "rules" / "JG690" / "bad.jsonl"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("loss", "assistant"),
        ("truncation-side", "middle"),
        ("packing", "yes"),
        ("chat-template", 3),
    ],
)
def test_a_wrong_config_value_is_a_config_error(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        parse_table({key: value}, Path("pyproject.toml"))


def test_config_keys_reach_the_options_and_the_template_is_relative_to_the_config(
    tmp_path: Path,
) -> None:
    table = {"loss": "all", "truncation-side": "left", "packing": True, "chat-template": "t.jinja"}
    options = parse_table(table, tmp_path / "pyproject.toml").options_for("x.jsonl", CheckOptions())
    assert (options.loss, options.truncation_side, options.packing) == ("all", "left", True)
    assert options.chat_template == str(tmp_path / "t.jinja")


@pytest.mark.parametrize(
    "argument", ["--loss=some", "--truncation-side=up", "--chat-template=nope"]
)
def test_a_wrong_option_is_a_usage_error(argument: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(CUT), argument])
    assert exit_.value.code == 2
    assert argument.split("=")[0] in capsys.readouterr().err


def test_a_model_folder_is_its_tokenizer_with_its_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(HF, folder)
    args = [
        "check",
        str(CUT),
        "--tokenizer",
        str(folder),
        "--format",
        "json",
        "--max-seq-len",
        "160",
    ]
    main(args)
    tokens = json.loads(capsys.readouterr().out)["files"][0]["tokens"]
    assert "with the chat template of tokenizer_config.json" in tokens["tokenizer"]
    assert tokens["training"]["cut_examples"] == 2


def _options(**fields: object) -> CheckOptions:
    base = {"profile": "trl-messages", "tokenizer": str(HF / "tokenizer.json"), "max_seq_len": 160}
    return CheckOptions(**{**base, **fields})  # type: ignore[arg-type]


def test_shards_merge_to_the_same_training_statistics() -> None:
    checker = Checker(_options(loss="assistant-only", chat_template=str(TAGGED), packing=True))
    lines = CUT.read_bytes().splitlines(keepends=True)
    whole = checker.check_lines(lines, path="<merged>")
    merged = shard_report(
        checker, merge_shards([check_shard(checker, lines[:5]), check_shard(checker, lines[5:])])
    )
    assert whole.tokens is not None and merged.tokens is not None
    assert merged.tokens.training == whole.tokens.training
    training = whole.tokens.training
    assert training is not None
    assert (training.cut_examples, training.trained_per_example.min) == (2, 0)
    assert training.packed_sequences is not None and training.packing_padding is not None
    kept = 160 * training.packed_sequences - training.packing_padding  # every kept token
    assert kept == sum(t for t in [whole.tokens.total] if t) - 368 - 397 + 2 * 160


def test_left_truncation_keeps_the_answer() -> None:
    right = Checker(_options(loss="assistant-only", chat_template=str(TAGGED))).check_path(CUT)
    left = Checker(
        _options(loss="assistant-only", chat_template=str(TAGGED), truncation_side="left")
    ).check_path(CUT)
    assert [d.code for d in right.diagnostics if d.code == "JG690"] == ["JG690", "JG690"]
    assert not [d for d in left.diagnostics if d.code in ("JG690", "JG691")]


def test_truncate_and_pack() -> None:
    assert truncate(10, 4, "right") == (0, 4)
    assert truncate(10, 4, "left") == (6, 10)
    assert truncate(3, 4, "left") == (0, 3)
    # 6+4 fill one sequence, 5+3+2 another: best fit decreasing.
    assert pack_best_fit([3, 6, 2, 5, 4], 10) == (2, 0)
    assert pack_best_fit([7, 7, 12], 10) == (3, 6)  # 12 is cut to 10


OPEN = ROOT / "fixtures" / "open_weight"
PAIRS = [
    ("sft-strings", "trl-prompt-completion", {(2, "JG690"), (4, "JG691")}),
    ("dpo", "trl-preference", {(2, "JG691"), (5, "JG690")}),
    ("dpo-chat", "trl-preference", {(3, "JG691")}),
    ("kto", "trl-unpaired-preference", {(4, "JG690")}),
]


def _pair_check(folder: str, profile: str, name: str, **fields: object) -> FileReport:
    options = {"profile": profile, "tokenizer": str(HF / "tokenizer.json"), "max_seq_len": 30}
    checker = Checker(CheckOptions(**{**options, **fields}))  # type: ignore[arg-type]
    return checker.check_path(OPEN / folder / f"{name}.jsonl")


def _truncation(report: FileReport) -> set[tuple[int | None, str]]:
    return {(d.line, d.code) for d in report.diagnostics if d.code in ("JG690", "JG691")}


@pytest.mark.parametrize(("folder", "profile", "expected"), PAIRS)
def test_truncation_findings_for_prompt_answer_pairs(
    folder: str, profile: str, expected: set[tuple[int, str]]
) -> None:
    bad, good = (_pair_check(folder, profile, name) for name in ("bad", "good"))
    assert _truncation(bad) == expected
    assert not [d for d in good.diagnostics if d.code.startswith("JG69")]
    assert bad.tokens is not None and bad.tokens.training is not None
    assert bad.tokens.training.cut_examples == len(expected)


def test_a_preference_finding_names_the_side_truncation_hurts() -> None:
    messages = {d.line: d.message for d in _pair_check("dpo", "trl-preference", "bad").diagnostics}
    assert messages[2].startswith("chosen (prompt + chosen): truncation at 30 tokens cuts")
    assert "of the answer" in messages[2]
    chat = _pair_check("dpo-chat", "trl-preference", "bad").diagnostics
    assert [d.message.split(":")[0] for d in chat if d.code == "JG691"] == [
        "rejected (prompt + rejected)"
    ]


def test_loss_all_trains_the_prompt_of_a_string_pair() -> None:
    report = _pair_check("sft-strings", "trl-prompt-completion", "bad", loss="all")
    # Line 2's prompt now trains (no JG690), but its whole answer is still cut away.
    assert _truncation(report) == {(2, "JG691"), (4, "JG691")}


def test_assistant_only_loss_gets_no_preview_for_strings() -> None:
    # TRL raises ValueError for assistant_only_loss on data that is not conversational.
    report = _pair_check("sft-strings", "trl-prompt-completion", "bad", loss="assistant-only")
    assert report.tokens is not None and report.tokens.training is None
    assert not _truncation(report)


def test_the_eos_is_appended_to_a_string_answer_as_trl_does() -> None:
    hf = load_tokenizer(str(HF / "tokenizer.json"))
    eos = hf.tokenizer.token_to_id(hf.eos)
    ids, start = pair_tokens(hf, "Where is my order?", " It ships today.", None)
    assert ids[-1] == eos and ids[-2] != eos
    answer = hf.tokenizer.encode(" It ships today." + hf.eos, add_special_tokens=False).ids
    assert ids[start:] == answer
    again, _ = pair_tokens(hf, "Where is my order?", " It ships today." + hf.eos, None)
    assert again == ids  # an answer that ends with the EOS gets no second one
    setup = TrainingSetup()
    preview = preview_answer(hf, "Where is my order?", " It ships today.", None, setup, 4)
    assert (preview.trained_full, preview.trained, preview.last_turn) == (
        len(answer),
        0,
        (start, len(ids)),
    )
