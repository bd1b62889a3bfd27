"""Text strategies: message text in many scripts, and message and function names.

:func:`texts` draws non-blank text that never holds a special-token string
(:data:`SPECIAL_TOKEN_TEXTS`); :func:`participant_names` and :func:`function_names`
draw names the API accepts. The chat strategies (``_chat.py``) and the corruptions
build on them.
"""

from __future__ import annotations

import functools
import string

from hypothesis import strategies as st

#: Literal special-token strings that must never appear in training text. The
#: list is written out here (not imported from the checker) so tests built on
#: it check the checker's own list independently.
SPECIAL_TOKEN_TEXTS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|endofprompt|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|im_sep|>",
)

_WORDS = (
    # English support-desk vocabulary ...
    "hello", "order", "refund", "shipping", "please", "thanks", "the", "a", "is", "my",
    "where", "when", "can", "you", "help", "with", "account", "password", "today", "invoice",
    "Yes.", "No.", "OK", "Sure!", "Why?", "e-mail", "don't", "it's", "#4521", "$19.99", "100%",
    # ... other scripts, accents, emoji, maths ...
    "café", "naïve", "Grüße", "Straße", "façade", "año", "日本語", "東京", "こんにちは",
    "你好", "世界", "Привет", "мир", "مرحبا", "שלום", "नमस्ते", "안녕하세요", "Ελληνικά",
    "🙂", "🚀", "👍🏽", "🇫🇷", "∑", "π≈3.14", "x²", "½", "→", "…", "—", "€", "™",
    # ... code and markup that must not confuse anything ...
    "`print(1)`", '{"a": 1}', "[1, 2]", "<b>", "</b>", "\\n", "C:\\path", "a\\b", '"quoted"',
    "'single'", "http://example.com", "<tag/>", "&amp;", "%s", "{0}", "${x}", "null", "true",
    # ... and pieces of special tokens, which are harmless on their own.
    "<|", "|>", "endoftext", "<|im", "im_end", "|", "<", ">",
)  # fmt: skip
_SEPARATORS = (" ", " ", " ", " ", "\n", ", ", "  ", "\t", " - ", "\n\n")
_ID_CHARS = string.ascii_letters + string.digits


def _is_clean(text: str) -> bool:
    return bool(text.strip()) and not any(token in text for token in SPECIAL_TOKEN_TEXTS)


_WORD = st.sampled_from(_WORDS)
_SEPARATOR = st.sampled_from(_SEPARATORS)


def _join(pairs: list[tuple[str, str]]) -> str:
    return pairs[0][0] + "".join(separator + word for word, separator in pairs[1:])


def _sentences(max_words: int) -> st.SearchStrategy[str]:
    return st.lists(st.tuples(_WORD, _SEPARATOR), min_size=1, max_size=max_words).map(_join)


_ARBITRARY = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)


@functools.cache
def _texts(max_size: int) -> st.SearchStrategy[str]:
    sentences = _sentences(max(1, max_size // 15))
    strategy = st.one_of(
        sentences,
        sentences,
        _ARBITRARY,
        st.tuples(_sentences(4), _ARBITRARY).map(" ".join),
    )
    return strategy.map(lambda text: text[:max_size]).filter(_is_clean)


def texts(*, max_size: int = 120) -> st.SearchStrategy[str]:
    """Non-blank message text: words in many scripts, emoji, code, and arbitrary unicode.

    Never empty or whitespace only, and never contains a special-token string
    such as ``<|endoftext|>`` (see :data:`SPECIAL_TOKEN_TEXTS`). Lone surrogates,
    which cannot be encoded as UTF-8, are never generated.
    """
    return _texts(max_size)


_NAME_CHARS = _ID_CHARS + "_-"
_PARTICIPANT_NAMES = st.one_of(
    st.sampled_from(["alice", "Bob", "agent_7", "customer-42", "example_user", "X"]),
    st.text(alphabet=_NAME_CHARS, min_size=1, max_size=64),
)
_FUNCTION_NAMES = st.one_of(
    st.sampled_from(
        ["get_weather", "track_order", "refund", "lookupUser", "send-email", "search_docs"]
    ),
    st.text(alphabet=_NAME_CHARS, min_size=1, max_size=64),
)


def participant_names() -> st.SearchStrategy[str]:
    """A message ``name``: 1-64 characters of ``[a-zA-Z0-9_-]``, as the API requires."""
    return _PARTICIPANT_NAMES


def function_names() -> st.SearchStrategy[str]:
    """A function name matching ``^[a-zA-Z0-9_-]{1,64}$``."""
    return _FUNCTION_NAMES
