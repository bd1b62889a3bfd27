"""The batch pre-pass (providers/huggingface/memo.py) makes a check faster, never different.

Every line of a chunk is tokenized in one ``encode_batch`` call before the lines are
checked one by one; the reports must equal those of the per-line path alone (the same
findings on the same lines, the same statistics), whatever the chunk size and with
forked workers, and the per-line path must find every text it asks for in the memo.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jsonl_guard import Checker, CheckOptions
from jsonl_guard.engine import line as line_module
from jsonl_guard.engine.report import FileReport
from jsonl_guard.providers.huggingface.memo import Memo
from jsonl_guard.providers.huggingface.tokens import load_tokenizer

pytest.importorskip("tokenizers")
ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "tests" / "fixtures" / "rules"
HF_TOKENIZER = str(ROOT / "tests" / "fixtures" / "hf" / "tokenizer.json")
# The open-weight fixtures, and the TRL shape fixtures counted with the tokenizer (their
# string prompt/completion and preference pairs go through the memo too).
CODES = [f"JG{n}" for n in range(680, 695)]
# Checked in forked workers too (a fork costs ~0.4 s: a few files, each with a finding).
FORKED = {("JG690", "bad"), ("JG691", "bad"), ("JG693", "bad")}


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases = []
    for code in CODES:
        folder = RULES / code
        if not (folder / "options.json").is_file():
            continue
        raw = json.loads((folder / "options.json").read_text("utf-8"))
        base = {k: v for k, v in raw.items() if k not in ("expect", "bad", "good")}
        base.setdefault("tokenizer", HF_TOKENIZER)
        for name in ("bad", "good"):
            options = {**base, **raw.get(name, {})}
            for key in ("tokenizer", "chat_template"):
                if isinstance(options.get(key), str) and not Path(options[key]).is_absolute():
                    options[key] = str(ROOT / options[key])
            cases.append((code, name, options))
    return cases


def _per_line_only(self: Any, lines: Iterable[bytes]) -> Iterable[bytes]:
    return lines


def _check(options: dict[str, Any], path: Path, jobs: int = 1) -> FileReport:
    checker = Checker(CheckOptions(**options))
    return checker.check_path(path, jobs=jobs, min_parallel_bytes=1 if jobs > 1 else None)


@pytest.mark.parametrize(("code", "name", "options"), _cases())
def test_the_pre_pass_changes_no_report(
    code: str, name: str, options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = RULES / code / f"{name}.jsonl"
    monkeypatch.setattr(line_module, "AHEAD_LINES", 5)  # chunks end mid-file
    batched = _check(options, path)
    forked = _check(options, path, jobs=2) if (code, name) in FORKED else batched
    monkeypatch.setattr(line_module.LineChecker, "read_ahead", _per_line_only)
    alone = _check(options, path)
    assert batched == alone
    assert forked == alone


def test_every_text_the_per_line_path_asks_for_is_in_the_memo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    misses: list[str] = []
    count, encode = Memo.count, Memo.encode

    def counting(self: Memo, tokenizer: Any, text: str, specials: bool) -> int:
        known = (text, specials) in self.counts or (text, specials) in self.encodings
        if self.active and not self.recording and not known:
            misses.append(text)
        return count(self, tokenizer, text, specials)

    def encoding(self: Memo, tokenizer: Any, text: str, specials: bool) -> Any:
        if self.active and not self.recording and (text, specials) not in self.encodings:
            misses.append(text)
        return encode(self, tokenizer, text, specials)

    monkeypatch.setattr(Memo, "count", counting)
    monkeypatch.setattr(Memo, "encode", encoding)
    checked = 0
    for code, name, options in _cases():
        report = _check(options, RULES / code / f"{name}.jsonl")
        checked += report.examples
    assert checked > 300
    assert misses == []


def test_a_text_the_pre_pass_missed_is_encoded_alone() -> None:
    hf = load_tokenizer(HF_TOKENIZER)
    memo = Memo()
    memo.record()
    memo.count(hf.tokenizer, "Where is my order?", False)
    memo.fill(hf.tokenizer)
    direct = hf.tokenizer.encode("My chain keeps slipping.", add_special_tokens=True)
    assert memo.count(hf.tokenizer, "My chain keeps slipping.", True) == len(direct.ids)
    assert memo.encode(hf.tokenizer, "My chain keeps slipping.", True).ids == direct.ids
    alone = hf.tokenizer.encode("Where is my order?", add_special_tokens=False).ids
    assert memo.count(hf.tokenizer, "Where is my order?", False) == len(alone)


def test_render_keys_keep_what_the_template_reads_apart() -> None:
    memo = Memo()
    memo.record()
    one: list[Any] = [{"role": "user", "content": "a", "n": float("inf")}]
    other: list[Any] = [{"role": "user", "content": "a", "n": None}]
    reordered: list[Any] = [{"content": "a", "role": "user", "n": None}]
    keys = {
        memo.render_key(one, None, False),
        memo.render_key(other, None, False),
        memo.render_key(reordered, None, False),
        memo.render_key(other, None, True),
        memo.render_key(other, [], False),
    }
    assert len(keys) == 5


CHAT_LINES = [
    line
    for code in ("JG690", "JG691", "JG692", "JG693")
    for name in ("bad", "good")
    for line in (RULES / code / f"{name}.jsonl").read_bytes().splitlines(keepends=True)
] + [b"\n", b"not json\n", b'{"messages": "nope"}\n']


@settings(max_examples=8, deadline=None)
@given(
    picks=st.lists(st.integers(0, len(CHAT_LINES) - 1), min_size=1, max_size=30),
    chunk=st.integers(1, 7),
)
def test_any_lines_in_any_chunks_give_the_per_line_report(picks: list[int], chunk: int) -> None:
    lines = [CHAT_LINES[i] for i in picks]  # repeats included: the memo is keyed by text
    options = CheckOptions(
        profile="trl-messages",
        tokenizer=HF_TOKENIZER,
        loss="assistant-only",
        chat_template=str(RULES / "JG689" / "tagged.jinja"),
        max_seq_len=160,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(line_module, "AHEAD_LINES", chunk)
        batched = Checker(options).check_lines(lines, path="<lines>")
        patch.setattr(line_module.LineChecker, "read_ahead", _per_line_only)
        alone = Checker(options).check_lines(lines, path="<lines>")
    assert batched == alone
