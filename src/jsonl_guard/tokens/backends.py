"""Token-count backends: tiktoken (the reference) and the optional quicktok.

quicktok (``pip install "jsonl-guard[fast]"``) is an exact C++ BPE that ships the
same OpenAI vocab; it counts ~3x faster. It is trusted only as far as it keeps
agreeing with tiktoken: every ``SPOT_CHECK_EVERY``-th text and its count are kept
as a sample, the samples are recounted with tiktoken when the file is done, and a
single disagreement raises ``TokenizerMismatch`` so the caller re-checks the file
with tiktoken alone. The recount happens at the end, after quicktok's vocab is let go
(``release_quicktok``), in a process of its own (engine/spot_check.py): the two
vocabularies, 65-72 MB of heap each, are never resident at once in the process tree.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ERROR_PREFIX, JsonlGuardError
from .encodings import load_encoding

TOKENIZERS = ("auto", "tiktoken", "quicktok")
SPOT_CHECK_EVERY = 997  # prime: does not beat in step with a file's structure
# Appended to the report's tokenizer when a file was re-counted with tiktoken.
QUICKTOK_FELL_BACK = "quicktok disagreed with tiktoken on a sampled text, so it was not used"
# (encoding name, text, quicktok's count) of a sampled text.
Sample = tuple[str, str, int]
# Loading quicktok's vocab costs about as much as tiktoken's; it pays off only
# on files big enough for the faster counting to win the load time back.
FAST_TOKENIZER_MIN_BYTES = 32 * 1024 * 1024


class TokenizerUnavailableError(JsonlGuardError, ValueError):
    """``--tokenizer quicktok`` without the package installed."""


class TokenizerMismatch(JsonlGuardError):
    """quicktok and tiktoken disagreed on a text; tiktoken wins.

    The checker re-checks a file with tiktoken alone; only a stream, which cannot
    be read again, lets this error reach a command.
    """

    def __init__(self, text: str, fast: int, reference: int) -> None:
        super().__init__(f"quicktok counted {fast} tokens, tiktoken {reference}")
        self.text, self.fast, self.reference = text, fast, reference

    def __reduce__(self) -> tuple[type[TokenizerMismatch], tuple[str, int, int]]:
        # Raised in the verifier process, it must cross back to the parent intact.
        return type(self), (self.text, self.fast, self.reference)

    def report(self, prefix: str = ERROR_PREFIX) -> str:
        return (
            f"{prefix}{self} on a sampled text, and standard input cannot be read again; "
            "run with --tokenizer tiktoken"
        )


def _version(module: object) -> str:
    # The module's own attribute: importlib.metadata costs ~30 ms of start-up to import.
    return str(getattr(module, "__version__", "?"))


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

    import tiktoken

    return count, f"tiktoken {_version(tiktoken)}"


def quicktok_counter(encoding_name: str, samples: list[Sample]) -> tuple[Callable[[str], int], str]:
    """Counts with quicktok; the first text and every Nth after go to ``samples``."""
    import quicktok

    fast = quicktok.get_encoding(encoding_name).count
    seen = 0

    def count(text: str) -> int:
        nonlocal seen
        tokens: int = fast(text)
        if seen % SPOT_CHECK_EVERY == 0:
            samples.append((encoding_name, text, tokens))
        seen += 1
        return tokens

    return count, f"quicktok {_version(quicktok)}"


def release_quicktok(encoding_name: str) -> None:
    """Drop quicktok's own reference to ``encoding_name``'s tokenizer.

    ``quicktok.get_encoding`` keeps every tokenizer it built in a module-level dict for
    the life of the process; once the counters that used it are dropped too, its ~65 MB
    go back to the allocator. A quicktok without that dict (another version) is left
    alone: the memory then stays, nothing else changes.
    """
    try:
        import quicktok
    except ImportError:
        return
    cache = getattr(quicktok, "_CACHE", None)
    if isinstance(cache, dict):
        cache.pop((encoding_name, ""), None)


def first_mismatch(samples: list[Sample]) -> tuple[str, int, int] | None:
    """(text, quicktok's count, tiktoken's) of the first sample tiktoken counts otherwise.

    Loads tiktoken's vocab only when there is a sample.
    """
    for encoding_name, text, fast in samples:
        expected = len(load_encoding(encoding_name).encode_ordinary(text))
        if expected != fast:
            return text, fast, expected
    return None


def verify_samples(samples: list[Sample]) -> None:
    """Raise ``TokenizerMismatch`` if tiktoken counts a sampled text otherwise."""
    mismatch = first_mismatch(samples)
    if mismatch is not None:
        raise TokenizerMismatch(*mismatch)


def make_counter(
    encoding_name: str, tokenizer: str, samples: list[Sample] | None = None
) -> tuple[Callable[[str], int], str]:
    """(count function, tokenizer description) for a resolved tokenizer name.

    quicktok's spot-check samples go to ``samples`` (for ``verify_samples``).
    """
    if tokenizer == "quicktok":
        return quicktok_counter(encoding_name, [] if samples is None else samples)
    return tiktoken_counter(encoding_name)
