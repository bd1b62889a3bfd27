"""The shared option validators, and budgets: ``nan``/``inf`` are never an amount of money."""

from __future__ import annotations

import argparse

import pytest

from helpers import EXAMPLES
from jsonl_guard import CheckOptions
from jsonl_guard.cli import main
from jsonl_guard.cli.arguments import (
    budget,
    non_negative_int,
    positive_float,
    positive_int,
    tokenizer_choice,
)
from jsonl_guard.engine.config import ConfigError, apply_settings, load_config
from jsonl_guard.testing import JsonlGuard

NOT_FINITE = ["nan", "NaN", "inf", "-inf", "Infinity", "$inf", "1e999"]
GOOD = str(EXAMPLES / "support-good.jsonl")


@pytest.mark.parametrize(
    ("validator", "text", "value"),
    [
        (positive_int, "3", 3),
        (non_negative_int, "0", 0),
        (positive_float, "0.5", 0.5),
        (budget, "$5", 5.0),
        (budget, "0", 0.0),
        (tokenizer_choice, "quicktok", "quicktok"),
        (tokenizer_choice, "models/tokenizer.json", "models/tokenizer.json"),
    ],
)
def test_validators_accept(validator, text, value) -> None:
    assert validator(text) == value


@pytest.mark.parametrize(
    ("validator", "text", "message"),
    [
        (positive_int, "x", "'x' is not a whole number"),
        (positive_int, "0", "'0' must be at least 1"),
        (non_negative_int, "-1", "'-1' must be zero or more"),
        (positive_float, "abc", "'abc' is not a number of seconds"),
        (positive_float, "0", "'0' must be a finite number of seconds above 0"),
        (positive_float, "nan", "'nan' must be a finite number of seconds above 0"),
        (positive_float, "inf", "'inf' must be a finite number of seconds above 0"),
        (budget, "cheap", "'cheap' is not an amount in US dollars"),
        (budget, "-1", "'-1' must be zero or more"),
        *((budget, text, f"{text!r} must be a finite amount, zero or more") for text in NOT_FINITE),
        (
            tokenizer_choice,
            "bpe",
            "'bpe': choose auto, tiktoken, quicktok, a path to a tokenizer.json or a model folder holding one",
        ),
    ],
)
def test_validators_reject(validator, text, message) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="^" + message.replace("$", r"\$")):
        validator(text)


@pytest.mark.parametrize("amount", NOT_FINITE)
def test_check_rejects_a_budget_that_is_not_finite(capsys, amount) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", GOOD, f"--max-cost={amount}"])
    assert exit_info.value.code == 2
    assert "must be a finite amount, zero or more" in capsys.readouterr().err


@pytest.mark.parametrize("amount", ["nan", "inf", "-inf"])
def test_finetune_rejects_a_budget_that_is_not_finite(capsys, amount) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["finetune", GOOD, f"--max-cost={amount}", "--dry-run"])
    assert exit_info.value.code == 2
    assert "must be a finite amount, zero or more" in capsys.readouterr().err


def test_finetune_takes_a_budget_like_check(capsys) -> None:
    code = main(["finetune", GOOD, "--max-cost", "$0.0001", "--dry-run"])
    assert code == 1
    assert "JG501" in capsys.readouterr().out


@pytest.mark.parametrize("option", ["--poll-interval", "--timeout"])
def test_finetune_rejects_a_nan_interval(capsys, option) -> None:
    with pytest.raises(SystemExit) as exit_info:  # refused while parsing, like any bad value
        main(["finetune", GOOD, option, "nan", "--dry-run"])
    assert exit_info.value.code == 2
    message = f"argument {option}: 'nan' must be a finite number of seconds above 0"
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("amount", ["nan", "inf", "-inf"])
def test_a_config_budget_must_be_finite(tmp_path, amount) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(f"[tool.jsonl-guard]\nmax-cost = {amount}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="max-cost must be a finite amount, zero or more"):
        load_config(path)


@pytest.mark.parametrize("amount", [float("nan"), float("inf")])
def test_a_library_budget_must_be_finite(amount) -> None:
    with pytest.raises(ValueError, match="finite amount"):
        JsonlGuard().options_for("train.jsonl", max_cost=amount)


def test_a_negative_config_budget_keeps_its_message() -> None:
    with pytest.raises(ConfigError, match=r"^x: max-cost must be a number of US dollars$"):
        apply_settings(CheckOptions(), {"max-cost": -1}, "x")


# --- no abbreviations; the closest option, model or profile suggested ------------------------


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found.extend(_parsers(sub))
    return found


def test_no_parser_takes_an_abbreviation() -> None:
    from jsonl_guard.cli.app import build_parsers

    parsers = _parsers(build_parsers()[0])
    assert {p.prog.split()[-1] for p in parsers} >= {"check", "finetune", "smoke", "models"}
    assert all(not p.allow_abbrev for p in parsers)


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["check", GOOD, "--mod", "gpt-4o-2024-08-06"], "did you mean --model?"),
        (["check", GOOD, "--modle=gpt-4o-2024-08-06"], "did you mean --model?"),
        (["check", "--exclud", "x", GOOD], "did you mean --exclude?"),
        (["finetune", GOOD, "--dry-rn"], "did you mean --dry-run?"),
        (["models", "--formt", "json"], "did you mean --format?"),
    ],
)
def test_a_mistyped_option_is_refused_with_the_closest_one(capsys, argv, suggestion) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err and suggestion in err


def test_an_unknown_option_with_nothing_close_gets_no_guess(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["check", GOOD, "--zzzzzz"])
    assert "did you mean" not in capsys.readouterr().err


def test_model_names_in_any_case(capsys) -> None:
    assert main(["check", GOOD, "--model", "GPT-4o-mini-2024-07-18", "--format", "json"]) == 0
    assert '"model": "gpt-4o-mini-2024-07-18"' in capsys.readouterr().out
    assert apply_settings(CheckOptions(), {"model": "GPT-4O-2024-08-06"}, "cli").model == (
        "gpt-4o-2024-08-06"
    )


def test_an_unknown_model_or_profile_suggests_the_closest(capsys) -> None:
    assert main(["check", GOOD, "--model", "gpt-4o-mini-2024-07-81"]) == 2
    assert "Did you mean 'gpt-4o-mini-2024-07-18'" in capsys.readouterr().err
    assert main(["check", GOOD, "--profile", "openai-chta"]) == 2
    assert "unknown profile 'openai-chta'. Did you mean 'openai-chat'" in capsys.readouterr().err
    assert main(["check", GOOD, "--profile", "OpenAI-Chat", "-q"]) == 0
