"""Token-count backends: tiktoken (the reference) and the optional quicktok.

quicktok (``pip install "jsonl-guard[fast]"``) is an exact C++ BPE that ships the
same OpenAI vocab; it counts ~3x faster. It is trusted only as far as it keeps
agreeing with tiktoken: every ``SPOT_CHECK_EVERY``-th text is also counted with
tiktoken, and a single disagreement raises ``TokenizerMismatch`` so the caller
re-checks the file with tiktoken alone.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable

from ._encodings import load_encoding

TOKENIZERS = ("auto", "tiktoken", "quicktok")
SPOT_CHECK_EVERY = 997  # prime: does not beat in step with a file's structure
# Loading quicktok's vocab costs about as much as tiktoken's; it pays off only
# on files big enough for the faster counting to win the load time back.
FAST_TOKENIZER_MIN_BYTES = 32 * 1024 * 1024


class TokenizerUnavailableError(ValueError):
    """``--tokenizer quicktok`` without the package installed."""


class TokenizerMismatch(Exception):
    """quicktok and tiktoken disagreed on a text; tiktoken wins."""

    def __init__(self, text: str, fast: int, reference: int) -> None:
        super().__init__(f"quicktok counted {fast} tokens, tiktoken {reference}")
        self.text = text


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def quicktok_available() -> bool:
    try:
        import quicktok  # noqa: F401
    except ImportError:
        return False
    return True


def is_tokenizer_file(choice: object) -> bool:
    """A Hugging Face ``tokenizer.json`` path (used by the open-model profiles)."""
    return isinstance(choice, str) and choice.endswith(".json")


def resolve_tokenizer(choice: str) -> str:
    if is_tokenizer_file(choice):
        return choice
    if choice not in TOKENIZERS:
        raise TokenizerUnavailableError(
            f"unknown tokenizer {choice!r}; choose one of {', '.join(TOKENIZERS)}"
        )
    if choice == "auto":
        return "quicktok" if quicktok_available() else "tiktoken"
    if choice == "quicktok" and not quicktok_available():
        raise TokenizerUnavailableError(
            'the quicktok tokenizer is not installed: pip install "jsonl-guard[fast]"'
        )
    return choice


def tiktoken_counter(encoding_name: str) -> tuple[Callable[[str], int], str]:
    encoding = load_encoding(encoding_name)

    def count(text: str) -> int:
        return len(encoding.encode_ordinary(text))

    return count, f"tiktoken {_version('tiktoken')}"


def quicktok_counter(encoding_name: str) -> tuple[Callable[[str], int], str]:
    import quicktok

    fast = quicktok.get_encoding(encoding_name).count
    state = {"seen": 0}
    # The reference is loaded once, here, so forked workers share it.
    reference = [tiktoken_counter(encoding_name)[0]]

    def count(text: str) -> int:
        tokens: int = fast(text)
        state["seen"] += 1
        if (state["seen"] - 1) % SPOT_CHECK_EVERY == 0:  # the first text, then every Nth
            expected = reference[0](text)
            if expected != tokens:
                raise TokenizerMismatch(text, tokens, expected)
        return tokens

    return count, f"quicktok {_version('quicktok-v1')}"


def make_counter(encoding_name: str, tokenizer: str) -> tuple[Callable[[str], int], str]:
    """(count function, tokenizer description) for a resolved tokenizer name."""
    if tokenizer == "quicktok":
        return quicktok_counter(encoding_name)
    return tiktoken_counter(encoding_name)
