"""`jsonl-guard smoke`: the pure evaluation, the smoke-file checks, and the real SDK
end to end against the local fake OpenAI server (never a remote host)."""

from __future__ import annotations

import io
import json
import socket
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx2
import openai
import pytest

from fake_openai import fake_openai_env_fixture, fake_openai_fixture  # noqa: F401
from helpers import FIXTURES, write_jsonl
from jsonl_guard.cli import main
from jsonl_guard.finetune.openai_client import CredentialsError, describe_api_error, make_client
from jsonl_guard.smoke import (
    Reply,
    SmokeFileError,
    SmokeResult,
    evaluate,
    parse_smoke_lines,
    render_junit,
    reply_encoding,
    run_smoke,
    run_smoke_cli,
)
from jsonl_guard.tokens.encodings import load_encoding

BROKEN = FIXTURES / "smoke" / "broken.jsonl"
GOLDEN = Path(__file__).resolve().parent / "golden"
# line -> what its message must say (every bad line of the fixture)
BROKEN_LINES = {
    2: "invalid JSON",
    3: "missing 'expect'",
    4: "missing 'messages'",
    5: "unknown expectation 'contain' (did you mean 'contains'?)",
    6: "expect.contains must be a string or a non-empty array of strings",
    7: "expect.regex '(unclosed' is not a valid regular expression",
    8: "expect.json_schema is not a valid JSON Schema",
    9: "unknown key 'expected' (did you mean 'expect'?)",
    11: "'temperature' must be a number from 0 to 2 or null",
    13: "name 'greeting' is already used on line 1",
    14: "a smoke case must be a JSON object, not an array",
    15: "messages[0].role must be one of",
}
SECRET = "sk-test-DO-NOT-PRINT-0123456789abcdef"


def one_case(expect: dict[str, object], **extra: object):
    row = {"messages": [{"role": "user", "content": "Hi"}], "expect": expect, **extra}
    return parse_smoke_lines([json.dumps(row)])[0]


def check(expect: dict[str, object], reply: str, tokens: int | None = 3):
    return evaluate(one_case(expect), Reply(reply, completion_tokens=tokens), model="gpt-4o-mini")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def smoke_file(tmp_path: Path, *cases: dict[str, object]) -> str:
    rows = [{"messages": [{"role": "user", "content": c.pop("ask")}], **c} for c in cases]
    return str(write_jsonl(tmp_path / "smoke.jsonl", rows))


# -- evaluation: every expectation kind, passing and failing ------------------------------


def test_contains_passes_and_fails():
    assert check({"contains": ["30 days", "refund"]}, "A refund within 30 days.").passed
    result = check({"contains": ["30 days", "receipt"]}, "A refund within 30 days.")
    assert not result.passed
    [failure] = result.failures
    assert (failure.kind, failure.expected) == ("contains", "receipt")
    assert failure.message == "'receipt' not found in the reply"


def test_contains_is_case_sensitive():
    assert not check({"contains": "Refund"}, "a refund").passed


def test_not_contains_passes_and_fails_with_the_position():
    assert check({"not_contains": "sorry"}, "Here you go.").passed
    [failure] = check({"not_contains": ["As an AI", "sorry"]}, "I am sorry.").failures
    assert failure.message == "'sorry' found in the reply (at character 6)"


def test_regex_searches_and_reports_the_pattern():
    assert check({"regex": r"SW-\d{6}"}, "Order SW-100042 ships today.").passed
    assert check({"regex": "(?i)^order"}, "ORDER shipped").passed
    [failure] = check({"regex": r"^\d+$"}, "forty-two").failures
    assert failure.message == r"no match for /^\d+$/ in the reply"


def test_equals_strips_surrounding_whitespace_only():
    assert check({"equals": "Paris"}, "  Paris\n").passed
    assert check({"equals": " Paris "}, "Paris").passed
    [failure] = check({"equals": "Paris, France"}, "Paris,  France").failures
    assert "at character 8" in failure.message
    assert "expected 'France', got ' France'" in failure.message
    assert not check({"equals": "paris"}, "Paris").passed


