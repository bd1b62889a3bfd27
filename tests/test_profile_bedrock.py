"""AWS Bedrock profiles: detection, the peers' conformance cases, validation-file limits,
the per-model Nova rules and the Bedrock strategies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import assert_peer_case, peer_cases
from jsonl_guard import Checker, CheckOptions, Severity, check_lines, check_path
from jsonl_guard.engine.models import resolve_model
from jsonl_guard.engine.profiles import profile_table, resolve_profile

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFORMANCE = FIXTURES / "conformance" / "bedrock"
PROFILES = ("bedrock-claude", "bedrock-nova", "bedrock-converse", "bedrock-llama-completion")
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
NOVA_LITE, NOVA_2 = "amazon.nova-lite-v1:0", "amazon.nova-2-lite-v1:0"
NOVA_MICRO, NOVA_PRO = "amazon.nova-micro-v1:0", "amazon.nova-pro-v1:0"
# The peers' per-model rule variants of the one Nova format.
PEER_MODELS = {
    "bedrock-nova-lite": NOVA_LITE,
    "bedrock-nova-lite-2": NOVA_2,
    "bedrock-nova-micro": NOVA_MICRO,
}
SYSTEM = "You are the support assistant for Spokewise, a chain of bike shops."


def _line(example: dict[str, Any]) -> bytes:
    return json.dumps(example).encode()


def _codes(report: Any, severity: Severity | None = Severity.ERROR) -> list[str]:
    return sorted(d.code for d in report.diagnostics if severity is None or d.severity is severity)


def _nova(*user: dict[str, Any], reply: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "messages": [
            {"role": "user", "content": [{"text": "What is in this clip?"}, *user]},
            {"role": "assistant", "content": reply or [{"text": "A bike being serviced."}]},
        ],
    }


def _media(kind: str, fmt: str) -> dict[str, Any]:
    uri = f"s3://spokewise-finetune/{kind}s/clip.{fmt}"
    return {kind: {"format": fmt, "source": {"s3Location": {"uri": uri}}}}


def _line_errors(model: str, example: dict[str, Any]) -> list[str]:
    options = CheckOptions(model=model, profile="bedrock-nova", ignore=("JG301", "JG302"))
    return _codes(check_lines([_line(example)], options))


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_good_file_is_detected_with_its_default_model(profile: str) -> None:
    path = FIXTURES / "profiles" / profile / "good.jsonl"
    model = resolve_profile(profile).default_model
    report = check_path(path, CheckOptions(model=model, model_source="cli"))
    assert (report.format, report.profile_source) == (profile, "detected")
    assert report.examples >= resolve_model(model).min_examples
    # Some fixtures repeat a conversation with another product: near-duplicates (JG314).
    assert [code for code in _codes(report, None) if code != "JG314"] == []


def test_detection_without_a_model() -> None:
    # Nova and Llama 3.2 share the format; Nova is listed first and wins without a model.
    assert check_lines([_line(_nova())]).format == "bedrock-nova"
    # The same keys as OpenAI's formats, which win without a model.
    legacy = {"prompt": "Q", "completion": " A"}
    assert check_lines([_line(legacy)]).format == "openai-completion"
    # A top-level `system` string is Claude's (an optional key that breaks the tie).
    claude = {"system": SYSTEM, "messages": [{"role": "user", "content": "Hi"}]}
    assert check_lines([_line(claude)]).format == "bedrock-claude"
    plain = {"messages": [{"role": "user", "content": "Hi"}]}
    assert check_lines([_line(plain)]).format == "openai-chat"


def test_any_schema_version_is_nova() -> None:
    """AWS: "schemaVersion can be any string value"; detection uses the key only."""
    example = {**_nova(), "schemaVersion": "2024-custom"}
    report = check_lines([_line(example)], CheckOptions(ignore=("JG301",)))
    assert (report.format, _codes(report, None)) == ("bedrock-nova", [])


@pytest.mark.parametrize("system", [True, False])
def test_claude_is_detected_through_the_model(system: bool) -> None:
    example: dict[str, Any] = {"system": SYSTEM} if system else {}
    example["messages"] = [
        {"role": "user", "content": "Is the shop open?"},
        {"role": "assistant", "content": "Yes, until 6pm."},
    ]
    # `system` is optional line by line.
    second = {
        "messages": [
            {"role": "user", "content": "Do you fix punctures?"},
            {"role": "assistant", "content": "Yes, while you wait."},
        ]
    }
    options = CheckOptions(model=HAIKU, model_source="cli", ignore=("JG301",))
    report = check_lines([_line(example), _line(second)], options)
    assert report.format == "bedrock-claude"
    assert _codes(report, None) == []


def test_claude_with_system_is_detected_without_a_model() -> None:
    claude = {"system": SYSTEM, "messages": [{"role": "user", "content": "Hi"}]}
    assert check_lines([_line(claude)]).format == "bedrock-claude"
    # Later lines may omit the optional `system`: still Claude lines, not foreign ones.
    bare = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    }
    report = check_lines([_line(claude), _line(bare)])
    assert report.format == "bedrock-claude"
    assert "JG130" not in {d.code for d in report.diagnostics}


@pytest.mark.parametrize(
    ("model", "profile"),
    [
        ("meta.llama3-2-1b-instruct-v1:0", "bedrock-converse"),
        ("meta.llama3-2-90b-instruct-v1", "bedrock-converse"),  # the name AWS's script uses
        ("meta.llama3-1-70b-instruct-v1:0", "bedrock-llama-completion"),
        ("us.amazon.nova-2-lite-v1:0", "bedrock-nova"),
    ],
)
def test_the_model_picks_among_shared_formats(model: str, profile: str) -> None:
    example = {"prompt": "Q", "completion": " A"} if "llama3-1" in model else _nova()
    report = check_lines([_line(example)], CheckOptions(model=model, model_source="cli"))
    assert report.format == profile


# -- conformance ---------------------------------------------------------------------------------

CASES = json.loads((CONFORMANCE / "cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['profile']}:{c['file']}" for c in CASES])
def test_conformance_with_aws_nova_validator(case: dict[str, Any]) -> None:
    """Every case agrees with the peer (28 of 28).

    The peer's tests validate samples one by one, so the file-level count rules (JG301 for
    the 1-line files, JG302) are not part of its verdict and are left out here. Warnings
    do not change a verdict: nova_sft_two_doc_* carry a `reasoning_content` message key,
    which AWS ignores and we warn about (JG637).
    """
    model = PEER_MODELS[case["profile"]]
    options = CheckOptions(model=model, model_source="cli", ignore=("JG301", "JG302"))
    report = check_path(CONFORMANCE / case["file"], options)
    assert report.format == "bedrock-nova"
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR and d.line]
    lines = sorted({d.line for d in errors})
    if case["expect"] == "valid":
        assert errors == []
    else:
        assert lines == case["invalid_lines"]
    assert not [d for d in report.diagnostics if d.severity is Severity.ERROR and not d.line]


# -- limits: training vs validation ----------------------------------------------------------


def _claude_file(path: Path, count: int) -> Path:
    rows = [
        {
            "system": SYSTEM,
            "messages": [
                {"role": "user", "content": f"Is frame {n} in stock?"},
                {"role": "assistant", "content": f"Yes, frame {n} is in stock."},
            ],
        }
        for n in range(count)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_haiku_validation_file_gets_validation_limits(tmp_path: Path) -> None:
    """AWS's script checks validation files with the training limits (a bug); we don't."""
    training = _claude_file(tmp_path / "train.jsonl", 40)
    validation = tmp_path / "valid.jsonl"
    validation.write_text(
        "".join(
            json.dumps(
                {
                    "system": SYSTEM,
                    "messages": [
                        {"role": "user", "content": f"Hold bike {n}?"},
                        {"role": "assistant", "content": f"Bike {n} is held."},
                    ],
                }
            )
            + "\n"
            for n in range(1001)
        )
    )
    checker = Checker(CheckOptions(model=HAIKU, model_source="cli"))
    pair = checker.check_pair(training, validation)
    assert "JG304" in _codes(pair.files[1])
    assert "JG301" not in _codes(pair.files[1])  # no minimum for validation files
    # The same 1,001 examples as a training file are well under the 10,000 limit.
    assert _codes(checker.check_path(validation)) == []


def test_haiku_minimum_and_file_size(tmp_path: Path) -> None:
    checker = Checker(CheckOptions(model=HAIKU, model_source="cli"))
    assert "JG301" in _codes(checker.check_path(_claude_file(tmp_path / "small.jsonl", 31)))
    lines = _claude_file(tmp_path / "ok.jsonl", 32).read_bytes().splitlines()
    assert _codes(checker.check_lines(lines, size=10240 * 1024 * 1024)) == []
    assert "JG105" in _codes(checker.check_lines(lines, size=10240 * 1024 * 1024 + 1))


def test_haiku_tokens_are_characters_over_three() -> None:
    long = {
        "system": "",
        "messages": [
            {"role": "user", "content": "x" * 96_001},
            {"role": "assistant", "content": "ok"},
        ],
    }
    options = CheckOptions(model=HAIKU, ignore=("JG301",))
    report = check_lines([_line(long)], options)
    # 96,003 characters / 3 = 32,001 estimated tokens: one over the limit.
    assert "JG401" in _codes(report)


# -- per-model Nova rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "lite", "lite_2", "micro"),
    [
        (_media("image", "webp"), [], ["JG623"], ["JG625"]),
        (_media("video", "webm"), [], ["JG623"], ["JG625"]),
        (_media("image", "PNG"), [], [], ["JG625"]),  # AWS compares formats case-insensitively
        (_media("document", "pdf"), [], [], ["JG625"]),
        (_media("document", "docx"), ["JG623"], ["JG623"], ["JG625"]),
    ],
)
def test_media_per_model(block: dict[str, Any], lite: list, lite_2: list, micro: list) -> None:
    example = _nova(block)
    assert _line_errors(NOVA_LITE, example) == lite
    assert _line_errors(NOVA_PRO, example) == lite
    assert _line_errors(NOVA_2, example) == lite_2
    assert _line_errors(NOVA_MICRO, example) == micro


def test_reasoning_and_tools_only_on_nova_2() -> None:
    reasoning = _nova(
        reply=[
            {"reasoningContent": {"reasoningText": {"text": "Look at the chain."}}},
            {"text": "A chain swap."},
        ]
    )
    assert _line_errors(NOVA_LITE, reasoning) == ["JG630"]
    assert _line_errors(NOVA_2, reasoning) == []
    tools = {
        **_nova(),
        "toolConfig": {
            "tools": [
                {
                    "toolSpec": {
                        "name": "track",
                        "description": "Track",
                        "inputSchema": {"json": {"type": "object"}},
                    }
                }
            ]
        },
    }
    assert _line_errors(NOVA_MICRO, tools) == ["JG632"]
    assert _line_errors(NOVA_2, tools) == []


def test_reserved_words_are_case_sensitive_like_aws() -> None:
    assert _line_errors(NOVA_LITE, _nova({"text": "Bot: hello"})) == ["JG622"]
    assert _line_errors(NOVA_LITE, _nova({"text": "my file system: ext4"})) == []
    # Every text is scanned, the reply's too: AWS's ContentItem checks its text whatever the
    # role (nova_ft_dataset_validator.py; the later validator adds <unk> to the list).
    assert _line_errors(NOVA_LITE, _nova(reply=[{"text": "User: noted."}])) == ["JG622"]
    assert _line_errors(NOVA_2, _nova({"text": "a <unk> token"})) == ["JG622"]


def test_image_limit_counts_per_message() -> None:
    ten = _nova(*[_media("image", "png")] * 10)
    assert _line_errors(NOVA_LITE, ten) == []
    assert _line_errors(NOVA_LITE, _nova(*[_media("image", "png")] * 11)) == ["JG626"]


def test_llama_converse_rules() -> None:
    options = CheckOptions(model="meta.llama3-2-3b-instruct-v1:0", model_source="cli")
    image = _nova(_media("image", "png"))
    assert _codes(check_lines([_line(image)], options)) == ["JG625"]
    vision = CheckOptions(model="meta.llama3-2-11b-instruct-v1:0", model_source="cli")
    assert _codes(check_lines([_line(image)], vision)) == []
    two = {**image, "system": [{"text": "Be brief."}, {"text": "Be kind."}]}
    assert _codes(check_lines([_line(two)], vision)) == ["JG636"]
    # Llama does not scan reserved words; Nova does.
    reserved = _nova({"text": "User: hi"})
    assert _codes(check_lines([_line(reserved)], vision)) == []


def test_provider_table_entries_name_their_sources() -> None:
    for name, profile in profile_table().items():
        if profile.provider == "bedrock":
            model = resolve_model(profile.default_model)
            assert model.provider == "bedrock" and model.source, name
            assert model.encoding == "" and model.chars_per_token == 3.0


def test_empty_content_list_is_one_schema_error() -> None:
    example = _nova()
    example["messages"][1]["content"] = []
    assert _line_errors(NOVA_LITE, example) == ["JG116"]
    # AWS rejects text whose total length is 0, not whitespace (JG638 warns about that).
    example["messages"][1]["content"] = [{"text": ""}, {"text": ""}]
    assert _line_errors(NOVA_LITE, example) == ["JG621"]
    example["messages"][1]["content"] = [{"text": ""}, {"text": " "}]
    assert _line_errors(NOVA_LITE, example) == []


# -- the disagreements with AWS's Nova validators found by the differential run (issue 11) ----------------

FOUND_PEER_CASES = peer_cases("bedrock")


@pytest.mark.parametrize("case", FOUND_PEER_CASES, ids=lambda case: case["file"])
def test_verdict_on_a_case_aws_was_found_to_disagree_on(case: dict) -> None:
    """Each file is one disagreement found once (tests/fixtures/peers/cases.json: the peer's
    verdict and reason); the peer's verdict is checked again in tests/peers/."""
    assert_peer_case(case)


def test_whitespace_only_text_stays_an_error_for_claude() -> None:
    """Only Nova's validators are known to accept whitespace text (JG638 warns there)."""
    options = CheckOptions(model=HAIKU, model_source="cli", ignore=("JG301", "JG302"))
    example = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": " "}]
    }
    assert _codes(check_lines([_line(example)], options)) == ["JG621"]
