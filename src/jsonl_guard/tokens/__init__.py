"""Token counting: the encodings, the tokenizer back ends, the chat formula and the per-profile
counting methods.
"""

from __future__ import annotations

from .backends import (
    FAST_TOKENIZER_MIN_BYTES,
    QUICKTOK_FELL_BACK,
    TOKENIZERS,
    Sample,
    TokenizerMismatch,
    TokenizerUnavailableError,
    first_mismatch,
    is_tokenizer_file,
    resolve_tokenizer,
    verify_samples,
)
from .chat_formula import ExampleTokens, TokenCounter
from .encodings import SUPPORTED_ENCODINGS, EncodingUnavailableError, load_encoding
from .methods import (
    ESTIMATE_SAFETY_MARGIN,
    TokenTools,
    find_token_method,
    strings,
    text_only,
    token_method,
)

__all__ = [
    "ESTIMATE_SAFETY_MARGIN",
    "FAST_TOKENIZER_MIN_BYTES",
    "QUICKTOK_FELL_BACK",
    "SUPPORTED_ENCODINGS",
    "TOKENIZERS",
    "EncodingUnavailableError",
    "ExampleTokens",
    "Sample",
    "TokenCounter",
    "TokenTools",
    "TokenizerMismatch",
    "TokenizerUnavailableError",
    "find_token_method",
    "first_mismatch",
    "is_tokenizer_file",
    "load_encoding",
    "resolve_tokenizer",
    "strings",
    "text_only",
    "token_method",
    "verify_samples",
]
