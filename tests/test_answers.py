"""Replies that teach the wrong thing: JG208 empty replies in every profile, JG311
conflicting answers, JG312 one answer to many prompts, JG313 refusals and boilerplate."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import FIXTURES, example
from jsonl_guard import CheckOptions, check_examples, check_lines
from jsonl_guard.cli import main
from jsonl_guard.engine.stats import DatasetStats
from jsonl_guard.rules.refusals import PHRASES, normalise, refusal
from jsonl_guard.rules.replies import answer_keys, view

ANSWER_CODES = {"JG311", "JG312", "JG313"}
# The rules that report an empty reply, one per profile (docs/answers.md).
EMPTY_REPLY_CODES = {"JG120", "JG208", "JG276", "JG277", "JG604", "JG621", "JG638", "JG661"}
PROFILES = FIXTURES / "profiles"


def codes_at(report: Any, line: int) -> set[str]:
    return {d.code for d in report.diagnostics if d.line == line}


def found(report: Any, code: str) -> list[int | None]:
    return [d.line for d in report.diagnostics if d.code == code]


def chat(question: str, answer: str, system: str = "You help.") -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }


def distinct(n: int) -> list[dict[str, Any]]:
    return [example(i) for i in range(n)]


# --- JG208: an empty reply is reported in every profile, exactly once ---


def _profiles_with_replies() -> list[str]:
    names = []
    for folder in sorted(PROFILES.iterdir()):
        first = json.loads((folder / "good.jsonl").read_text("utf-8").splitlines()[0])
        seen = view(first)
        if seen is not None and seen.answer is not None and seen.answer.text:
            names.append(folder.name)
    return names


def _blank(example: dict[str, Any], text: str) -> dict[str, Any]:
    """The example with its final reply's text replaced."""
    blank = copy.deepcopy(example)
    path = view(blank).answer.path  # type: ignore[union-attr]
    node: Any = blank
    for key in path[:-1]:
        node = node[key]
    target = node[path[-1]]
    if isinstance(target, str):
        node[path[-1]] = text
        return blank
    content = target.get("parts", target.get("content"))
    if isinstance(content, str):
        target["content"] = text
    else:
        for part in content:
            if "text" in part:
                part["text"] = text
    return blank


@pytest.mark.parametrize("profile", _profiles_with_replies())
@pytest.mark.parametrize("text", ["", "  \n"], ids=["empty", "whitespace"])
def test_an_empty_final_reply_is_reported_once_in_every_profile(profile, text):
    lines = (PROFILES / profile / "good.jsonl").read_text("utf-8").splitlines()
    options = (
        json.loads((PROFILES / profile / "options.json").read_text())
        if (PROFILES / profile / "options.json").exists()
        else {}
    )
    first = _blank(json.loads(lines[0]), text)
    report = check_lines(
        [json.dumps(first).encode(), *(line.encode() for line in lines[1:])],
        CheckOptions(profile=profile, model=options.get("model", CheckOptions().model))
        if "model" in options
        else CheckOptions(profile=profile),
    )
    assert len(codes_at(report, 1) & EMPTY_REPLY_CODES) == 1, codes_at(report, 1)


def test_a_reply_with_a_tool_call_and_no_text_is_not_empty():
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    reply = {"role": "assistant", "content": "", "tool_calls": [call]}
    example_ = {"messages": [{"role": "user", "content": "Hi"}, reply]}
    report = check_examples([example_], CheckOptions(profile="trl-messages"))
    assert found(report, "JG208") == []


# --- JG311: conflicting answers ---


def test_the_same_prompt_normalised_with_another_answer_conflicts():
    examples = distinct(10)
    examples[6] = chat("  WHERE is my   order?", "It ships tomorrow.")
    examples[2] = chat("Where is my order?", "It shipped yesterday.")
    examples[8] = chat("where is my order?\n", "It shipped yesterday.")  # agrees with line 3
    report = check_examples(examples)
    assert found(report, "JG311") == [7]
    (diagnostic,) = [d for d in report.diagnostics if d.code == "JG311"]
    assert "the prompt of line 3" in diagnostic.message


def test_another_system_message_is_another_prompt():
    examples = [*distinct(9), chat("Hi", "Hello!"), chat("Hi", "Hey!", system="Be brief.")]
    assert found(check_examples(examples), "JG311") == []


def test_preference_files_are_not_checked_for_conflicts():
    # Several pairs for one prompt are how preference data is made.
    path = FIXTURES / "profiles" / "openai-dpo" / "good.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    again = copy.deepcopy(rows[0])
    again["preferred_output"][0]["content"] = "Another preferred reply for the same input."
    report = check_examples([*rows, again])
    assert not ANSWER_CODES & {d.code for d in report.diagnostics}


# --- JG312: one answer to many prompts ---

TEMPLATE = "Thanks for asking! Our team will reply within two business days."


def test_a_template_answer_above_the_share_is_listed_at_every_line():
    examples = distinct(20)
    for i in (1, 5, 9):
        examples[i] = chat(f"Question {i}?", TEMPLATE)
    report = check_examples(examples)
    assert found(report, "JG312") == [2, 6, 10]  # 3 of 20 = 15% > 10%
    higher = check_examples(examples, CheckOptions(repeated_answer_share=0.2))
    assert found(higher, "JG312") == []


