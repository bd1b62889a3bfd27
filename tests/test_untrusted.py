"""Untrusted text is printed so it cannot drive the terminal, the CI log or leak a key."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jsonl_guard.untrusted import known_secrets, mask_secrets, printable, safe


def test_escape_sequences_are_shown_not_run() -> None:
    forged = "key\x1b[2J\x1b[H\x1b[32mNo errors\x1b[0m"
    shown = printable(forged)
    assert "\x1b" not in shown
    assert shown == "key\\x1b[2J\\x1b[H\\x1b[32mNo errors\\x1b[0m"


def test_a_newline_cannot_start_a_workflow_command() -> None:
    shown = printable("name\n::error file=x::forged")
    assert "\n" not in shown
    assert shown.startswith("name\\x0a::error")


def test_bidi_overrides_and_line_separators_are_escaped() -> None:
    assert printable("a\u202eb\u2028c") == "a\\u202eb\\u2028c"


def test_tab_and_ordinary_unicode_stay() -> None:
    assert printable("tab\there — é 中文") == "tab\there — é 中文"


@given(st.text())
def test_printable_output_has_no_control_characters(text: str) -> None:
    shown = printable(text)
    assert all(ch == "\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in shown)
    assert "\n" not in shown and "\r" not in shown


def test_secrets_from_the_environment_are_masked() -> None:
    environ = {"OPENAI_API_KEY": "sk-test-0123456789", "AWS_SECRET_ACCESS_KEY": "short"}
    secrets = known_secrets(environ)
    assert secrets == ("sk-test-0123456789",)  # too short to mask safely: left out
    echoed = "invalid key sk-test-0123456789 for org"
    assert mask_secrets(echoed, secrets) == "invalid key *** for org"
    assert safe("x\x1b[0m sk-test-0123456789", secrets) == "x\\x1b[0m ***"
