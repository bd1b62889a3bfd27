"""JG280 (secrets) and JG281 (personal data): what is found, where, what is not, and
that no output ever shows a match in full."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import FIXTURES
from jsonl_guard import Checker, CheckOptions, Report, check_lines
from jsonl_guard.cli import main
from jsonl_guard.engine.config import ConfigError, load_config
from jsonl_guard.engine.parse import canonical_json
from jsonl_guard.reporters import REPORTERS
from jsonl_guard.reporters import summary as summary_reporter
from jsonl_guard.rules.checksums import card_number, china_id, cpf, dni, iban, luhn, verhoeff
from jsonl_guard.rules.context import ExampleContext
from jsonl_guard.rules.helpers import path_of
from jsonl_guard.rules.sensitive import sensitive_matches
from jsonl_guard.rules.sensitive_text import mask_text

U = {"role": "user", "content": "Where is my order?"}
A = {"role": "assistant", "content": "It ships today."}
QUIET = CheckOptions(ignore=("JG301", "JG302", "JG303"))
MODEL = Checker().chosen_model
# Fakes shaped like the real thing: (kind as the message names it, text, masked form).
SECRETS = [
    ("OpenAI API key", "sk-proj-Rk4fQz81LmWq0P7xYtR2bN9cKd7Tg3Vh", "sk-proj-…g3Vh"),
    ("OpenAI API key", "sk-T3BlbkFJq8Zr2Lm4Xw9Pt6Ks1Nv3Hd5Jf7Gb0Yc2Ua4Qe", "sk-…a4Qe"),
    ("Anthropic API key", "sk-ant-api03-Xy7Qm2Lp9Rt4Vw8Zb1Nc5Hd6Jf3Kg0", "sk-ant-…3Kg0"),
    ("Google API key", "AIzaSyD4x9Qm2Lp9Rt4Vw8Zb1Nc5Hd6Jf3Kg0ab", "AIza…g0ab"),
    ("GitHub token", "ghp_4fQz81LmWq0P7xYtR2bN9cKd4fQz81LmWq0P", "ghp_…Wq0P"),
    (
        "GitHub token",
        "github_pat_11ABCDEFG0" + "x7Qm2Lp9Rt4Vw8Zb1Nc5Hd6Jf3Kg0ab",
        "github_pat_…g0ab",
    ),
    ("Slack token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-…UvWx"),
    (
        "Slack webhook URL",
        "https://hooks.slack.com/services/T024BE7LD/B024BE7LH/3N8pQr7sTuVwXyZ1aBcDeFgH",
        "https://hooks.slack.com/…eFgH",
    ),
    ("Stripe live secret key", "sk_live_51Hq2LmWq0P7xYtR2bN9cKd7Tg3Vh", "sk_live_…g3Vh"),
    ("Stripe live secret key", "rk_live_51Hq2LmWq0P7xYtR2bN9cKd7Tg3Vh", "rk_live_…g3Vh"),
    ("Hugging Face token", "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh", "hf_…EfGh"),
    (
        "JSON Web Token",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "eyJ…sR8U",
    ),
    (
        "private key block",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----…gtZW",
    ),
    (
        "AWS access key id with its secret access key",
        "AKIAZ3MHALKQ4TXR7BNE:hQ9rXUtnFEMI/K7MDENG/bPxRfiCYzq81KEYab12",
        "AKIA…7BNE",
    ),
]
PERSONAL = [
    ("email address", "dana.whitfield@gmail.com", "d…@….com"),
    ("phone number", "+44 7911 123456", "+…3456"),
    ("phone number", "+14158675309", "+…5309"),
    ("phone number", "(415) 867-5309", "…5309"),
    ("payment card number", "4539 1488 0343 6467", "…6467"),
    ("payment card number", "378734493671000", "…1000"),
    ("IBAN", "GB33 BUKB 2020 1555 5555 55", "GB…5555"),
    ("Spanish DNI/NIE", "X1234567L", "…567L"),
    ("Brazilian CPF", "529.982.247-25", "…7-25"),
    ("Aadhaar number", "2341 2341 2346", "…2346"),
    ("Chinese resident identity number", "11010519491231002X", "…002X"),
]
EVERY = SECRETS + PERSONAL


def findings(example: dict[str, Any], options: CheckOptions = QUIET) -> list[tuple[str, str]]:
    report = check_lines([json.dumps(example).encode()], options)
    return [(d.code, d.message) for d in report.diagnostics if d.code in ("JG280", "JG281")]


def found(text: str, allow: tuple[str, ...] = ()) -> list[str]:
    """The kinds found in one user message holding ``text`` (no screen: every text read)."""
    example = {"messages": [{"role": "user", "content": text}, A]}
    context = ExampleContext(MODEL, None, allow=allow)
    return [match.kind for _, match in sensitive_matches(example, context)]


@pytest.mark.parametrize(("kind", "text", "masked"), EVERY, ids=[e[1][:16] for e in EVERY])
def test_each_kind_is_named_and_masked(kind: str, text: str, masked: str) -> None:
    example = {"messages": [{"role": "user", "content": f"Here: {text} thanks"}, A]}
    [(code, message)] = findings(example)
    assert code == ("JG280" if (kind, text, masked) in SECRETS else "JG281")
    assert message.endswith(f"messages[0].content holds {_article(kind)} {kind} ({masked})")
    assert text not in message


def _article(kind: str) -> str:
    return "an" if kind[0] in "AEIOUaeiou" else "a"


# Every text an example carries, in every provider's shape.
SHAPES: dict[str, tuple[dict[str, Any], str]] = {
    "openai parts": (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "{}"}]}, A]},
        "messages[0].content[0].text",
    ),
    "openai tool arguments": (
        {
            "messages": [
                U,
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "login", "arguments": '{"token": "{}"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
                A,
            ]
        },
        "messages[1].tool_calls[0].function.arguments",
    ),
    "openai tool result": (
        {
            "messages": [
                U,
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "env", "arguments": '{"name": "KEY"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "KEY={}"},
                A,
            ]
        },
        "messages[2].content",
    ),
    "system prompt": (
        {"messages": [{"role": "system", "content": "Use {}."}, U, A]},
        "messages[0].content",
    ),
    "prompt/completion": ({"prompt": "Use {}.", "completion": " ok"}, "prompt"),
    "vertex parts": (
        {
            "systemInstruction": {"role": "system", "parts": [{"text": "Use {}."}]},
            "contents": [
                {"role": "user", "parts": [{"text": "Hi"}]},
                {"role": "model", "parts": [{"text": "Hello"}]},
            ],
        },
        "systemInstruction.parts[0].text",
    ),
    "bedrock content blocks": (
        {
            "schemaVersion": "bedrock-conversation-2024",
            "system": [{"text": "Be brief."}],
            "messages": [
                {"role": "user", "content": [{"text": "Hi"}]},
                {"role": "assistant", "content": [{"text": "My key: {}"}]},
            ],
        },
        "messages[1].content[0].text",
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_text_of_every_shape_is_read(shape: str) -> None:
    template, path = SHAPES[shape]
    secret = SECRETS[0][1]
    example = json.loads(json.dumps(template).replace("{}", secret, 1))
    assert findings(example) == [("JG280", f"{path} holds an OpenAI API key ({SECRETS[0][2]})")]


def test_aws_key_id_alone_is_no_secret_but_with_its_secret_it_is() -> None:
    key_id, secret = "AKIAZ3MHALKQ4TXR7BNE", "hQ9rXUtnFEMI/K7MDENG/bPxRfiCYzq81KEYab12"
    assert found(f"the key id {key_id} names a key") == []
    assert found(f"{key_id} then {'filler ' * 20} {secret}") == ["aws"]
    assert found(f"{key_id}{' ' * 400}{secret}") == []  # too far apart to be a pair
    # Arguments as an object: the id and the secret are two values of the example.
    example = {
        "contents": [
            {"role": "user", "parts": [{"text": "Log in"}]},
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"name": "s3", "args": {"id": key_id, "secret": secret}}}
                ],
            },
        ]
    }
    context = ExampleContext(MODEL, None)
    assert [m.kind for _, m in sensitive_matches(example, context)] == ["aws"]
    # A sha1 is 40 characters too, but lower-case hex: no AWS secret.
    assert found(f"{key_id} {'2fd4e1c67a2d28fced849ee1bb76e7391b93eb12'}") == []


@pytest.mark.parametrize(
    "text",
    [
        "sk-proj-YOUR-KEY-HERE",
        "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "Write to support@example.com, a@mail.example.org or dev@shop.test",
        "git clone git@github.com:owner/repo.git",
        "Use the test card 4242 4242 4242 4242 or 4111111111111111.",
        "Try +1 415 555 0142 or (415) 555-0123.",
        "The sample IBAN DE89 3704 0044 0532 0130 00.",
        "logo@2x.png and npm i lodash@4.17.21 and @decorator",
        "eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiIxIn0.abc (a header without alg)",
    ],
)
def test_placeholders_and_documented_fakes_are_allowed_by_default(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Dana Whitfield and José Álvarez-Núñez ordered 3 bikes for $1,299.00 on 2024-01-15.",
        "Version 1.2.3, build 20240115, release 2024.11.3, IP 192.168.1.254, port 8080.",
        "Order #1234567 (ticket 98765), invoice INV-2024-000123, SKU 4006381333931.",
        "UUID 123e4567-e89b-12d3-a456-426614174000 and 550e8400-e29b-41d4-a716-446655440000",
        "sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 sha256 "
        "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
        "def risk_assessment_for_the_quarter(x):\n    return x ** 2 + 1_000_000  # ok",
        "const task-scheduler-for-background-jobs = require('./tasks');",
        "Timestamps 1733310000000 and 1733310000, pi 3.14159265358979, -1234567890123456.",
        "Dates 15/01/2024, 2024-01-15T10:30:00Z, times 10:30-11:45, score 3-2-1.",
    ],
)
def test_ordinary_text_raises_nothing(text: str) -> None:
    assert found(text) == []


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        st.uuids().map(str),
        st.binary(min_size=20, max_size=20).map(bytes.hex),  # sha1
        st.binary(min_size=32, max_size=32).map(bytes.hex),  # sha256
        st.integers(-(10**12), 10**12).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.dates().map(str),
        st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 999)).map(
            lambda v: "v{}.{}.{}".format(*v)
        ),
    )
)
def test_no_false_alarm_on_ids_hashes_and_numbers(value: str) -> None:
    assert found(f"The value is {value} here.") == []


@settings(max_examples=10, deadline=None)
@given(st.binary(min_size=100, max_size=3000))
def test_no_false_alarm_on_base64_images(data: bytes) -> None:
    import base64

    encoded = base64.b64encode(data).decode()
    part = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{encoded}"}}
    example = {"messages": [{"role": "user", "content": [part]}, A]}
    assert [m for _, m in sensitive_matches(example, ExampleContext(MODEL, None))] == []
    assert found(encoded) == []  # the bytes alone, as Bedrock and Vertex carry them


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(EVERY), st.text(max_size=40), st.text(max_size=40))
def test_the_screen_never_hides_a_match(
    entry: tuple[str, str, str], before: str, after: str
) -> None:
    """The compact-JSON screen skips only examples where the full read finds nothing."""
    text = f"{before}\n{entry[1]} .\n{after}"  # the lines around it cannot join it
    example = {"messages": [{"role": "user", "content": text}, A]}
    screened = ExampleContext(MODEL, None, canonical=canonical_json(example))
    unscreened = ExampleContext(MODEL, None)
    assert sensitive_matches(example, screened) == sensitive_matches(example, unscreened)
    assert sensitive_matches(example, unscreened)


def test_allow_list_globs_from_the_config(tmp_path: Path) -> None:
    assert found("mail ops@corp.dev or sk-test-Rk4fQz81LmWq0P7xYtR2bN9cKd") == ["openai", "email"]
    assert (
        found(
            "mail ops@corp.dev or sk-test-Rk4fQz81LmWq0P7xYtR2bN9cKd", ("sk-test-*", "*@CORP.dev")
        )
        == []
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.jsonl-guard]\nallow = ["sk-test-*", "ops@corp.dev"]\n', "utf-8"
    )
    options = load_config(tmp_path / "pyproject.toml").options_for("x.jsonl", CheckOptions())
    assert options.allow == ("sk-test-*", "ops@corp.dev")
    example = {
        "messages": [
            {"role": "user", "content": "ops@corp.dev sk-test-Rk4fQz81LmWq0P7xYtR2bN9cKd"},
            A,
        ]
    }
    assert findings(example, CheckOptions(allow=options.allow, ignore=QUIET.ignore)) == []
    (tmp_path / "pyproject.toml").write_text('[tool.jsonl-guard]\nallow = "sk-*"\n', "utf-8")
    with pytest.raises(ConfigError, match="allow must be a list"):
        load_config(tmp_path / "pyproject.toml")


def test_checksums() -> None:
    assert luhn("79927398713") and not luhn("79927398710")
    assert card_number("4539148803436467") and not card_number("4539148803436468")
    assert not card_number("9539148803436467")  # Luhn holds, but no network issues 9
    assert iban("GB33BUKB20201555555555") == "GB33BUKB20201555555555"
    assert iban("GB34BUKB20201555555555") is None and iban("ZZ33BUKB20201555555555") is None
    assert dni("12345678Z") and not dni("12345678A") and dni("X1234567L")
    assert cpf("529.982.247-25") and not cpf("529.982.247-24") and not cpf("111.111.111-11")
    assert verhoeff("234123412346") and not verhoeff("234123412347")
    assert china_id("11010519491231002X") and not china_id("110105194912310021")
    assert not china_id("11010519491331002X")  # month 13


SENSITIVE_FILE = [
    *(FIXTURES / "rules" / "JG280" / "bad.jsonl").read_bytes().splitlines(keepends=True),
    *(FIXTURES / "rules" / "JG281" / "bad.jsonl").read_bytes().splitlines(keepends=True),
    # Another rule quoting a secret: an answer whose tool_call_id matches no call (JG222).
    json.dumps(
        {
            "messages": [
                U,
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
                {"role": "tool", "tool_call_id": SECRETS[3][1], "content": "ok"},
                A,
            ]
        }
    ).encode()
    + b"\n",
]


def _planted() -> list[tuple[str, str]]:
    """Every secret and personal datum in SENSITIVE_FILE: (as written, the part after
    the prefix its mask shows)."""
    planted = []
    for line in SENSITIVE_FILE:
        for _, match in sensitive_matches(json.loads(line), ExampleContext(MODEL, None)):
            shown = match.masked.split("…")[0]
            planted.append((match.text, match.text[len(shown) :]))
    return planted


def _compact(text: str) -> str:
    return re.sub(r"[\s\-.()]", "", text)


def _leaks(output: str, planted: list[tuple[str, str]]) -> list[str]:
    """Planted values seen in ``output`` whole, or any 10 characters in a row of what
    their masks hide (separators aside)."""
    unescaped = _compact(output.replace("\\n", "\n").replace("\\/", "/"))
    leaks = []
    for value, hidden in planted:
        secret = _compact(hidden)
        runs = {secret[i : i + 10] for i in range(len(secret) - 9)}
        leaks += [f"{value[:4]}… ({run})" for run in sorted(runs) if run in unescaped]
    return leaks


def test_no_output_format_shows_a_match(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "leaky.jsonl"
    path.write_bytes(b"".join(SENSITIVE_FILE))
    planted = _planted()
    assert len(planted) >= 12
    file_report = Checker(QUIET).check_path(path)
    codes = [d.code for d in file_report.diagnostics]
    report = Report((file_report,))
    assert codes.count("JG280") == 6 and codes.count("JG281") == 6 and "JG222" in codes
    outputs = {name: render(report) for name, render in REPORTERS.items()}
    outputs["summary"] = summary_reporter.render(report)
    assert main(["check", "--color", "never", str(path), "--ignore", "JG301,JG302"]) == 1
    outputs["cli"] = capsys.readouterr().out
    for name, output in outputs.items():
        assert _leaks(output, planted) == [], name
    assert "sk-proj-…g3Vh" in outputs["text"] and "Slack webhook URL" in outputs["json"]
    assert "'AIza…g0ab' matches no tool call" in outputs["sarif"]  # JG222 masks it too


def test_mask_text_hides_a_key_cut_short() -> None:
    assert mask_text("id 'sk-proj-Rk4fQz81Lm…' is unknown") == "id 'sk-proj-…' is unknown"
    assert mask_text("nothing here 2024-01-15") == "nothing here 2024-01-15"


def test_the_pytest_plugin_failure_shows_no_match(pytester: pytest.Pytester) -> None:
    (pytester.path / "leaky.jsonl").write_bytes(b"".join(SENSITIVE_FILE))
    result = pytester.runpytest("--jsonl-guard", "-p", "no:hypothesispytest")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "JG280" in output and "sk-proj-…g3Vh" in output
    assert _leaks(output, _planted()) == []


# -- properties over every profile's generated data -------------------------------------------

GENERATED = sorted((FIXTURES / "generated").glob("*.jsonl"))


def _prose(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Paths of the string values with a space in them (prose, not roles or ids)."""
    if isinstance(value, str):
        return [path] if " " in value else []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    return [p for key, item in items for p in _prose(item, (*path, key))]