SCHEMA = {
    "type": "object",
    "properties": {"order": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
    "required": ["order", "qty"],
    "additionalProperties": False,
}


def test_json_schema_passes_for_matching_json():
    assert check({"json_schema": SCHEMA}, ' {"order": "SW-1", "qty": 2}\n').passed


def test_json_schema_fails_for_text_that_is_not_json():
    [failure] = check({"json_schema": SCHEMA}, "Sure! Here it is.").failures
    assert failure.message.startswith("the reply is not JSON: Expecting value")


def test_json_schema_names_a_markdown_fence():
    [failure] = check({"json_schema": SCHEMA}, '```json\n{"order": "SW-1", "qty": 2}\n```').failures
    assert "wrapped in a Markdown code fence" in failure.message


def test_json_schema_mismatch_names_the_path():
    [failure] = check({"json_schema": SCHEMA}, '{"order": "SW-1", "qty": 0}').failures
    assert failure.message == (
        "the reply does not match the schema at $.qty: 0 is less than the minimum of 1"
    )


def test_max_tokens_uses_usage_when_present():
    assert check({"max_tokens": 3}, "one two three four five", tokens=3).passed
    [failure] = check({"max_tokens": 2}, "x", tokens=3).failures
    assert failure.message == "the reply has 3 completion tokens (from usage), more than 2"


def test_max_tokens_counts_with_the_models_tiktoken_encoding_without_usage():
    text = "Your order ships today; tracking follows by email."
    exact = len(load_encoding("o200k_base").encode_ordinary(text))
    result = evaluate(
        one_case({"max_tokens": exact}), Reply(text), model="ft:gpt-4o-mini-2024-07-18:acme::x1"
    )
    assert result.passed
    assert (result.completion_tokens, result.tokens_source) == (exact, "tiktoken:o200k_base")
    result = evaluate(one_case({"max_tokens": exact - 1}), Reply(text), model="gpt-4o-mini")
    assert "counted with o200k_base" in result.failures[0].message


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        # tiktoken's own prefix table would say cl100k_base for this one
        ("ft:gpt-4.1-mini-2025-04-14:acme::abc", "o200k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),  # not in our table: tiktoken's
        ("my-local-llama", "o200k_base"),  # unknown anywhere: the default
    ],
)
def test_reply_encoding(model, encoding):
    assert reply_encoding(model) == encoding


def test_every_expectation_of_a_case_is_reported():
    result = check(
        {"contains": "a", "not_contains": "b", "regex": "c", "equals": "abc", "max_tokens": 1},
        "abc",
        tokens=5,
    )
    assert [c.kind for c in result.checks] == [
        "contains",
        "not_contains",
        "regex",
        "equals",
        "max_tokens",
    ]
    assert [c.kind for c in result.failures] == ["not_contains", "max_tokens"]


def test_temperature_defaults_to_zero_but_not_for_reasoning_models():
    case = one_case({"contains": "x"})
    assert case.request_temperature("ft:gpt-4o-mini-2024-07-18:acme::x") == 0.0
    assert case.request_temperature("ft:o4-mini-2025-04-16:acme::x") is None
    assert one_case({"contains": "x"}, temperature=0.7).request_temperature("o4-mini") == 0.7
    assert one_case({"contains": "x"}, temperature=None).request_temperature("gpt-4o") is None


# -- the smoke file is validated before anything is sent -----------------------------------


