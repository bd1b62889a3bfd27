"""The peers' conformance files (tests/fixtures/conformance/, a copy of
../shared/conformance/) read back through convert (issue 12 §6).

For every case of a profile convert reads and writes, line by line:

* a line the peer accepts reads into the neutral model with every message text, in
  order; it goes to OpenAI's format (openai-chat, or openai-dpo for preference pairs)
  and back to its profile as an example that profile accepts, equal to the original up
  to the documented normalisation (docs/convert.md), and reading and writing it in its
  own profile gives it back unchanged — except the lines of ``LIMITS``, the documented
  limitations, which say why;
* a file the peer rejects is not written: convert to its own profile lists the lines
  the peer rejects, as not convertible or rejected by the target.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from helpers import FIXTURES
from jsonl_guard import Checker, CheckOptions, NotConvertible, Severity, convert
from jsonl_guard.conversion.catalogue import find_converter, known_profiles
from jsonl_guard.conversion.changes import Changes
from jsonl_guard.conversion.neutral import Conversation, Example, Preference, Text, ToolResult
from jsonl_guard.conversion.run import convert_example

CONFORMANCE = FIXTURES / "conformance"
TOGETHER = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
# A peer's profile -> jsonl-guard's profile and the model the peer judged for.
PROFILES: dict[str, tuple[str, str | None]] = {
    "openai-chat": ("openai-chat", None),
    "mistral": ("mistral", "mistral-small-latest"),
    "together-conversation": ("together-conversation", TOGETHER),
    "together-instruction": ("together-instruction", TOGETHER),
    "together-preference": ("together-preference", TOGETHER),
    "vertex-gemini": ("vertex-gemini", None),
    "vertex-gemini-preference": ("vertex-gemini-preference", None),
    "bedrock-nova-lite": ("bedrock-nova", "amazon.nova-lite-v1:0"),
    "bedrock-nova-lite-2": ("bedrock-nova", "amazon.nova-2-lite-v1:0"),
    "bedrock-nova-micro": ("bedrock-nova", "amazon.nova-micro-v1:0"),
}
# Peer profiles convert has no reader and writer for (plain text; the newer Together
# SDK's structural check, whose files are judged under the other Together profiles).
NOT_CONVERTED = {"together-text", "together-structural", "mistral-pretrain"}
VISION = "gpt-4o-2024-08-06"  # OpenAI's hub model: it takes images
HUB = {"together-preference": "openai-dpo", "vertex-gemini-preference": "openai-dpo"}

# Valid lines that cannot make the trip, and why (docs/convert.md, "Limitations"):
# file -> (where it stops: "read" or the OpenAI profile, a phrase of the reason).
LIMITS = {
    "together/valid_instruction_multimodal.jsonl": ("read", "string prompt and completion"),
    "bedrock/nova_sft_one_with_video_format_success.jsonl": ("read", "['video']"),
    "bedrock/nova_sft_with_invalid_video_format_fails.jsonl": ("read", "['video']"),
    "bedrock/nova_sft_two_success.jsonl": ("read", "['reasoningContent']"),
    "bedrock/nova_tool_with_reasoning_content_success.jsonl": ("read", "['reasoningContent']"),
    "bedrock/nova_sft_two_doc_success.jsonl": ("read", "['document']"),
    "bedrock/nova_sft_one_with_image_success.jsonl": ("openai-chat", "'s3://"),
    "bedrock/nova_sft_with_invalid_img_format_fails.jsonl": ("openai-chat", "'s3://"),
    "vertex/documented_image_caption_example.jsonl": ("openai-chat", "'gs://"),
}
# Valid lines whose data URL is the peer's placeholder ("data:image/jpeg;base64,..."):
# Together's check reads the prefix only, OpenAI's decodes the data (JG242).
PLACEHOLDERS = {"together/valid_conversational_multimodal_single_turn.jsonl": "JG242"}


def _all_cases() -> list[dict[str, Any]]:
    """Every folder's cases.json, with the file's path and the peer's profile."""
    found = []
    for index in sorted(CONFORMANCE.glob("**/cases.json")):
        for case in json.loads(index.read_text("utf-8")):
            path = index.parent / case["file"]
            if not path.exists():  # together/ and mistral/ list files from conformance/
                path = CONFORMANCE / case["file"]
            profile = case.get("profile", "openai-chat")  # the cookbook's list has none
            found.append({**case, "profile": profile, "path": path})
    return found


CASES = [case for case in _all_cases() if case["profile"] in PROFILES]


def _key(case: dict[str, Any]) -> str:
    return case["path"].relative_to(CONFORMANCE).as_posix()


def _lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    return [
        (number, json.loads(raw))
        for number, raw in enumerate(path.read_bytes().splitlines(), 1)
        if raw.strip()
    ]


VALID = [
    pytest.param(case, number, example, id=f"{case['profile']}:{_key(case)}:{number}")
    for case in CASES
    if case["expect"] == "valid"
    for number, example in _lines(case["path"])
]
READ = [line for line in VALID if LIMITS.get(_key(line.values[0]), ("",))[0] != "read"]
INVALID = [case for case in CASES if case["expect"] == "invalid"]


