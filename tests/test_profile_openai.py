"""OpenAI's DPO, RFT and legacy completion profiles, and the Azure OpenAI model names."""

from __future__ import annotations

import json

import pytest
import tiktoken

from helpers import FIXTURES, assert_peer_case, example, peer_cases
from jsonl_guard import CheckOptions, Severity, check_lines, check_path
from jsonl_guard.engine.models import resolve_model
from jsonl_guard.engine.profiles import choose_profile, profiles_of

PROFILES = FIXTURES / "profiles"
PEER = FIXTURES / "conformance" / "openai-dpo-together"
DPO = {
    "input": {"messages": [{"role": "user", "content": "Can I ride in the rain?"}]},
    "preferred_output": [{"role": "assistant", "content": "Yes; oil the chain afterwards."}],
    "non_preferred_output": [{"role": "assistant", "content": "Sure."}],
}
LEGACY = {"prompt": "Customer: Do you fit tubeless tires?\nAgent:", "completion": " Yes."}
RFT = {"messages": [{"role": "user", "content": "Is 80 psi right?"}], "reference_answer": "yes"}


def _lines(path):
    return path.read_bytes().splitlines()


def _problems(report):
    # The profile fixtures repeat a few conversations with a word or two changed, on
    # purpose: near-duplicates (JG314) are not what these tests are about.
    return [
        (d.code, d.line)
        for d in report.diagnostics
        if d.severity is not Severity.INFO and d.code != "JG314"
    ]


# -- detection ----------------------------------------------------------------------------------


def test_dpo_and_completion_are_detected_by_their_keys() -> None:
    assert choose_profile(DPO, model=None).profile.name == "openai-dpo"
    assert choose_profile(LEGACY, model=None).profile.name == "openai-completion"
    report = check_path(PROFILES / "openai-dpo" / "good.jsonl")
    assert report.cost is not None
    assert (report.format, report.cost.model) == ("openai-dpo", "gpt-4o-mini-2024-07-18")
    report = check_path(PROFILES / "openai-completion" / "good.jsonl")
    assert report.cost is not None
    assert (report.format, report.cost.model) == ("openai-completion", "babbage-002")


def test_rft_is_chosen_by_the_model_only() -> None:
    o4 = resolve_model("o4-mini")
    assert choose_profile(RFT, model=None).profile.name == "openai-chat"
    assert choose_profile(RFT, model=o4).profile.name == "openai-rft"
    options = CheckOptions(model="o4-mini", model_source="cli")
    report = check_path(PROFILES / "openai-rft" / "good.jsonl", options)
    assert report.format == "openai-rft" and _problems(report) == []


@pytest.mark.parametrize(
    ("profile", "model"),
    [("openai-dpo", "gpt-4.1-nano"), ("openai-completion", "gpt-4o-mini")],
)
def test_data_for_a_model_without_the_method_is_jg310(profile: str, model: str) -> None:
    options = CheckOptions(model=model, model_source="cli")
    report = check_path(PROFILES / profile / "good.jsonl", options)
    assert report.format == profile
    assert _problems(report) == [("JG310", None)]
    assert f"does not take the {profile} format" in report.diagnostics[0].message


def test_profile_good_files_are_clean_under_their_default_model() -> None:
    for profile in ("openai-dpo", "openai-rft", "openai-completion"):
        report = check_path(PROFILES / profile / "good.jsonl", CheckOptions(profile=profile))
        assert _problems(report) == [], profile


def test_legacy_lines_in_a_chat_file_are_a_foreign_format() -> None:
    lines = [json.dumps(example(i)).encode() for i in range(12)]
    lines[4] = json.dumps(LEGACY).encode()
    report = check_lines(lines, CheckOptions(ignore=("JG302",)))
    assert [(d.code, d.line) for d in report.diagnostics] == [("JG130", 5)]
    assert "openai-completion format" in report.diagnostics[0].message


# -- token counts -------------------------------------------------------------------------------


def _chat_tokens(encoding, messages) -> int:
    """The cookbook formula: 3 per message + role + content, 3 per example."""
    return 3 + sum(
        3 + len(encoding.encode(m["role"])) + len(encoding.encode(m["content"])) for m in messages
    )


