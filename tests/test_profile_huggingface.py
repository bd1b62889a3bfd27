"""Hugging Face TRL profiles: detection, exact counts with a tokenizer.json, truncation, CLI.

The tokenizer in tests/fixtures/hf/ is a tiny BPE trained offline by
``build_tokenizer.py`` there; its tokenizer_config.json holds a ChatML template with a
BOS token, so the counts below are checked against ``tokenizers`` directly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from jsonl_guard import Checker, CheckOptions, Severity, check_lines
from jsonl_guard.cli import main
from jsonl_guard.engine.models import resolve_model
from jsonl_guard.engine.profiles import choose_profile
from jsonl_guard.providers.huggingface.tokens import (
    CHATML_TOKENS_PER_MESSAGE,
    TokenizerFileError,
    extract_prompt,
    load_tokenizer,
)
from jsonl_guard.rules.catalogue import token_method_for
from jsonl_guard.strategies._profiles import example_strategies
from jsonl_guard.tokens.methods import TokenTools

tokenizers = pytest.importorskip("tokenizers")

HF = Path(__file__).resolve().parent / "fixtures" / "hf"
TOKENIZER = str(HF / "tokenizer.json")
MODEL = resolve_model("hf-causal-lm")
TRL_PROFILES = sorted(name for name in example_strategies() if name.startswith("trl-"))
Q, A, R = "Where is my order SW-100231?", "It left our warehouse this morning.", "No idea."


@pytest.fixture(scope="module")
def tok() -> Any:
    return tokenizers.Tokenizer.from_file(TOKENIZER)


def n(tok: Any, text: str, *, specials: bool) -> int:
    return len(tok.encode(text, add_special_tokens=specials).ids)


def chatml(messages: list[tuple[str, str]], generation: bool = False) -> str:
    text = "<|bos|>" + "".join(
        f"<|im_start|>{role}\n{content}<|im_end|>\n" for role, content in messages
    )
    return text + ("<|im_start|>assistant\n" if generation else "")


def count(example: dict[str, Any], tokenizer: str = TOKENIZER) -> tuple[int, int, str]:
    tools = TokenTools(MODEL, tokenizer)
    tokens = token_method_for("hf-tokenizer", MODEL).count(example, tools)
    assert tokens is not None
    return tokens.total, tokens.assistant, tools.used


def codes(lines: list[dict[str, Any]], **options: Any) -> list[tuple[str, int | None]]:
    report = check_lines([json.dumps(line).encode() for line in lines], CheckOptions(**options))
    return [(d.code, d.line) for d in report.diagnostics]


# --- detection ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "profile"),
    [
        ({"prompt": Q, "chosen": A, "rejected": R}, "trl-preference"),
        ({"chosen": A, "rejected": R}, "trl-implicit-preference"),
        ({"prompt": Q, "completion": A, "label": True}, "trl-unpaired-preference"),
    ],
)
def test_distinct_key_sets_are_detected_without_a_model(keys: dict[str, Any], profile: str) -> None:
    assert choose_profile(keys, model=None).profile.name == profile


@pytest.mark.parametrize(
    ("example", "profile"),
    [
        ({"text": Q}, "trl-language-modeling"),
        ({"messages": [{"role": "user", "content": Q}]}, "trl-messages"),
        ({"prompt": Q, "completion": A}, "trl-prompt-completion"),
        ({"prompt": Q, "chosen": A, "rejected": R}, "trl-preference"),
        ({"chosen": A, "rejected": R}, "trl-implicit-preference"),
    ],
)
def test_shared_keys_are_detected_with_the_model(example: dict[str, Any], profile: str) -> None:
    # text, messages and prompt/completion are other providers' keys too: the model decides.
    assert choose_profile(example, model=MODEL).profile.name == profile
    options = CheckOptions(model="hf-causal-lm", model_source="cli")
    assert Checker(options).check_examples([example]).format == profile


def test_profile_option_picks_a_shared_key_format() -> None:
    report = Checker(CheckOptions(profile="trl-language-modeling")).check_examples([{"text": Q}])
    assert report.format == "trl-language-modeling"
    assert report.errors == 0


@pytest.mark.parametrize("profile", TRL_PROFILES)
def test_profile_good_files_are_clean(profile: str) -> None:
    path = Path(__file__).resolve().parent / "fixtures" / "profiles" / profile / "good.jsonl"
    report = Checker(CheckOptions(profile=profile)).check_path(path)
    assert [d.code for d in report.diagnostics if d.severity is not Severity.INFO] == []


# --- exact counts --------------------------------------------------------------------


def test_standard_prompt_completion_counts_like_trl(tok: Any) -> None:
    total, answer, used = count({"prompt": Q, "completion": " " + A})
    # TRL tokenizes prompt + completion with special tokens (BOS) and appends EOS.
    assert total == n(tok, Q + " " + A, specials=True) + 1
    assert answer == total - n(tok, Q, specials=True)
    assert TOKENIZER in used and "chat template" in used


def test_text_counts_bos_and_eos_once(tok: Any) -> None:
    assert count({"text": Q})[:2] == (n(tok, Q, specials=True) + 1,) * 2
    ended = Q + "<|im_end|>"  # already ends with EOS: TRL adds none
    assert count({"text": ended})[0] == n(tok, ended, specials=True)


def test_conversational_counts_render_the_chat_template(tok: Any) -> None:
    prompt = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": Q}]
    completion = [{"role": "assistant", "content": A}]
    total, answer, _ = count({"prompt": prompt, "completion": completion})
    pairs = [("system", "Be brief."), ("user", Q)]
    full = n(tok, chatml([*pairs, ("assistant", A)]), specials=False)
    alone = n(tok, chatml(pairs, generation=True), specials=False)
    assert (total, answer) == (full, full - alone)
    messages = count({"messages": [*prompt, *completion]})
    assert messages[:2] == (full, n(tok, A, specials=False))


def test_preference_counts_the_longer_sequence(tok: Any) -> None:
    longer = A + " Tracking updates tonight."
    total, answer, _ = count({"prompt": Q, "chosen": A, "rejected": longer})
    assert total == n(tok, Q + longer, specials=True) + 1
    assert answer == total - n(tok, Q, specials=True)


def test_implicit_prompt_is_extracted_as_trl_does(tok: Any) -> None:
    assert extract_prompt("Q: hi A: yes", "Q: hi A: no") == ("Q: hi A:", " yes", " no")
    user = {"role": "user", "content": Q}
    chosen, rejected = (
        [user, {"role": "assistant", "content": A}],
        [user, {"role": "assistant", "content": R}],
    )
    assert extract_prompt(chosen, rejected) == ([user], chosen[1:], rejected[1:])
    total, answer, _ = count({"chosen": chosen, "rejected": rejected})
    full = n(tok, chatml([("user", Q), ("assistant", A)]), specials=False)
    assert (total, answer) == (full, full - n(tok, chatml([("user", Q)], True), specials=False))


def test_without_a_chat_template_messages_cost_a_documented_overhead(
    tok: Any, tmp_path: Path
) -> None:
    bare = tmp_path / "tokenizer.json"
    shutil.copy(TOKENIZER, bare)  # no tokenizer_config.json next to it
    messages = [{"role": "user", "content": Q}, {"role": "assistant", "content": A}]
    total, _, used = count({"messages": messages}, str(bare))
    expected = sum(
        n(tok, m["role"] + m["content"], specials=False) + CHATML_TOKENS_PER_MESSAGE
        for m in messages
    )
    assert total == expected
    assert str(bare) in used and "no chat template" in used


def test_without_a_tokenizer_file_the_count_is_an_estimate() -> None:
    total, answer, used = count({"prompt": "x" * 40, "completion": "y" * 8}, "auto")
    assert (total, answer) == (12, 2)  # 48 characters / 4, prompt 40 / 4
    assert used.startswith("estimate") and "no --tokenizer" in used
    assert token_method_for("hf-tokenizer", MODEL).exact is False


def test_the_exact_variant_counts_the_same() -> None:
    example = {"prompt": Q, "completion": A}
    exact = token_method_for("hf-tokenizer-file", MODEL)
    assert exact.exact is True
    assert exact.count(example, TokenTools(MODEL, TOKENIZER)) == token_method_for(
        "hf-tokenizer", MODEL
    ).count(example, TokenTools(MODEL, TOKENIZER))


# --- truncation ------------------------------------------------------------------------


def test_prompt_that_fills_the_sequence_is_reported_at_the_boundary(tok: Any) -> None:
    prompt = "Please read our warranty text first. " * 3 + Q
    example = {"prompt": prompt, "completion": " " + A}
    prompt_tokens = n(tok, prompt, specials=True)
    at = codes(
        [example], profile="trl-prompt-completion", tokenizer=TOKENIZER, max_seq_len=prompt_tokens
    )
    above = codes(
        [example],
        profile="trl-prompt-completion",
        tokenizer=TOKENIZER,
        max_seq_len=prompt_tokens + 1,
    )
    assert ("JG680", 1) in at and ("JG401", 1) in at
    assert ("JG680", 1) not in above and ("JG401", 1) in above


def test_prompt_fills_sequence_with_the_estimate() -> None:
    example = {"prompt": "x" * 256, "completion": "fine"}
    assert ("JG680", 1) in codes([example], profile="trl-prompt-completion", max_seq_len=64)
    assert ("JG680", 1) not in codes([example], profile="trl-prompt-completion", max_seq_len=65)


# --- structure -------------------------------------------------------------------------


def test_structural_rules_name_the_field() -> None:
    report = check_lines(
        [
            json.dumps(
                {"prompt": Q, "chosen": [{"role": "assistant", "content": A}], "rejected": R}
            ).encode(),
            json.dumps(
                {
                    "prompt": [{"role": "user", "content": Q}, {"role": "system", "content": "x"}],
                    "chosen": [{"role": "assistant", "content": A}],
                    "rejected": [{"role": "assistant", "content": R}],
                }
            ).encode(),
            json.dumps({"prompt": Q, "chosen": A, "rejected": A}).encode(),
            json.dumps({"prompt": Q, "chosen": A, "rejected": R, "label": True}).encode(),
        ]
    )
    found = {(d.code, d.line): d.message for d in report.diagnostics}
    assert "prompt and rejected are a string" in found["JG681", 1]
    assert found["JG682", 2].startswith("prompt[1] ends the prompt")
    assert ("JG684", 3) in found and ("JG685", 4) in found
    assert found["JG685", 4] == "label is not allowed here"


def test_implicit_prompt_ending_with_system_is_reported() -> None:
    system = {"role": "system", "content": "Be brief."}
    example = {
        "chosen": [system, {"role": "assistant", "content": A}],
        "rejected": [system, {"role": "assistant", "content": R}],
    }
    assert ("JG682", 1) in codes([example])


def test_sharegpt_is_reported_with_the_conversion() -> None:
    sharegpt = {"conversations": [{"from": "human", "value": Q}, {"from": "gpt", "value": A}]}
    report = Checker(CheckOptions(model="hf-causal-lm", model_source="cli")).check_examples(
        [sharegpt]
    )
    assert report.format == "trl-messages"  # no profile detects it: the model's first one
    message = next(d.message for d in report.diagnostics if d.code == "JG683")
    assert "rename conversations to messages" in message and "gpt -> assistant" in message


# --- CLI -------------------------------------------------------------------------------


def test_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data.jsonl"
    lines = [
        {"prompt": Q, "completion": " " + A},
        {"prompt": "Warranty text. " * 30, "completion": " Yes."},
    ]
    data.write_text("".join(json.dumps(line) + "\n" for line in lines))
    args = ["check", str(data), "--profile", "trl-prompt-completion", "--tokenizer", TOKENIZER]
    code = main([*args, "--max-seq-len", "64", "--format", "json", "--no-progress"])
    report = json.loads(capsys.readouterr().out)["files"][0]
    assert code == 1
    assert report["format"] == "trl-prompt-completion"
    assert report["tokens"]["limit"] == 64
    assert TOKENIZER in report["tokens"]["tokenizer"]
    # With a tokenizer file the counts are exact: no "estimated" anywhere.
    assert report["tokens"]["exact"] is True
    assert report["tokens"]["method"].startswith("exact: Hugging Face tokenizers")
    assert not any("estimated" in d["message"] for d in report["diagnostics"])
    # The training preview of string pairs adds what the prompt's length means: nothing trains.
    assert {(d["code"], d["line"]) for d in report["diagnostics"] if d["severity"] == "error"} == {
        ("JG401", 2),
        ("JG680", 2),
        ("JG690", 2),
    }


@pytest.mark.parametrize("content", [None, "{}", "not json"])
def test_a_broken_tokenizer_file_is_a_usage_error(
    content: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"prompt": Q, "completion": A}) + "\n")
    tokenizer = tmp_path / "tokenizer.json"
    if content is not None:
        tokenizer.write_text(content)
    code = main(
        ["check", str(data), "--profile", "trl-prompt-completion", "--tokenizer", str(tokenizer)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert str(tokenizer) in err and "Traceback" not in err
    assert ("not found" if content is None else "cannot load the tokenizer file") in err


def test_tokenizer_error_is_a_value_error_and_is_not_cached(tmp_path: Path) -> None:
    missing = str(tmp_path / "tokenizer.json")
    with pytest.raises(TokenizerFileError):
        load_tokenizer(missing)
    shutil.copy(TOKENIZER, missing)
    assert load_tokenizer(missing).path == missing
    assert issubclass(TokenizerFileError, ValueError)