def test_every_peer_profile_is_converted_or_known_not_to_be() -> None:
    """A new converter for a peer's profile must bring its cases into these tests."""
    peers = {case["profile"] for case in _all_cases()}
    assert peers == set(PROFILES) | NOT_CONVERTED
    assert {profile for profile, _ in PROFILES.values()} <= set(known_profiles())
    assert not NOT_CONVERTED & set(known_profiles())
    assert len(VALID) > 40 and len(INVALID) > 40  # the corpus is really read


# -- what the peer accepts ----------------------------------------------------------

_SKIPPED_KEYS = {"arguments", "args", "parameters", "tools", "toolConfig", "response", "json"}


def _source_texts(value: Any, parent: dict[str, Any] | None = None) -> list[str]:
    """The message texts of a raw example in document order: ``text``, ``content``,
    ``prompt`` and ``completion`` strings outside tool arguments and schemas."""
    if isinstance(value, list):
        return [text for item in value for text in _source_texts(item, parent)]
    if not isinstance(value, dict):
        return []
    texts: list[str] = []
    for key, item in value.items():
        if key in _SKIPPED_KEYS or (key == "input" and "toolUseId" in value):
            continue
        if key in ("text", "content", "prompt", "completion") and isinstance(item, str):
            texts.append(item)
        else:
            texts += _source_texts(item, value)
    return texts


def _neutral_texts(example: Example) -> list[str]:
    if isinstance(example, Preference):
        conversations = [example.prompt, Conversation((example.chosen,), None)]
        conversations.append(Conversation((example.rejected,), None))
        return [text for c in conversations for text in _neutral_texts(c)]
    if not isinstance(example, Conversation):
        return [example.prompt, example.completion]
    texts = [example.system] if example.system is not None else []
    for turn in example.turns:
        for part in turn.parts:
            if isinstance(part, Text):
                texts.append(part.text)
            elif isinstance(part, ToolResult):
                texts.append(part.content)
    return texts


def _in_order(wanted: list[str], found: list[str]) -> bool:
    """Every wanted text appears in ``found``'s texts, one after the other (a reader may
    join a system message's parts into one text)."""
    stream, at = "\0".join(found), 0
    for text in wanted:
        at = stream.find(text, at)
        if at < 0:
            return False
        at += len(text)
    return True


def _read(profile: str, example: dict[str, Any]) -> Example:
    return find_converter(profile).read(example, Changes())


@pytest.mark.parametrize(("case", "number", "example"), VALID)
def test_a_line_the_peer_accepts_reads_with_every_text_in_order(
    case: dict[str, Any], number: int, example: dict[str, Any]
) -> None:
    profile, _ = PROFILES[case["profile"]]
    stop, reason = LIMITS.get(_key(case), ("", ""))
    if stop == "read":
        with pytest.raises(NotConvertible, match=reason.replace("[", r"\[")) as refused:
            _read(profile, example)
        assert refused.value.hint  # says what to do
        return
    assert _in_order(_source_texts(example), _neutral_texts(_read(profile, example)))


def _accepted(profile: str, model: str | None, example: dict[str, Any], but: str = "") -> None:
    """The profile finds no error in the example (but the one code ``but``, if given)."""
    options = CheckOptions(profile=profile, **({"model": model} if model else {}))
    found = Checker(options).check_examples([example]).diagnostics
    errors = {d.code for d in found if d.line and d.severity is Severity.ERROR}
    assert errors == ({but} if but else set()), found


def _calls_numbered(messages: list[Any]) -> None:
    """Call ids become their order of first use (Mistral and Vertex renumber them)."""
    order: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or ():
            call["id"] = order.setdefault(call.get("id") or f"none {len(order)}", str(len(order)))
        if "tool_call_id" in message:
            message["tool_call_id"] = order.get(message["tool_call_id"], "?")


def _normalised(example: dict[str, Any]) -> dict[str, Any]:
    """The documented normalisation of a trip through OpenAI's format (docs/convert.md):
    a tool message's ``name`` goes (the call has it); an assistant message with calls and
    no text has ``content: null``; call ids may be renumbered; user and system weights
    go; a Bedrock ``json`` tool result becomes its JSON text."""
    out = copy.deepcopy(example)
    groups = [out.get("messages"), (out.get("input") or {}).get("messages")]
    for messages in [g for g in groups if isinstance(g, list)]:
        for message in messages:
            if message.get("role") == "tool":
                message.pop("name", None)
            if message.get("role") in ("user", "system"):
                message.pop("weight", None)
            if message.get("tool_calls") and not message.get("content"):
                message["content"] = None
            for block in message.get("content") if isinstance(message.get("content"), list) else ():
                result = block.get("toolResult") if isinstance(block, dict) else None
                for item in result["content"] if result else ():
                    if "json" in item:
                        item["text"] = json.dumps(item.pop("json"), ensure_ascii=False)
        _calls_numbered(messages)
    return out