def test_broken_smoke_file_names_every_bad_line_and_sends_nothing(capsys, fake_openai_env):
    code, out, err = run(capsys, "smoke", str(BROKEN), "--model", "gpt-4o-mini")
    assert code == 2
    assert out == ""
    reported: dict[int, list[str]] = {}
    for line in err.splitlines():
        if line.startswith(f"{BROKEN}:"):
            number, message = line.removeprefix(f"{BROKEN}:").split(": ", 1)
            reported.setdefault(int(number), []).append(message)
    assert set(reported) == set(BROKEN_LINES)
    for number, expected in BROKEN_LINES.items():
        assert any(expected in message for message in reported[number]), (number, reported)
    assert "no request was sent" in err
    assert "Traceback" not in err
    assert fake_openai_env.count() == 0


def test_smoke_file_error_lists_problems_for_the_library(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"messages": [], "expect": {"regex": "["}}\n', encoding="utf-8")
    with pytest.raises(SmokeFileError) as caught:
        run_smoke(path, "gpt-4o-mini")
    assert [p.line for p in caught.value.problems] == [1, 1]
    assert str(caught.value).startswith(f"{path}:1: 'messages' must be a non-empty array")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no smoke cases (the file is empty)"),
        ("\n\n", "no smoke cases"),
        (b"\xff\xfe{}\n", "not UTF-8 text"),
        ('{"messages": [{"role": "user"}], "expect": {"equals": 1}}', "content is missing"),
        (
            '{"messages": [{"content": "x"}], "expect": {"equals": "x"}}',
            "messages[0] has no 'role'",
        ),
        (
            '{"messages": [{"role": "user", "content": "x"}], "expect": {"max_tokens": NaN}}',
            "NaN is not valid JSON",
        ),
        (
            '{"messages": [{"role": "user", "content": "x"}], "expect": {"equals": "x"}, "name": 3}',
            "'name' must be a string, not a number",
        ),
        ('{"messages": [{"role": "user", "content": "x"}], "expect": {}}', "'expect' is empty"),
        (
            '{"messages": [{"role": "user", "content": "x"}], "expect": {"contains": ""}}',
            "empty string",
        ),
        (
            '{"messages": [{"role": "user", "content": "x"}], "expect": {"json_schema": true}}',
            "must be a JSON Schema object",
        ),
        (
            '{"messages": [{"role": "user", "content": "x"}], "expect": {"max_tokens": true}}',
            "whole number",
        ),
        (
            '{"messages": [{"role": "user", "content": "x"}], "expect": {"equals": "x"}, "max_completion_tokens": 0}',
            "max_completion_tokens",
        ),
        (
            '{"messages": [{"role": "user", "content": "x"}], "expect": {"equals": "x"}, "name": ""}',
            "'name' is empty",
        ),
    ],
)
def test_other_smoke_file_problems(capsys, tmp_path, fake_openai_env, content, message):
    path = tmp_path / "s.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "smoke", str(path), "--model", "m")
    assert code == 2
    assert message in err
    assert fake_openai_env.count() == 0


def test_missing_smoke_file(capsys, tmp_path):
    code, _, err = run(capsys, "smoke", str(tmp_path / "nope.jsonl"), "--model", "m")
    assert code == 2
    assert "nope.jsonl: cannot read: No such file or directory" in err


def test_a_bom_and_crlf_line_endings_are_fine():
    row = '{"messages": [{"role": "user", "content": "x"}], "expect": {"equals": "x"}}'
    [case] = parse_smoke_lines(("\ufeff" + row + "\r\n").encode().splitlines())
    assert case.name == "line 1"


# -- end to end through the real SDK and the fake server -----------------------------------