def test_dpo_counts_the_input_with_the_longer_output() -> None:
    encoding = tiktoken.get_encoding("o200k_base")
    rows = [json.loads(line) for line in _lines(PROFILES / "openai-dpo" / "good.jsonl")]
    rows = [r for r in rows if "tools" not in r["input"]]
    report = check_lines([json.dumps(r).encode() for r in rows], CheckOptions(min_examples=1))
    assert report.tokens is not None
    expected = [
        max(
            _chat_tokens(encoding, [*r["input"]["messages"], *r[key]])
            for key in ("preferred_output", "non_preferred_output")
        )
        for r in rows
    ]
    assert report.tokens.total == sum(expected)
    assert report.tokens.per_example.max == max(expected)


def test_completion_counts_prompt_plus_completion_in_cl100k() -> None:
    encoding = tiktoken.get_encoding("cl100k_base")
    rows = [json.loads(line) for line in _lines(PROFILES / "openai-completion" / "good.jsonl")]
    report = check_path(PROFILES / "openai-completion" / "good.jsonl")
    expected = sum(
        len(encoding.encode(r["prompt"])) + len(encoding.encode(r["completion"])) for r in rows
    )
    assert report.tokens is not None and report.tokens.total == expected


# -- Azure --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "table_name", "limit", "images", "profiles"),
    [
        ("gpt-35-turbo-0613", "gpt-35-turbo-0613", 4096, 10, ["openai-chat"]),
        ("gpt-35-turbo", "gpt-35-turbo-0125", 16385, 10, ["openai-chat"]),
        ("azure/gpt-4o", "azure/gpt-4o-2024-08-06", 65536, 64, ["openai-chat", "openai-dpo"]),
        ("azure/gpt-4.1", "azure/gpt-4.1-2025-04-14", 65536, 64, ["openai-chat", "openai-dpo"]),
        ("azure/gpt-4.1-nano", "azure/gpt-4.1-nano-2025-04-14", 32768, 10, ["openai-chat"]),
        ("azure/o4-mini", "azure/o4-mini-2025-04-16", 65536, 10, ["openai-rft"]),
    ],
)
def test_azure_names_resolve_with_their_limits(name, table_name, limit, images, profiles) -> None:
    spec = resolve_model(name)
    assert (spec.table_name, spec.provider, spec.token_limit) == (table_name, "azure", limit)
    assert spec.max_images_per_example == images and spec.max_file_mb == 512
    assert [p.name for p in profiles_of(spec)] == profiles


def test_azure_allows_64_images_where_openai_allows_10() -> None:
    parts = [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}] * 12
    row = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Which frame?"}, *parts]},
            {"role": "assistant", "content": "The steel one."},
        ]
    }
    lines = [json.dumps(row).encode()]
    for model, expected in (("gpt-4o", ["JG241"]), ("azure/gpt-4o", [])):
        options = CheckOptions(model=model, model_source="cli", min_examples=1, ignore=("JG302",))
        assert [
            d.code for d in check_lines(lines, options).diagnostics if d.severity is Severity.ERROR
        ] == expected


# -- peer conformance (Together's checks of the same OpenAI preference format) ------------------

PEER_CASES = json.loads((PEER / "cases.json").read_text("utf-8"))
# Where jsonl-guard deliberately disagrees with Together, and why (docs/providers/openai.md).
DISAGREE = {
    # Together requires strictly alternating user/assistant turns. OpenAI's preference
    # schema has no such rule (two user messages in a row are valid chat input).
    "preference_non_alternating_roles.jsonl": "valid",
}


@pytest.mark.parametrize("case", PEER_CASES, ids=[c["file"] for c in PEER_CASES])
def test_peer_preference_cases(case) -> None:
    report = check_path(PEER / case["file"], CheckOptions(profile="openai-dpo", min_examples=1))
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    expect = DISAGREE.get(case["file"], case["expect"])
    assert ("invalid" if errors else "valid") == expect
    if expect == "invalid" and case["invalid_lines"]:
        assert sorted({d.line for d in errors}) == case["invalid_lines"]


# -- decisions where every provider accepts what jsonl-guard flags (issue 11, docs/peers.md) ----

FOUND_PEER_CASES = peer_cases("openai")


@pytest.mark.parametrize("case", FOUND_PEER_CASES, ids=lambda case: case["file"])
def test_duplicate_keys_and_blank_completions_warn_as_the_providers_accept_them(case: dict) -> None:
    """A duplicate key and a whitespace completion pass every provider's parser or legacy
    validator: warnings (no false alarm, no silent loss); an empty completion stays an error
    (the legacy validator's necessary fix)."""
    assert_peer_case(case)