@pytest.mark.parametrize(("case", "number", "example"), READ)
def test_a_line_the_peer_accepts_goes_to_openai_and_back_unchanged(
    case: dict[str, Any], number: int, example: dict[str, Any]
) -> None:
    profile, model = PROFILES[case["profile"]]
    hub = HUB.get(profile, "openai-chat")
    stop, reason = LIMITS.get(_key(case), ("", ""))
    same, _ = convert_example(example, read_from=profile, to=profile)
    assert _normalised(same) == _normalised(example)  # its own reader and writer lose nothing
    if stop == hub:
        with pytest.raises(NotConvertible, match=reason) as refused:
            convert_example(example, read_from=profile, to=hub)
        assert refused.value.hint
        return
    there, _ = convert_example(example, read_from=profile, to=hub)
    _accepted(hub, VISION, there, but=PLACEHOLDERS.get(_key(case), ""))
    back, _ = convert_example(there, read_from=hub, to=profile)
    _accepted(profile, model, back)
    assert _normalised(back) == _normalised(example)


# -- what the peer rejects ----------------------------------------------------------


@pytest.mark.parametrize("case", INVALID, ids=lambda c: f"{c['profile']}:{_key(c)}")
def test_a_file_the_peer_rejects_is_reported_not_written(
    case: dict[str, Any], tmp_path: Path
) -> None:
    profile, model = PROFILES[case["profile"]]
    out = tmp_path / "out.jsonl"
    result = convert(case["path"], out, to=profile, read_from=profile, model=model)
    assert not out.exists() and result.written == 0
    lines = {problem.line for problem in result.problems}
    assert set(case["invalid_lines"]) <= lines, case["reason"]
    assert all(problem.reason for problem in result.problems)


# -- regressions: what the peer files showed convert dropping or repairing silently ---


def _line(name: str, number: int = 1) -> dict[str, Any]:
    return dict(_lines(CONFORMANCE / name))[number]


def _kinds(changes: list[Any]) -> list[str]:
    return [change.kind for change in changes]


def test_parallel_tool_calls_stays_in_openai_and_is_reported_where_it_goes() -> None:
    drone = _line("drone_training_first2.jsonl")
    same, changes = convert_example(drone, read_from="openai-chat", to="openai-chat")
    assert same["parallel_tool_calls"] is False and not changes
    _, changes = convert_example(drone, read_from="openai-chat", to="vertex-gemini")
    assert _kinds(changes) == ["setting-dropped"]


def test_together_weights_on_user_and_system_messages_are_kept_or_reported() -> None:
    weighted = _line("together/valid_weights_all_messages.jsonl", 2)  # system 0, user 1
    same, changes = convert_example(
        weighted, read_from="together-conversation", to="together-conversation"
    )
    assert same == weighted and not changes
    _, changes = convert_example(weighted, read_from="together-conversation", to="openai-chat")
    assert _kinds(changes) == ["weight-dropped"]  # the user's 1; a system 0 is the default
    assert "user weight 1" in changes[0].detail


def test_a_bucket_owner_stays_with_its_s3_image() -> None:
    image = _line("bedrock/nova_sft_one_with_image_success.jsonl")
    same, _ = convert_example(image, read_from="bedrock-nova", to="bedrock-nova")
    assert same == image


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("together/invalid_weight_float.jsonl", "weight 1.0 is not the integer 0 or 1"),
        ("mistral/assistant_weight_0_5.jsonl", "weight 0.5 is not the integer 0 or 1"),
        ("together/missing_content_in_conversation.jsonl", "assistant message without content"),
        ("together/preference_wrong_output_format_preferred.jsonl", "not a list of messages"),
        ("together/preference_non_dict_input.jsonl", "input is not an object"),
        ("bedrock/nova_tool_config_empty_tools_list_fail.jsonl", "toolConfig lists no tools"),
        ("bedrock/nova_sft_one_mixing_image_and_video_fail.jsonl", "a block is one kind"),
    ],
)
def test_a_line_convert_would_have_repaired_without_a_word_is_not_convertible(
    name: str, reason: str
) -> None:
    profile, _ = PROFILES[next(c["profile"] for c in CASES if _key(c) == name)]
    with pytest.raises(NotConvertible, match=reason):
        _read(profile, _line(name))


def test_an_unknown_image_format_is_not_replaced_by_the_file_name() -> None:
    fake = _line("bedrock/nova_sft_one_with_image_fail.jsonl")  # format "fake_format", .png
    with pytest.raises(NotConvertible, match="png/jpeg/gif/webp"):
        convert_example(fake, read_from="bedrock-nova", to="bedrock-nova")


def test_a_final_call_without_an_id_gets_one_openai_accepts() -> None:
    mistral = _line("mistral/final_tool_call_without_id.jsonl")
    chat, changes = convert_example(mistral, read_from="mistral", to="openai-chat")
    assert chat["messages"][-1]["tool_calls"][0]["id"] == "call_1"
    assert _kinds(changes) == ["id-remapped"]
    _accepted("openai-chat", None, chat)