def test_all_cases_pass(capsys, tmp_path, fake_openai_env):
    fake_openai_env.chat_reply = {
        "Refund window?": "You can get a refund within 30 days.",
        "Order as JSON": '{"order": "SW-1", "qty": 2}',
    }
    path = smoke_file(
        tmp_path,
        {"name": "refund", "ask": "Refund window?", "expect": {"contains": "30 days"}},
        {"name": "json", "ask": "Order as JSON", "expect": {"json_schema": SCHEMA}},
    )
    code, out, err = run(capsys, "smoke", path, "--model", "ft:gpt-4o-mini-2024-07-18:acme::x1")
    assert (code, err) == (0, "")
    assert "  PASS  refund  line 1" in out
    assert "  PASS  json    line 2" in out
    assert "all passed (2 cases against ft:gpt-4o-mini-2024-07-18:acme::x1)" in out
    sent = fake_openai_env.chat_requests
    assert [r["model"] for r in sent] == ["ft:gpt-4o-mini-2024-07-18:acme::x1"] * 2
    assert sent[0]["messages"] == [{"role": "user", "content": "Refund window?"}]
    assert sent[0]["temperature"] == 0
    assert "max_completion_tokens" not in sent[0]
    assert fake_openai_env.requests[0].headers["authorization"] == "Bearer test"


def test_a_failing_expectation_exits_1_and_shows_the_reply(capsys, tmp_path, fake_openai_env):
    fake_openai_env.chat_reply = {
        "Refund window?": "Refunds are possible within two weeks of delivery.",
        "Hello": "Hello!",
    }
    path = smoke_file(
        tmp_path,
        {"name": "hello", "ask": "Hello", "expect": {"contains": "Hello"}},
        {"name": "refund", "ask": "Refund window?", "expect": {"contains": "30 days"}},
    )
    code, out, _ = run(capsys, "smoke", path, "--model", "gpt-4o-mini")
    assert code == 1
    assert "  PASS  hello   line 1" in out
    assert "  FAIL  refund  line 2" in out
    assert "- contains: '30 days' not found in the reply" in out
    assert "| Refunds are possible within two weeks of delivery." in out
    assert "1 failed, 1 passed (2 cases against gpt-4o-mini)" in out


def test_long_replies_are_truncated_in_the_table(capsys, tmp_path, fake_openai_env):
    fake_openai_env.chat_reply = "\n".join(f"line {i} " + "blah " * 10 for i in range(50))
    path = smoke_file(tmp_path, {"ask": "Talk", "expect": {"not_contains": "blah"}})
    code, out, _ = run(capsys, "smoke", path, "--model", "gpt-4o-mini")
    assert code == 1
    assert "characters, first" in out
    assert "| line 0 blah" in out
    assert "line 49" not in out
    assert out.count("  | ") <= 9


def test_case_options_reach_the_request(capsys, tmp_path, fake_openai_env):
    path = smoke_file(
        tmp_path,
        {"ask": "A", "expect": {"regex": "."}, "temperature": 0.5, "max_completion_tokens": 7},
        {"ask": "B", "expect": {"regex": "."}, "temperature": None},
    )
    assert run(capsys, "smoke", path, "--model", "gpt-4o-mini")[0] == 0
    first, second = fake_openai_env.chat_requests
    assert (first["temperature"], first["max_completion_tokens"]) == (0.5, 7)
    assert "temperature" not in second


def test_rate_limited_then_success_passes(capsys, tmp_path, fake_openai_env):
    fake_openai_env.fail("POST /v1/chat/completions", times=2, status=429)
    path = smoke_file(tmp_path, {"ask": "Hi", "expect": {"contains": "echo"}})
    code, out, _ = run(capsys, "smoke", path, "--model", "gpt-4o-mini", "--max-retries", "2")
    assert code == 0, out
    assert fake_openai_env.count("POST /v1/chat/completions") == 3
    assert [r.status for r in fake_openai_env.requests] == [429, 429, 200]


def test_server_errors_beyond_the_retries_exit_2_naming_the_step(capsys, tmp_path, fake_openai_env):
    fake_openai_env.fail("POST /v1/chat/completions", times=3, status=500)
    path = smoke_file(tmp_path, {"name": "greeting", "ask": "Hi", "expect": {"contains": "echo"}})
    code, out, err = run(capsys, "smoke", path, "--model", "gpt-4o-mini", "--max-retries", "1")
    assert code == 2
    assert out == ""
    assert err == (
        "jsonl-guard: error: smoke case 'greeting' (line 1): chat completion with gpt-4o-mini "
        "failed: HTTP 500 after retries: The server had an error while processing your "
        "request. Sorry about that! (request id req_fake000002)\n"
    )
    assert fake_openai_env.count("POST /v1/chat/completions") == 2