def _plant(example: Any, path: tuple[str | int, ...], text: str) -> None:
    *parents, last = path
    for key in parents:
        example = example[key]
    example[last] = f"{example[last]} {text}"


def _profile_options(path: Path) -> CheckOptions:
    return CheckOptions(profile=path.stem, ignore=QUIET.ignore)


@pytest.mark.parametrize("path", GENERATED, ids=[p.stem for p in GENERATED])
def test_generated_datasets_raise_nothing(path: Path) -> None:
    report = check_lines(path.read_bytes().splitlines(keepends=True), _profile_options(path))
    assert [d for d in report.diagnostics if d.code in ("JG280", "JG281")] == []


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(GENERATED), st.sampled_from(EVERY), st.data())
def test_a_planted_match_is_reported_at_its_line_and_nowhere_else(
    path: Path, entry: tuple[str, str, str], data: st.DataObject
) -> None:
    lines = path.read_bytes().splitlines(keepends=True)[:8]
    examples = [json.loads(line) for line in lines]
    # The generated files hold deliberate corruptions: a line that is an array, not an
    # object, is no example (JG111), and nothing in it is read.
    candidates = [(i, p) for i, e in enumerate(examples) if isinstance(e, dict) for p in _prose(e)]
    if not candidates:
        return
    index, where = data.draw(st.sampled_from(candidates))
    kind, text, masked = entry
    _plant(examples[index], where, f"{text} .")
    planted = [json.dumps(e, ensure_ascii=False).encode() for e in examples]
    report = check_lines(planted, _profile_options(path))
    found = [(d.line, d.message) for d in report.diagnostics if d.code in ("JG280", "JG281")]
    assert found == [(index + 1, f"{path_of(*where)} holds {_article(kind)} {kind} ({masked})")]


@settings(max_examples=4, deadline=None)
@given(st.data())
def test_clean_strategy_datasets_raise_nothing(data: st.DataObject) -> None:
    from jsonl_guard.strategies import chat_datasets, profile_datasets

    profile = data.draw(st.sampled_from(["vertex-gemini", "bedrock-converse", "trl-messages"]))
    drawn = [
        (data.draw(chat_datasets(min_size=1, max_size=8)), CheckOptions()),
        (data.draw(profile_datasets(profile, 1, 8)), CheckOptions(profile=profile)),
    ]
    for examples, options in drawn:
        lines = [json.dumps(e, ensure_ascii=False).encode() for e in examples]
        report = check_lines(lines, options)
        assert [d.message for d in report.diagnostics if d.code in ("JG280", "JG281")] == []


def test_only_base64_data_urls_are_skipped_as_image_data() -> None:
    secret = SECRETS[0][1]
    assert found(f"data:text/plain,token={secret}") == ["openai"]
    assert found(f"data:image/png;base64,{secret}") == []
