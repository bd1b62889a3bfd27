"""jsonl-guard convert (issue 12): readers and writers through the neutral model, the
validation by the target profile before writing, atomic and never-overwriting output."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from jsonl_guard import Checker, CheckOptions, ConvertResult, NotConvertible, Severity, convert
from jsonl_guard.cli import main
from jsonl_guard.conversion.catalogue import known_profiles
from jsonl_guard.conversion.run import ConvertError, convert_example
from jsonl_guard.providers.openai.strategies import completion_examples, dpo_examples
from jsonl_guard.providers.vertex.strategies import sft_examples as vertex_examples
from jsonl_guard.strategies import chat_examples

ROOT_FIXTURES = Path(__file__).parent / "fixtures"
FIXTURES = ROOT_FIXTURES / "convert" / "openai-chat"
SOURCE = FIXTURES / "source.jsonl"
PROPERTY = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


def _rows(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


# -- fixtures per pair --------------------------------------------------------------


def test_openai_chat_to_vertex_gemini_matches_the_fixture(tmp_path: Path) -> None:
    out = tmp_path / "vertex.jsonl"
    result = convert(SOURCE, out, to="vertex-gemini")
    assert result.ok and result.written == 3 and result.line_map == [1, 2, 3]
    assert _rows(out) == _rows(FIXTURES / "vertex-gemini.jsonl")
    kinds = {(c.kind, c.line) for c in result.changes}
    assert kinds == {("weight-dropped", 1), ("name-dropped", 1)}


def test_vertex_gemini_back_to_openai_chat_keeps_every_text_and_call(tmp_path: Path) -> None:
    out, source = tmp_path / "back.jsonl", tmp_path / "vertex.jsonl"
    # A blank first line: the source profile is detected from the first example.
    source.write_bytes(b"\n" + (FIXTURES / "vertex-gemini.jsonl").read_bytes())
    result = convert(source, out, to="openai-chat", model="gpt-4o-2024-08-06")
    assert result.ok, result.problems
    assert result.source == "vertex-gemini" and result.line_map == [2, 3, 4]
    assert result.tokens and result.estimated_usd  # OpenAI publishes a price
    back, rows = _rows(out), _rows(SOURCE)
    assert [_normalised(row) for row in back] == [_normalised(row) for row in rows]
    # The image kept its URL; Vertex's fileData needs a MIME type, told from the name.
    assert _rows(FIXTURES / "vertex-gemini.jsonl")[1]["contents"][0]["parts"][1] == {
        "fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/wheel.jpg"}
    }


def test_openai_chat_to_trl_messages_skips_the_image_line_only_when_asked(
    tmp_path: Path,
) -> None:
    out = tmp_path / "trl.jsonl"
    refused = convert(SOURCE, out, to="trl-messages")
    assert not refused.ok and not out.exists()
    assert [(p.line, p.code) for p in refused.problems] == [(2, "")]
    assert "image" in refused.problems[0].reason and refused.problems[0].hint
    result = convert(SOURCE, out, to="trl-messages", skip_invalid=True)
    assert (result.written, result.skipped, result.line_map) == (2, 1, [1, 3])
    assert _rows(out) == _rows(FIXTURES / "trl-messages.jsonl")
    call = _rows(out)[0]["messages"][4]["tool_calls"][0]["function"]
    assert call["arguments"] == {"order_id": "SW-100231"}  # an object, as chat templates read it


def test_trl_messages_back_to_openai_chat(tmp_path: Path) -> None:
    out = tmp_path / "back.jsonl"
    # Detection (as `check` does it) takes messages for openai-chat: --from says TRL.
    result = convert(
        FIXTURES / "trl-messages.jsonl", out, to="openai-chat", read_from="trl-messages"
    )
    assert result.ok and result.source == "trl-messages"
    source = [row for i, row in enumerate(_rows(SOURCE), 1) if i != 2]
    assert [_normalised(r) for r in _rows(out)] == [_normalised(r) for r in source]


def test_an_inline_image_is_not_convertible_to_vertex(tmp_path: Path) -> None:
    out = tmp_path / "v.jsonl"
    result = convert(FIXTURES / "inline-image.jsonl", out, to="vertex-gemini")
    assert [p.line for p in result.problems] == [2] and "gs://" in result.problems[0].hint
    assert not out.exists()


def test_a_line_the_target_rejects_points_at_its_source_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]},
        {  # calls a function its tools do not declare: Vertex rejects it (JG607)
            "messages": [
                {"role": "user", "content": "Stock?"},
                {"role": "assistant", "tool_calls": [_call("check_stock")]},
                {"role": "tool", "tool_call_id": "c1", "content": "3"},
                {"role": "assistant", "content": "3 left."},
            ],
            "tools": [{"type": "function", "function": {"name": "book_service"}}],
        },
    ]
    # Blank lines first: detection reads the first example, and line numbers count them.
    source.write_text("\n\n" + "\n".join(json.dumps(r) for r in rows) + "\n\n", "utf-8")
    result = convert(source, tmp_path / "out.jsonl", to="vertex-gemini")
    assert result.source == "openai-chat" and [p.line for p in result.problems] == [4]
    assert result.problems[0].code == "JG607" and not (tmp_path / "out.jsonl").exists()
    skipped = convert(source, tmp_path / "out.jsonl", to="vertex-gemini", skip_invalid=True)
    assert skipped.line_map == [3] and len(_rows(tmp_path / "out.jsonl")) == 1


def _call(name: str) -> dict[str, Any]:
    return {"id": "c1", "type": "function", "function": {"name": name, "arguments": "{}"}}


# -- nothing lost, nothing silent ----------------------------------------------------


def test_never_over_an_existing_file_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n", "utf-8")
    with pytest.raises(ConvertError, match="--force"):
        convert(SOURCE, out, to="vertex-gemini")
    assert out.read_text("utf-8") == "keep me\n"
    assert convert(SOURCE, out, to="vertex-gemini", force=True).written == 3
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_never_the_input(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(SOURCE.read_bytes())
    with pytest.raises(ConvertError, match="overwrite the input"):
        convert(source, tmp_path / "." / "in.jsonl", to="vertex-gemini", force=True)
    assert source.read_bytes() == SOURCE.read_bytes()


def test_an_output_that_cannot_be_a_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    """A folder (even with --force) or a path in a missing folder: exit 2 with the reason,
    before anything is read (both ended in an internal error)."""
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(ConvertError, match="is a folder"):
        convert(SOURCE, folder, to="vertex-gemini", force=True)
    assert folder.is_dir() and not any(folder.iterdir())
    missing = tmp_path / "no-such-folder" / "out.jsonl"
    with pytest.raises(ConvertError, match="does not exist; create it first"):
        convert(SOURCE, missing, to="vertex-gemini")
    assert main(["convert", str(SOURCE), "--to", "vertex-gemini", "-o", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "internal error" not in err


def test_a_failed_conversion_leaves_the_existing_output_and_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", "utf-8")
    result = convert(FIXTURES / "inline-image.jsonl", out, to="vertex-gemini", force=True)
    assert not result.ok and out.read_text("utf-8") == "old\n"
    assert list(tmp_path.iterdir()) == [out]


# -- the command line ----------------------------------------------------------------


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["convert", str(SOURCE), "--to", "vertex-gemini", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "written: 3" in text and "target tokens (estimated): " in text
    assert main(["convert", str(SOURCE), "--to", "vertex-gemini", "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    bad = ["convert", str(SOURCE), "--to", "trl-messages", "-o", str(tmp_path / "t.jsonl")]
    assert main(bad) == 1
    text = capsys.readouterr().out
    assert "line 2:" in text and "hint:" in text and "weight-dropped: 1 line(s): 1" in text
    assert main([*bad, "--skip-invalid", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["written"] == 2 and report["skipped"] == 1 and report["line_map"] == [1, 3]
    assert report["changes"]["weight-dropped"] == {"count": 1, "lines": [1]}
    assert report["tokens"] > 0 and report["tokens_exact"] is False
    assert main(["convert", str(SOURCE), "--to", "nope", "-o", str(tmp_path / "n")]) == 2
    assert (
        main(["convert", str(tmp_path / "missing.jsonl"), "--to", "vertex-gemini", "-o", "-"]) == 2
    )


def test_cli_output_dash_writes_data_to_stdout_and_the_report_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["convert", str(SOURCE), "--to", "vertex-gemini", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(line) for line in captured.out.splitlines()] == _rows(
        FIXTURES / "vertex-gemini.jsonl"
    )
    assert "written: 3" in captured.err


# -- properties ----------------------------------------------------------------------


def _text(content: Any) -> Any:
    if isinstance(content, list) and all(p.get("type") == "text" for p in content):
        return content[0]["text"] if len(content) == 1 else content
    if isinstance(content, list):
        return [
            {"type": "image_url", "image_url": {"url": p["image_url"]["url"]}}
            if p.get("type") == "image_url"
            else p
            for p in content
        ]
    return content


def _normalised(example: dict[str, Any]) -> dict[str, Any]:
    """The documented normalisation of a round trip through a format without weights,
    participant names, call ids or image detail: those go; a one-part list of text is
    its string; a system message's text parts join; call ids become the call's name."""
    names: dict[str, str] = {}
    messages = []
    for message in example["messages"]:
        kept = {k: v for k, v in message.items() if k not in ("weight", "name")}
        if kept["role"] == "system" and isinstance(kept["content"], list):
            kept["content"] = "".join(p["text"] for p in kept["content"])
        if kept.get("tool_calls"):
            calls = []
            for call in kept["tool_calls"]:
                names[call["id"]] = call["function"]["name"]
                arguments = call["function"]["arguments"]
                parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
                calls.append((call["function"]["name"], parsed))
            kept["tool_calls"] = calls
            kept["content"] = kept.get("content") or None
        if kept["role"] == "tool":
            kept["tool_call_id"] = names[kept["tool_call_id"]]
        kept["content"] = _text(kept.get("content"))
        messages.append(kept)
    tools = [
        {k: v for k, v in tool["function"].items() if k != "strict" and v != ""}
        for tool in example.get("tools") or ()
    ]
    return {"messages": messages, "tools": tools}


@PROPERTY
@given(chat_examples(tools=True, images=False))
def test_openai_chat_to_vertex_and_back_is_lossless_up_to_normalisation(
    example: dict[str, Any],
) -> None:
    vertex, _ = convert_example(example, read_from="openai-chat", to="vertex-gemini")
    note(json.dumps(vertex))
    back, changes = convert_example(vertex, read_from="vertex-gemini", to="openai-chat")
    assert _normalised(back) == _normalised(example)
    assert not changes


_VERTEX = Checker(CheckOptions(profile="vertex-gemini", model="gemini-2.5-flash"))


@PROPERTY
@given(chat_examples(tools=True, images=True))
def test_every_openai_chat_example_converts_to_one_vertex_accepts_or_says_why(
    example: dict[str, Any],
) -> None:
    try:
        vertex, changes = convert_example(example, read_from="openai-chat", to="vertex-gemini")
    except NotConvertible as error:
        assert error.reason and error.hint
        return
    report = _VERTEX.check_examples([vertex])
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR and d.line]
    assert not errors, (errors, vertex)
    weights = sum(1 for m in example["messages"] if m.get("weight") == 0)
    assert sum(1 for c in changes if c.kind == "weight-dropped") == weights
    sent = [p["text"] for c in vertex["contents"] for p in c["parts"] if "text" in p]
    assert sent == [
        t for m in example["messages"] if m["role"] in ("user", "assistant") for t in _texts(m)
    ]


_OPENAI = Checker(CheckOptions(profile="openai-chat", model="gpt-4o-2024-08-06"))
_TRL = Checker(CheckOptions(profile="trl-messages", model="hf-causal-lm"))


@PROPERTY
@given(vertex_examples())
def test_every_vertex_example_converts_to_one_openai_accepts_or_says_why(
    example: dict[str, Any],
) -> None:
    try:
        chat, _ = convert_example(example, read_from="vertex-gemini", to="openai-chat")
    except NotConvertible as error:
        assert error.reason and error.hint and "gs://" in error.reason
        return
    errors = [d for d in _OPENAI.check_examples([chat]).diagnostics if d.line]
    assert not [d for d in errors if d.severity is Severity.ERROR], errors
    again, _ = convert_example(chat, read_from="openai-chat", to="vertex-gemini")
    assert again == example  # text-only Vertex data goes there and back unchanged


@PROPERTY
@given(chat_examples(tools=True, images=False))
def test_every_openai_chat_example_converts_to_one_trl_accepts(example: dict[str, Any]) -> None:
    trl, changes = convert_example(example, read_from="openai-chat", to="trl-messages")
    errors = [d for d in _TRL.check_examples([trl]).diagnostics if d.line]
    assert not [d for d in errors if d.severity is Severity.ERROR], errors
    weights = sum(1 for m in example["messages"] if m.get("weight") == 0)
    assert sum(1 for c in changes if c.kind == "weight-dropped") == weights
    back, _ = convert_example(trl, read_from="trl-messages", to="openai-chat")
    assert _normalised(back) == _normalised(example)


_TOGETHER = Checker(CheckOptions(profile="together-conversation"))
_FIREWORKS = Checker(CheckOptions(profile="fireworks-chat"))


@PROPERTY
@given(chat_examples(tools=True, images=False))
def test_openai_chat_to_fireworks_and_together_is_accepted_or_not_convertible(
    example: dict[str, Any],
) -> None:
    for profile, checker in (("fireworks-chat", _FIREWORKS), ("together-conversation", _TOGETHER)):
        try:
            converted, changes = convert_example(example, read_from="openai-chat", to=profile)
        except NotConvertible as error:
            assert profile == "together-conversation" and "calls tools" in error.reason
            continue
        errors = [d for d in checker.check_examples([converted]).diagnostics if d.line]
        assert not [d for d in errors if d.severity is Severity.ERROR], (profile, errors)
        back, _ = convert_example(converted, read_from=profile, to="openai-chat")
        expected = _normalised(example)
        if example.get("tools") and profile == "together-conversation":
            # Definitions no call uses are dropped, and the change says so.
            assert [c.kind for c in changes if c.kind == "tools-dropped"] == ["tools-dropped"]
            expected["tools"] = []
        assert _normalised(back) == expected


def test_together_gets_one_content_form_per_example(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    source = tmp_path / "in.jsonl"
    image = "data:image/png;base64,iVBORw0KGgo="
    row = {
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": image}}]},
            {"role": "assistant", "content": "A cat."},
        ]
    }
    source.write_text(json.dumps(row) + "\n", "utf-8")
    result = convert(source, out, to="together-conversation")
    assert result.ok, result.problems
    assert _rows(out)[0]["messages"][1]["content"] == [{"type": "text", "text": "A cat."}]


_PREFERENCE_TARGETS = {
    "trl-preference": Checker(CheckOptions(profile="trl-preference")),
    "vertex-gemini-preference": Checker(CheckOptions(profile="vertex-gemini-preference")),
    "together-preference": Checker(CheckOptions(profile="together-preference")),
}


def _pair(example: dict[str, Any]) -> dict[str, Any]:
    return {
        "input": _normalised(example["input"]),
        "preferred": _normalised({"messages": example["preferred_output"]}),
        "rejected": _normalised({"messages": example["non_preferred_output"]}),
    }


@PROPERTY
@given(dpo_examples())
def test_openai_dpo_converts_to_every_preference_profile_and_back(
    example: dict[str, Any],
) -> None:
    for profile, checker in _PREFERENCE_TARGETS.items():
        converted, _ = convert_example(example, read_from="openai-dpo", to=profile)
        errors = [d for d in checker.check_examples([converted]).diagnostics if d.line]
        assert not [d for d in errors if d.severity is Severity.ERROR], (profile, errors)
        back, _ = convert_example(converted, read_from=profile, to="openai-dpo")
        assert _pair(back) == _pair(example), profile


def test_the_preference_fixtures_convert_both_ways(tmp_path: Path) -> None:
    profiles = ROOT_FIXTURES / "profiles"
    for source, target in [
        ("openai-dpo", "trl-preference"),
        ("openai-dpo", "vertex-gemini-preference"),
        ("vertex-gemini-preference", "openai-dpo"),
        ("trl-preference", "openai-dpo"),
    ]:
        out = tmp_path / f"{source}-{target}.jsonl"
        result = convert(profiles / source / "good.jsonl", out, to=target, read_from=source)
        assert result.ok and result.written == result.examples > 0, (source, target)


def test_a_conversation_is_not_a_preference_pair(tmp_path: Path) -> None:
    result = convert(SOURCE, tmp_path / "p.jsonl", to="trl-preference")
    assert [p.line for p in result.problems] == [1, 2, 3]
    assert "preference pair" in result.problems[0].reason


_COMPLETION_PROFILES = [
    "openai-completion",
    "together-instruction",
    "bedrock-llama-completion",
    "trl-prompt-completion",
]


@pytest.mark.parametrize("source", _COMPLETION_PROFILES)
@pytest.mark.parametrize("target", [*_COMPLETION_PROFILES, "openai-chat", "vertex-gemini"])
def test_the_prompt_completion_fixtures_convert_to_each_other_and_to_chat(
    tmp_path: Path, source: str, target: str
) -> None:
    out = tmp_path / "out.jsonl"
    good = ROOT_FIXTURES / "profiles" / source / "good.jsonl"
    result = convert(good, out, to=target, read_from=source)
    assert result.ok and result.written == result.examples > 0, result.problems
    back, _ = convert_example(_rows(out)[0], read_from=target, to=source)
    first = _rows(good)[0]
    if source == "trl-prompt-completion" and target in ("openai-chat", "vertex-gemini"):
        # A chat comes back as TRL's conversational form (documented normalisation).
        first = {
            "prompt": [{"role": "user", "content": first["prompt"]}],
            "completion": [{"role": "assistant", "content": first["completion"]}],
        }
    assert back == first  # the first example there and back


@PROPERTY
@given(completion_examples())
def test_a_prompt_and_completion_survives_every_completion_profile(
    example: dict[str, Any],
) -> None:
    for profile in _COMPLETION_PROFILES:
        converted, changes = convert_example(example, read_from="openai-completion", to=profile)
        assert not changes
        assert convert_example(converted, read_from=profile, to="openai-completion")[0] == example


def test_a_chat_becomes_a_prompt_and_completion_only_when_it_is_one_exchange() -> None:
    chat = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi?"},
            {"role": "assistant", "content": "Hello.", "weight": 0},
        ]
    }
    pair, changes = convert_example(chat, read_from="openai-chat", to="together-instruction")
    assert pair == {"prompt": "Be brief.\n\nHi?", "completion": "Hello."}
    assert [c.kind for c in changes] == ["weight-dropped", "system-merged"]
    longer = {"messages": [*chat["messages"], {"role": "user", "content": "More?"}]}
    with pytest.raises(NotConvertible, match="one prompt and one completion"):
        convert_example(longer, read_from="openai-chat", to="openai-completion")
    # TRL's conversational prompt-completion carries the whole conversation instead.
    trl, _ = convert_example(chat, read_from="openai-chat", to="trl-prompt-completion")
    assert trl["completion"] == [{"role": "assistant", "content": "Hello."}]
    assert [m["role"] for m in trl["prompt"]] == ["system", "user"]


_MISTRAL = Checker(CheckOptions(profile="mistral"))


@PROPERTY
@given(chat_examples(tools=True, images=False))
def test_openai_chat_to_mistral_is_accepted_with_ids_remapped_consistently(
    example: dict[str, Any],
) -> None:
    mistral, changes = convert_example(example, read_from="openai-chat", to="mistral")
    errors = [d for d in _MISTRAL.check_examples([mistral]).diagnostics if d.line]
    assert not [d for d in errors if d.severity is Severity.ERROR], errors
    ids = [c["id"] for m in example["messages"] for c in m.get("tool_calls") or ()]
    remapped = [c for c in changes if c.kind == "id-remapped"]
    assert bool(remapped) == any(not re.fullmatch(r"[a-zA-Z0-9]{9}", i) for i in ids)
    if not any(c.kind == "turn-split" for c in changes):
        back, _ = convert_example(mistral, read_from="mistral", to="openai-chat")
        assert _normalised(back) == _normalised(example)


def test_mistral_splits_text_and_calls_and_keeps_calls_and_answers_matched() -> None:
    chat = {
        "messages": [
            {"role": "user", "content": "Stock?"},
            {"role": "assistant", "content": "Checking.", "tool_calls": [_call("check_stock")]},
            {"role": "tool", "tool_call_id": "c1", "content": "3"},
            {"role": "assistant", "content": "3 left."},
        ],
        "tools": [{"type": "function", "function": {"name": "check_stock"}}],
    }
    mistral, changes = convert_example(chat, read_from="openai-chat", to="mistral")
    assert [c.kind for c in changes] == ["turn-split", "id-remapped"]
    messages = mistral["messages"]
    assert messages[1] == {"role": "assistant", "content": "Checking."}
    new_id = messages[2]["tool_calls"][0]["id"]
    assert re.fullmatch(r"[a-zA-Z0-9]{9}", new_id) and messages[3]["tool_call_id"] == new_id
    found = _MISTRAL.check_examples([mistral]).diagnostics
    assert not [d for d in found if d.line and d.severity is Severity.ERROR], found
    good = ROOT_FIXTURES / "profiles" / "mistral" / "good.jsonl"
    for row in _rows(good):  # Mistral's own data goes to OpenAI and back unchanged
        chat_row, _ = convert_example(row, read_from="mistral", to="openai-chat")
        assert convert_example(chat_row, read_from="openai-chat", to="mistral")[0] == row


_CLAUDE = Checker(CheckOptions(profile="bedrock-claude"))


@PROPERTY
@given(chat_examples(tools=False, images=False))
def test_openai_chat_to_bedrock_claude_is_accepted_and_comes_back(example: dict[str, Any]) -> None:
    claude, changes = convert_example(example, read_from="openai-chat", to="bedrock-claude")
    found = _CLAUDE.check_examples([claude]).diagnostics
    assert not [d for d in found if d.line and d.severity is Severity.ERROR], found
    weights = sum(1 for m in example["messages"] if m.get("weight") == 0)
    assert sum(1 for c in changes if c.kind == "weight-dropped") == weights
    back, _ = convert_example(claude, read_from="bedrock-claude", to="openai-chat")
    assert _normalised(back) == _normalised(example)


def test_the_bedrock_claude_fixture_goes_to_openai_chat_and_back(tmp_path: Path) -> None:
    good = ROOT_FIXTURES / "profiles" / "bedrock-claude" / "good.jsonl"
    chat, back = tmp_path / "chat.jsonl", tmp_path / "back.jsonl"
    assert convert(good, chat, to="openai-chat", read_from="bedrock-claude").ok
    assert convert(chat, back, to="bedrock-claude").ok
    assert _rows(back) == _rows(good)


def test_bedrock_nova_goes_to_openai_chat_and_back(tmp_path: Path) -> None:
    good = ROOT_FIXTURES / "profiles" / "bedrock-nova" / "good.jsonl"
    chat, back = tmp_path / "chat.jsonl", tmp_path / "back.jsonl"
    there = convert(good, chat, to="openai-chat", read_from="bedrock-nova", skip_invalid=True)
    # s3:// images cannot be OpenAI image URLs: those lines are listed, the rest convert.
    assert there.problems and all("s3://" in p.reason for p in there.problems)
    assert convert(chat, back, to="bedrock-nova", model="amazon.nova-2-lite-v1:0").ok
    kept = [row for i, row in enumerate(_rows(good), 1) if i in there.line_map]
    assert _rows(back) == kept


def test_openai_tool_calls_become_nova_tool_use_for_a_model_that_takes_tools() -> None:
    chat = _rows(SOURCE)[0]
    nova, changes = convert_example(chat, read_from="openai-chat", to="bedrock-nova")
    assert nova["toolConfig"]["tools"][0]["toolSpec"]["name"] == "check_order_status"
    assert nova["messages"][3]["content"] == [
        {"toolUse": {"toolUseId": "call_a1", "name": "check_order_status",
                     "input": {"order_id": "SW-100231"}}}
    ]  # fmt: skip
    assert nova["messages"][4]["content"][0]["toolResult"]["toolUseId"] == "call_a1"
    found = Checker(CheckOptions(profile="bedrock-nova", model="amazon.nova-2-lite-v1:0"))
    errors = [d for d in found.check_examples([nova]).diagnostics if d.line]
    assert not [d for d in errors if d.severity is Severity.ERROR], errors
    assert {c.kind for c in changes} == {"weight-dropped", "name-dropped"}


def _texts(message: dict[str, Any]) -> list[str]:
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    return [p["text"] for p in content or () if p.get("type") == "text"]


def test_the_result_is_exported() -> None:
    assert ConvertResult.__name__ in __import__("jsonl_guard").__all__


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    [
        "messages",
        "contents",
        "parts",
        "role",
        "content",
        "tool_calls",
        "function",
        "text",
        "functionCall",
        "functionResponse",
        "fileData",
        "systemInstruction",
        "tools",
        "functionDeclarations",
        "type",
        "image_url",
        "name",
        "arguments",
        "weight",
    ]
)
_SHAPED = st.recursive(
    st.none() | st.text(max_size=5) | st.sampled_from(["user", "assistant", "model", "tool"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@PROPERTY
@given(st.dictionaries(_KEYS, _SHAPED | _JSON, max_size=4), st.sampled_from(known_profiles()))
def test_a_reader_given_any_json_object_converts_or_says_why(
    example: dict[str, Any], profile: str
) -> None:
    """Malformed data ends as NotConvertible (a reason on its line), never a traceback."""
    for target in known_profiles():
        try:
            convert_example(example, read_from=profile, to=target)
        except NotConvertible as error:
            assert error.reason


_MALFORMED = [
    ("vertex-gemini", {"contents": [{"role": "user", "parts": ["text"]}]}),
    (
        "vertex-gemini",
        {"contents": [{"role": "user", "parts": [{"text": "a"}]}], "systemInstruction": "x"},
    ),
    ("vertex-gemini", {"contents": [{"role": "model", "parts": [{"functionCall": "x"}]}]}),
    (
        "vertex-gemini",
        {"contents": [{"role": "model", "parts": [{"functionCall": {"name": "f", "args": 3}}]}]},
    ),
    ("vertex-gemini", {"contents": [{"role": "user", "parts": [{"fileData": "x"}]}]}),
    ("vertex-gemini", {"contents": [{"role": "user", "parts": [{"functionResponse": []}]}]}),
    ("openai-chat", {"messages": [{"role": "assistant", "tool_calls": ["ab"]}]}),
    (
        "openai-chat",
        {"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": "[1]"}}]}]},
    ),
    ("openai-chat", {"messages": [{"role": "user", "content": [{"type": "audio"}]}]}),
    ("trl-messages", {"messages": "hello"}),
]


@pytest.mark.parametrize(("profile", "example"), _MALFORMED)
def test_malformed_examples_are_not_convertible_with_a_reason(
    profile: str, example: dict[str, Any]
) -> None:
    for target in known_profiles():
        with pytest.raises(NotConvertible) as error:
            convert_example(example, read_from=profile, to=target)
        assert error.value.reason


def test_the_targets_check_leaves_content_rules_to_check(tmp_path: Path) -> None:
    """A secret is check's finding on source and output alike, not a line the target
    platform refuses: it converts, and check still finds it in the output."""
    source = ROOT_FIXTURES / "rules" / "JG280" / "bad.jsonl"
    output = tmp_path / "gemini.jsonl"
    result = convert(source, output, to="vertex-gemini")
    assert result.problems == [] and output.exists()
    found = Checker(CheckOptions(profile="vertex-gemini")).check_path(output).diagnostics
    source_lines = {d.line for d in Checker().check_path(source).diagnostics if d.code == "JG280"}
    assert source_lines and {d.line for d in found if d.code == "JG280"} == source_lines