def test_an_error_midway_says_how_many_cases_had_run(capsys, tmp_path, fake_openai_env):
    def reply_then_break(request):
        # Answer this request, and fail every later one.
        fake_openai_env.fail("POST /v1/chat/completions", times=5, status=503)
        return "ok"

    fake_openai_env.chat_reply = reply_then_break
    path = smoke_file(
        tmp_path,
        {"ask": "1", "expect": {"equals": "ok"}},
        {"ask": "2", "expect": {"equals": "ok"}},
    )
    code, _, err = run(capsys, "smoke", path, "--model", "m", "--max-retries", "0")
    assert code == 2
    assert "smoke case 'line 2' (line 2): chat completion with m failed: HTTP 503" in err
    assert "(1 of 2 cases had run)" in err


def test_missing_key_exits_2_naming_the_variable(capsys, tmp_path, fake_openai_env, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("SOME_OTHER_SECRET", SECRET)
    path = smoke_file(tmp_path, {"ask": "Hi", "expect": {"contains": "x"}})
    code, out, err = run(capsys, "smoke", path, "--model", "gpt-4o-mini")
    assert code == 2
    assert out == ""
    assert err.startswith("jsonl-guard: error: no OpenAI API key: set OPENAI_API_KEY")
    assert SECRET not in err
    assert fake_openai_env.count() == 0


def test_a_rejected_key_is_never_printed(capsys, tmp_path, fake_openai_env, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    path = smoke_file(tmp_path, {"ask": "Hi", "expect": {"contains": "x"}})
    code, out, err = run(capsys, "smoke", path, "--model", "gpt-4o-mini")
    assert code == 2
    assert "the API rejected the credentials (HTTP 401, invalid_api_key)" in err
    assert "set OPENAI_API_KEY to a valid key" in err
    assert SECRET not in err + out
    assert SECRET[:8] not in err + out  # not even the server's masked form
    assert fake_openai_env.count() == 1  # 401 is not retried


def test_insufficient_quota_says_so(capsys, tmp_path, fake_openai_env):
    fake_openai_env.fail(
        "POST /v1/chat/completions",
        status=429,
        code="insufficient_quota",
        type="insufficient_quota",
        message="You exceeded your current quota, please check your plan and billing details.",
    )
    path = smoke_file(tmp_path, {"ask": "Hi", "expect": {"contains": "x"}})
    code, _, err = run(capsys, "smoke", path, "--model", "m", "--max-retries", "0")
    assert code == 2
    assert "rate limited (HTTP 429, insufficient_quota)" in err
    assert "You exceeded your current quota" in err
    assert "add credits or raise your quota" in err


def test_unreachable_server_exits_2(capsys, tmp_path, fake_openai_env, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    path = smoke_file(tmp_path, {"ask": "Hi", "expect": {"contains": "x"}})
    code, _, err = run(capsys, "smoke", path, "--model", "m", "--max-retries", "0")
    assert code == 2
    assert f"chat completion with m failed: cannot connect to http://127.0.0.1:{port}" in err
    assert "check your network and OPENAI_BASE_URL" in err


def test_without_the_openai_package_the_hint_says_what_to_install(
    capsys, tmp_path, fake_openai_env, monkeypatch
):
    monkeypatch.setitem(sys.modules, "openai", None)
    path = smoke_file(tmp_path, {"ask": "Hi", "expect": {"contains": "x"}})
    code, _, err = run(capsys, "smoke", path, "--model", "m")
    assert code == 2
    assert 'pip install "jsonl-guard[finetune]"' in err
    assert fake_openai_env.count() == 0


def test_json_format(capsys, tmp_path, fake_openai_env):
    fake_openai_env.chat_reply = {"Hi": "Hello there", "Count": {"content": "1 2 3", "usage": None}}
    path = smoke_file(
        tmp_path,
        {"name": "hi", "ask": "Hi", "expect": {"contains": "Hello", "not_contains": "there"}},
        {"name": "count", "ask": "Count", "expect": {"max_tokens": 10}},
    )
    code, out, _ = run(capsys, "smoke", path, "--model", "gpt-4o-mini", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["version"] == 1
    assert (report["path"], report["model"], report["passed"]) == (path, "gpt-4o-mini", False)
    assert report["summary"] == {"cases": 2, "passed": 1, "failed": 1}
    hi, count = report["cases"]
    assert (hi["name"], hi["line"], hi["passed"], hi["reply"]) == ("hi", 1, False, "Hello there")
    assert (hi["completion_tokens"], hi["tokens_source"], hi["finish_reason"]) == (
        2,
        "usage",
        "stop",
    )
    assert hi["expectations"] == [
        {"kind": "contains", "expected": "Hello", "passed": True, "message": "found 'Hello'"},
        {
            "kind": "not_contains",
            "expected": "there",
            "passed": False,
            "message": "'there' found in the reply (at character 7)",
        },
    ]
    assert count["passed"] is True
    assert count["tokens_source"] == "tiktoken:o200k_base"


def test_junit_format(capsys, tmp_path, fake_openai_env):
    fake_openai_env.chat_reply = {"A": "alpha", "B": "beta\x01"}
    path = smoke_file(
        tmp_path,
        {"name": "a", "ask": "A", "expect": {"equals": "alpha"}},
        {"name": "b", "ask": "B", "expect": {"regex": "^gamma", "contains": "zeta"}},
    )
    code, out, _ = run(capsys, "smoke", path, "--model", "gpt-4o-mini", "--format", "junit")
    assert code == 1
    root = ET.fromstring(out.encode())
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("name"), c.get("line")) for c in cases] == [("a", "1"), ("b", "2")]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "2 of 2 expectation(s) failed: contains, regex"
    assert "no match for /^gamma/ in the reply" in (failure.text or "")
    assert cases[1].findtext("system-out") == "beta\ufffd"


def _golden_smoke_result() -> SmokeResult:
    """Passing, failing and empty replies, with characters XML and terminals cannot show."""
    rows = [
        {"name": "refund", "messages": [{"role": "user", "content": "Refund window?"}],
         "expect": {"contains": "30 days"}},
        {"name": "tone <&>\x02", "messages": [{"role": "user", "content": "Hi"}],
         "expect": {"regex": "^Hello", "not_contains": ["sorry", "angry"]}},
        {"name": "empty", "messages": [{"role": "user", "content": "?"}],
         "expect": {"equals": "yes"}},
    ]  # fmt: skip
    cases = parse_smoke_lines([json.dumps(r) for r in rows], "smoke\x01.jsonl")
    replies = [
        Reply("Within 30 days of delivery.", 7),
        Reply("I am sorry & angry <b>\x1b[31m\n" * 12, 40, "length", "not this"),
        Reply("", None),
    ]
    model = "ft:gpt-4o-mini:acme::x1"
    results = tuple(evaluate(c, r, model=model) for c, r in zip(cases, replies, strict=True))
    return SmokeResult("smoke\x01.jsonl", model, results)


def test_junit_golden():
    """The smoke JUnit report, byte for byte (written by the JUnit writer ``check`` uses)."""
    text = render_junit(_golden_smoke_result())
    assert text == (GOLDEN / "smoke.junit.xml").read_text("utf-8")
    root = ET.fromstring(text.encode())
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "0")


def test_run_smoke_with_an_existing_client(tmp_path, fake_openai_env):
    fake_openai_env.chat_reply = lambda request: request["messages"][-1]["content"].upper()
    path = smoke_file(tmp_path, {"name": "shout", "ask": "hey", "expect": {"equals": "HEY"}})
    seen = []
    with make_client(max_retries=0) as client:
        result = run_smoke(path, "gpt-4o-mini", client, on_result=seen.append)
        assert not client.is_closed()  # the caller's client is left open
    assert result.passed and result.exit_code == 0
    assert [r.case.name for r in seen] == ["shout"]
    assert result.cases[0].reply.content == "HEY"


def test_azure_openai_from_the_environment(capsys, tmp_path, fake_openai_env, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", fake_openai_env.root_url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "test")
    path = smoke_file(tmp_path, {"ask": "Hi", "expect": {"contains": "echo: Hi"}})
    monkeypatch.delenv("OPENAI_API_VERSION", raising=False)
    with pytest.raises(CredentialsError, match="set it to your Azure OpenAI API version"):
        make_client()
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
    assert run(capsys, "smoke", path, "--model", "my-deployment")[0] == 0
    [request] = fake_openai_env.requests
    assert request.path == "/openai/deployments/my-deployment/chat/completions"
    assert request.query == {"api-version": "2024-10-21"}
    assert request.headers["api-key"] == "test"


def test_azure_endpoint_without_a_key_names_the_variables(monkeypatch, fake_openai_env):
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://example.invalid")
    with pytest.raises(
        CredentialsError, match="neither AZURE_OPENAI_API_KEY nor AZURE_OPENAI_AD_TOKEN"
    ):
        make_client()


def test_run_smoke_cli_for_other_commands(tmp_path, fake_openai_env):
    out, err = io.StringIO(), io.StringIO()
    path = smoke_file(tmp_path, {"name": "hi", "ask": "Hi", "expect": {"contains": "nope"}})
    with make_client(max_retries=0) as client:
        assert (
            run_smoke_cli(Path(path), "ft:gpt-4o-mini:org::x", client=client, out=out, err=err) == 1
        )
        assert run_smoke_cli(BROKEN, "m", client=client, out=out, err=err) == 2
    assert "  FAIL  hi  line 1" in out.getvalue()
    assert f"{BROKEN}:2: invalid JSON" in err.getvalue()
    assert fake_openai_env.count() == 1


def test_terminal_escapes_in_a_reply_are_shown_escaped(capsys, tmp_path, fake_openai_env):
    fake_openai_env.chat_reply = "\x1b[2Jgone"
    path = smoke_file(tmp_path, {"ask": "Hi", "expect": {"equals": "x"}})
    code, out, _ = run(capsys, "smoke", path, "--model", "m")
    assert code == 1
    assert "| \\x1b[2Jgone" in out
    assert "\x1b" not in out


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (
            404,
            "model_not_found",
            "not found (HTTP 404, model_not_found): The model `m` does not exist",
        ),
        (403, None, "permission denied (HTTP 403): The model `m` does not exist"),
        (400, "invalid_value", "HTTP 400, invalid_value: The model `m` does not exist"),
    ],
)
def test_describe_api_error_names_the_step_and_status(fake_openai, status, code, expected):
    fake_openai.fail(
        "POST /v1/chat/completions",
        status=status,
        code=code,
        message="The model `m` does not exist.",
    )
    with (
        openai.OpenAI(base_url=fake_openai.base_url, api_key="test", max_retries=0) as client,
        pytest.raises(openai.APIStatusError) as caught,
    ):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}])
    text = describe_api_error(caught.value, "step X")
    assert text.startswith(f"step X failed: {expected}")
    assert "\n" not in text


def test_describe_api_error_for_a_timeout_and_other_errors():
    request = httpx2.Request("POST", "https://user:pw@api.example.test:8443/v1/chat/completions")
    text = describe_api_error(openai.APITimeoutError(request=request), "polling")
    assert text == (
        "polling failed: the request to https://api.example.test:8443 timed out (after retries); "
        "try again later"
    )
    assert (
        describe_api_error(ValueError(f"bad {SECRET}\nline"), "upload")
        == "upload failed: bad *** line"
    )
