"""The optional quicktok backend counts exactly like tiktoken, or is not used."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jsonl_guard.tokens.backends as fast_tokens
from helpers import EXAMPLES
from jsonl_guard import Checker, CheckOptions, check_path
from jsonl_guard.cli import main
from jsonl_guard.tokens.backends import TokenizerUnavailableError, resolve_tokenizer
from jsonl_guard.tokens.encodings import load_encoding

quicktok = pytest.importorskip("quicktok", reason='the "fast" extra is not installed')
# Emoji with ZWJ, combining marks, CJK, controls, and pieces of special tokens.
PIECES = ["👩", "\u200d", "👧", "e", "\u0301", "你", "好", " ", "\n", "\t", "\x00", "\x1b",
          "<|", "endoftext", "|>", "'s", "123", "x"]  # fmt: skip
TRICKY = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=120).map("".join),
    st.builds(lambda n, s: " " * n + s, st.integers(0, 300), st.text(max_size=20)).filter(
        lambda s: all(not "\ud800" <= c <= "\udfff" for c in s)
    ),
)


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TRICKY)
def test_quicktok_counts_equal_tiktoken(encoding, text):
    expected = len(load_encoding(encoding).encode_ordinary(text))
    assert quicktok.get_encoding(encoding).count(text) == expected


@pytest.mark.parametrize("name", ["support-good.jsonl", "support-bad.jsonl", "tiny.jsonl"])
def test_reports_identical_but_for_the_tokenizer_name(name):
    slow = check_path(EXAMPLES / name, CheckOptions(tokenizer="tiktoken"))
    quick = check_path(EXAMPLES / name, CheckOptions(tokenizer="quicktok"))
    assert quick.tokens is not None and slow.tokens is not None
    assert quick.tokens.tokenizer.startswith("quicktok ")
    assert slow.tokens.tokenizer.startswith("tiktoken ")
    assert quick.diagnostics == slow.diagnostics
    assert quick.cost == slow.cost
    from dataclasses import replace

    assert replace(quick.tokens, tokenizer="") == replace(slow.tokens, tokenizer="")


class _Lying:
    def __init__(self, real):
        self.real = real

    def count(self, text):
        return self.real.count(text) + (len(text) > 40)


def test_a_disagreement_falls_back_to_tiktoken(monkeypatch):
    real_get = quicktok.get_encoding
    monkeypatch.setattr(quicktok, "get_encoding", lambda name: _Lying(real_get(name)))
    monkeypatch.setattr(fast_tokens, "SPOT_CHECK_EVERY", 1)
    report = check_path(EXAMPLES / "support-good.jsonl", CheckOptions(tokenizer="quicktok"))
    reference = check_path(EXAMPLES / "support-good.jsonl", CheckOptions(tokenizer="tiktoken"))
    assert report.tokens is not None and reference.tokens is not None
    assert report.tokens.total == reference.tokens.total
    assert "quicktok disagreed" in report.tokens.tokenizer


def test_the_text_report_warns_when_quicktok_was_not_used(monkeypatch, capsys):
    real_get = quicktok.get_encoding
    monkeypatch.setattr(quicktok, "get_encoding", lambda name: _Lying(real_get(name)))
    monkeypatch.setattr(fast_tokens, "SPOT_CHECK_EVERY", 1)
    code = main(["check", str(EXAMPLES / "support-good.jsonl"), "--tokenizer", "quicktok"])
    out = capsys.readouterr().out
    assert code == 0
    assert "warning: quicktok disagreed with tiktoken" in out


def test_a_disagreement_in_a_parallel_check_falls_back_to_tiktoken(monkeypatch):
    # The workers count with the lying quicktok (they are forked from this process);
    # the verifier process recounts their samples with tiktoken and catches it.
    real_get = quicktok.get_encoding
    monkeypatch.setattr(quicktok, "get_encoding", lambda name: _Lying(real_get(name)))
    monkeypatch.setattr(fast_tokens, "SPOT_CHECK_EVERY", 1)
    checker = Checker(CheckOptions(tokenizer="quicktok"))
    report = checker.check_path(EXAMPLES / "support-good.jsonl", jobs=2, min_parallel_bytes=0)
    reference = check_path(EXAMPLES / "support-good.jsonl", CheckOptions(tokenizer="tiktoken"))
    assert report.tokens is not None and reference.tokens is not None
    assert report.tokens.total == reference.tokens.total
    assert "quicktok disagreed" in report.tokens.tokenizer


def test_a_parallel_quicktok_check_reports_what_a_single_process_does():
    single = check_path(EXAMPLES / "support-bad.jsonl", CheckOptions(tokenizer="quicktok"))
    checker = Checker(CheckOptions(tokenizer="quicktok"))
    parallel = checker.check_path(EXAMPLES / "support-bad.jsonl", jobs=3, min_parallel_bytes=0)
    assert parallel == single
    assert parallel.tokens is not None and parallel.tokens.tokenizer.startswith("quicktok ")


def test_samples_are_the_first_text_and_every_nth(monkeypatch):
    monkeypatch.setattr(fast_tokens, "SPOT_CHECK_EVERY", 3)
    samples: list = []
    count, _ = fast_tokens.make_counter("o200k_base", "quicktok", samples)
    for text in ["a", "b", "c", "d", "e", "f", "g"]:
        count(text)
    assert [text for _, text, _ in samples] == ["a", "d", "g"]
    fast_tokens.verify_samples(samples)  # quicktok and tiktoken agree
    with pytest.raises(fast_tokens.TokenizerMismatch):
        fast_tokens.verify_samples([("o200k_base", "hello world", 3)])


def test_missing_quicktok_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setattr(fast_tokens, "quicktok_available", lambda: False)
    assert resolve_tokenizer("auto") == "tiktoken"
    with pytest.raises(TokenizerUnavailableError, match=r"jsonl-guard\[fast\]"):
        resolve_tokenizer("quicktok")
    code = main(["check", str(EXAMPLES / "tiny.jsonl"), "--tokenizer", "quicktok"])
    assert code == 2
    assert "jsonl-guard[fast]" in capsys.readouterr().err


class _Tracked:
    """quicktok, counting the live wrappers: a dropped counter drops its wrapper."""

    live = 0

    def __init__(self, real):
        self.real = real
        type(self).live += 1

    def __del__(self):
        type(self).live -= 1

    def count(self, text):
        return self.real.count(text)


def _quicktok_held(samples):
    """Run where tiktoken recounts: a "mismatch" if quicktok is still held there. The
    recount process is forked from the checking one, so it holds what that one held."""
    if _Tracked.live or _loaded():
        return "quicktok still held", _Tracked.live, len(quicktok._CACHE)
    return fast_tokens.first_mismatch(samples)


def _loaded() -> bool:
    """Whether quicktok's own cache holds the check's encoding (other tests load others)."""
    return ("o200k_base", "") in quicktok._CACHE


@pytest.mark.parametrize("jobs", [1, 2])
def test_tiktoken_recounts_where_quicktok_was_let_go(monkeypatch, jobs):
    # Both vocabs at once were 160-180 MB in one process and 270 MB over a parallel
    # check's processes (docs/performance.md, "Memory"); a disagreement here would
    # show as the fall-back to tiktoken.
    import jsonl_guard.engine.spot_check as spot_check

    real_get = quicktok.get_encoding
    monkeypatch.setattr(quicktok, "get_encoding", lambda name: _Tracked(real_get(name)))
    monkeypatch.setattr(spot_check, "first_mismatch", _quicktok_held)
    checker = Checker(CheckOptions(tokenizer="quicktok"))
    for _ in range(2):  # the next file loads quicktok again
        report = checker.check_path(EXAMPLES / "support-bad.jsonl", jobs=jobs, min_parallel_bytes=0)
        assert report.tokens is not None and "disagreed" not in report.tokens.tokenizer
        assert report.tokens.tokenizer.startswith("quicktok ")
        assert _Tracked.live == 0 and not _loaded()


def _tokenizer_of_a_check() -> str:
    report = check_path(EXAMPLES / "support-bad.jsonl", CheckOptions(tokenizer="quicktok"))
    assert report.tokens is not None
    return report.tokens.tokenizer


def test_a_check_in_a_daemonic_process_recounts_in_that_process():
    # A pool's worker (or a Dask worker running check_shard) may have no children.
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_tokenizer_of_a_check).startswith("quicktok ")


def test_a_missing_reference_vocab_in_a_parallel_check_is_a_usage_error_not_a_traceback(
    monkeypatch, tmp_path, capsys
):
    # The verifier process loads tiktoken; its error must reach the CLI intact.
    import jsonl_guard.engine.parallel as parallel
    from jsonl_guard.tokens.encodings import EncodingUnavailableError

    def unavailable(name):
        raise EncodingUnavailableError(name, "no vocab here")

    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(fast_tokens, "load_encoding", unavailable)
    path = tmp_path / "data.jsonl"
    path.write_bytes((EXAMPLES / "support-good.jsonl").read_bytes() * 3)
    code = main(["check", str(path), "--tokenizer", "quicktok", "--jobs", "2"])
    assert code == 2
    assert "cannot load tokenizer encoding 'o200k_base' offline: no vocab here" in (
        capsys.readouterr().err
    )


def test_a_disagreement_on_standard_input_is_a_clear_error(monkeypatch, capsys):
    # A stream cannot be re-read with tiktoken: say so instead of a traceback.
    import io
    import sys

    real_get = quicktok.get_encoding
    monkeypatch.setattr(quicktok, "get_encoding", lambda name: _Lying(real_get(name)))
    monkeypatch.setattr(fast_tokens, "SPOT_CHECK_EVERY", 1)
    data = (EXAMPLES / "support-good.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(["check", "-", "--tokenizer", "quicktok"])
    assert code == 2
    assert "run with --tokenizer tiktoken" in capsys.readouterr().err


def test_tiktoken_is_let_go_before_quicktok_loads_for_a_big_file(monkeypatch):
    # ``auto`` counts a small file with tiktoken and a big one with quicktok; a run of
    # both held the two vocabs at once (115 MB) unless tiktoken's goes first.
    import jsonl_guard.engine.checker as checker_module

    small, big = EXAMPLES / "tiny.jsonl", EXAMPLES / "support-good.jsonl"
    monkeypatch.setattr(checker_module, "FAST_TOKENIZER_MIN_BYTES", big.stat().st_size)
    held_when_quicktok_loaded = []
    real_get = quicktok.get_encoding

    def get_encoding(name):
        import tiktoken.registry

        held = load_encoding.cache_info().currsize, sorted(tiktoken.registry.ENCODINGS)
        held_when_quicktok_loaded.append(held)
        return real_get(name)

    monkeypatch.setattr(quicktok, "get_encoding", get_encoding)
    checker = Checker(CheckOptions(tokenizer="auto"))
    first = checker.check_path(small)
    assert load_encoding.cache_info().currsize == 1  # tiktoken counted the small file
    counted = checker.check_path(big)
    again = checker.check_path(small)  # tiktoken loads again, and counts the same
    assert [r.tokens.tokenizer.split()[0] for r in (first, counted, again)] == [
        "tiktoken",
        "quicktok",
        "tiktoken",
    ]
    assert held_when_quicktok_loaded == [(0, [])]  # neither our cache nor tiktoken's
    assert first.tokens.total == again.tokens.total
    alone = Checker(CheckOptions(tokenizer="tiktoken")).check_path(big)
    assert counted.tokens.total == alone.tokens.total