def test_short_labels_repeat_by_design():
    examples = [chat(f"Review {i}: great bike!", "positive") for i in range(20)]
    assert found(check_examples(examples), "JG312") == []


# --- JG313: refusals and boilerplate ---


@pytest.mark.parametrize(
    "text",
    [
        "As an AI language model, I cannot browse.",
        "I\u2019m sorry, but I can\u2019t help with that.",
        "i am sorry but i cannot do that",
        "I apologize, but I won't share that.",
        "En tant que modèle de langage, je ne peux pas.",
    ],
)
def test_refusal_phrases_are_found(text):
    assert refusal(normalise(text)) > 0


def test_every_phrase_finds_its_label_and_holds_its_anchor():
    for index, (label, anchor, _) in enumerate(PHRASES):
        assert refusal(normalise(label)) == index + 1, label
        assert anchor in normalise(label)


@pytest.mark.parametrize(
    "text",
    ["Sorry for the delay: your order ships today.", "I can help with that right away!"],
)
def test_ordinary_replies_are_not_refusals(text):
    assert refusal(normalise(text)) == 0


def test_refusals_above_the_share_are_listed():
    examples = distinct(20)
    examples[3] = chat("Can you hack it?", "I'm sorry, but I can't help with hacking.")
    report = check_examples(examples)
    assert found(report, "JG313") == []  # 1 of 20 = 5%, not above 5%
    examples[12] = chat("Your opinion?", "As an AI language model, I have no opinions.")
    report = check_examples(examples)
    assert found(report, "JG313") == [4, 13]
    assert found(check_examples(examples, CheckOptions(refusal_share=0.1)), "JG313") == []


def test_thresholds_come_from_the_config(tmp_path: Path, capsys):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.jsonl-guard]\nrefusal-share = 0.5\nrepeated-answer-share = 0.5\n"
    )
    examples = distinct(10)
    examples[1] = chat("Q1?", "As an AI language model, I cannot.")
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(e) + "\n" for e in examples))
    assert main(["check", str(data), "--format", "json"]) == 0
    assert "JG313" not in capsys.readouterr().out
    (tmp_path / "pyproject.toml").write_text("[tool.jsonl-guard]\nrefusal-share = 0.05\n")
    assert main(["check", str(data), "--format", "json"]) == 0  # warnings do not fail
    assert "JG313" in capsys.readouterr().out


def test_the_rules_can_be_ignored():
    examples = distinct(10)
    examples[1] = chat("Q1?", "As an AI language model, I cannot.")
    examples[2] = chat(example(5)["messages"][1]["content"], "Another answer.")
    options = CheckOptions(ignore=("JG311", "refusal-boilerplate"))
    assert not ANSWER_CODES & {d.code for d in check_examples(examples, options).diagnostics}


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["system", "user", "assistant"]), st.text(max_size=30)),
        min_size=1,
        max_size=5,
    ),
    st.booleans(),
)
def test_the_plain_conversation_shortcut_gives_the_general_keys(turns, calls):
    messages = [{"role": role, "content": text} for role, text in turns]
    if calls:  # a reply that calls a tool, with no text
        function = {"name": "f", "arguments": "{}"}
        messages.append(
            {"role": "assistant", "content": None, "tool_calls": [{"function": function}]}
        )
    # An empty system key takes the general path (view), where it adds nothing.
    general = answer_keys({"messages": messages, "system": ""})
    assert answer_keys({"messages": messages, "tools": []}) == general


def test_state_per_example():
    # 8 + 8 bytes of digests and a 4-byte line per example with a reply (docs/answers.md).
    stats = DatasetStats()
    keys = answer_keys(chat("Q?", "As an AI language model, no."))
    assert keys is not None
    stats.add_answer(keys, 1)
    assert (stats.prompt_digests.itemsize, stats.answer_digests.itemsize) == (8, 8)
    assert (stats.answer_lines.itemsize, stats.refusal_lines.itemsize) == (4, 4)
    assert stats.refusal_phrases.itemsize == 1


# --- properties ---


@settings(max_examples=15, deadline=None)
@given(st.integers(10, 25), st.data())
def test_a_planted_conflict_is_reported_at_its_line_only(n, data):
    examples = distinct(n)
    source = data.draw(st.integers(0, n - 2))
    target = data.draw(st.integers(source + 1, n - 1))
    question = examples[source]["messages"][1]["content"]
    examples[target] = chat(question.upper(), "A different answer entirely.")
    examples[target]["messages"][0]["content"] = examples[source]["messages"][0]["content"]
    report = check_examples(examples)
    assert found(report, "JG311") == [target + 1]
    assert not {"JG312", "JG313"} & {d.code for d in report.diagnostics}


@settings(max_examples=15, deadline=None)
@given(st.integers(10, 19), st.data())
def test_a_planted_refusal_is_reported_at_its_line_only(n, data):
    examples = distinct(n)
    target = data.draw(st.integers(0, n - 1))
    phrase = data.draw(st.sampled_from(["As an AI language model", "I'm sorry, but I can't"]))
    examples[target]["messages"][2]["content"] = f"{phrase} answer that."
    assert found(check_examples(examples), "JG313") == [target + 1]


# Clean generated datasets (every profile's strategies) get none of these findings:
# tests/test_properties.py and tests/test_profile_properties.py assert that a valid
# file has no warning at all, these rules included.
