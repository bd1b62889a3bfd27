"""How a profile counts an example's tokens: exact with a tokenizer, or estimated.

A profile names its method (``tokens = "..."`` in the provider table). Methods are
small functions registered with ``@token_method``; they get the example and a
``TokenTools`` with what counting may need, and return ``None`` when the example
has no countable shape (its schema findings say why).

The two shared methods are declared here; a provider's own methods are declared in its
modules and registered when they are imported, which ``rules.catalogue`` does
(``load_rule_modules``). ``find_token_method`` looks only among the methods registered
so far and imports nothing: a profile's method is looked up with
``rules.catalogue.token_method_for``, which loads the catalogue first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..engine.models import ModelSpec, ModelTableError
from .backends import Sample, is_tokenizer_file
from .chat_formula import ExampleTokens, TokenCounter
from .training import TrainingSetup

DEFAULT_CHARS_PER_TOKEN = 4.0
# Estimated counts within this fraction of a limit are warned about (JG403).
ESTIMATE_SAFETY_MARGIN = 0.10
# Keys whose string values are structure, not text the model reads.
STRUCTURAL_KEYS = frozenset(
    {"role", "type", "mimeType", "mime_type", "fileUri", "uri", "url", "schemaVersion", "format"}
)


class TokenTools:
    """What a counting method may use; the exact tokenizer loads on first use."""

    def __init__(
        self,
        model: ModelSpec,
        tokenizer: str = "tiktoken",
        *,
        max_seq_len: int | None = None,
        training: TrainingSetup | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_seq_len = max_seq_len
        self.training = training or TrainingSetup()
        self._chat: TokenCounter | None = None
        self.used = ""  # the counter actually used, for the report

    @property
    def chat(self) -> TokenCounter:
        """tiktoken (or quicktok) for the model's encoding, with the cookbook's chat formula."""
        if self._chat is None:
            self._chat = TokenCounter(self.model.encoding, self.tokenizer)
            self.used = self._chat.tokenizer
        return self._chat

    def take_spot_samples(self) -> list[Sample]:
        """quicktok's samples since the last call (``tokens.backends.verify_samples``)."""
        if self._chat is None or not self._chat.spot_samples:
            return []
        samples = list(self._chat.spot_samples)
        self._chat.spot_samples.clear()
        return samples

    def release(self) -> None:
        """Let go of the loaded counter (its vocab), e.g. before another vocab is loaded;
        the next count loads it again. Take the spot-check samples first."""
        self._chat = None

    @property
    def chars_per_token(self) -> float:
        return self.model.chars_per_token or DEFAULT_CHARS_PER_TOKEN

    def estimate(self, characters: int) -> int:
        """Tokens for a text of ``characters`` characters, rounded up (never under)."""
        if not self.used:
            self.used = f"estimate: {self.chars_per_token:g} characters per token"
        return math.ceil(characters / self.chars_per_token)


Count = Callable[[dict[str, Any], TokenTools], "ExampleTokens | None"]
# Called with a chunk's examples before their lines are checked one by one.
Prefetch = Callable[[list[dict[str, Any]], TokenTools], None]


@dataclass(frozen=True)
class TokenMethod:
    """``needs_encoding``: counts with the model's tiktoken encoding, so a model without
    one (an open model served with an OpenAI-style format) is estimated instead.
    ``with_tokenizer_file``: the method to use instead when the user gave a Hugging Face
    tokenizer.json (``--tokenizer``), e.g. an exact variant of an estimating method.
    ``prefetch``: prepares a chunk of examples at once (a batch tokenizer call) so that
    ``count`` on each is faster; it never changes what ``count`` returns."""

    name: str
    exact: bool
    description: str
    count: Count
    needs_encoding: bool = False
    with_tokenizer_file: str = ""
    prefetch: Prefetch | None = None


TOKEN_METHODS: dict[str, TokenMethod] = {}


def token_method(
    name: str,
    *,
    exact: bool,
    description: str,
    needs_encoding: bool = False,
    with_tokenizer_file: str = "",
    prefetch: Prefetch | None = None,
) -> Callable[[Count], Count]:
    def register(count: Count) -> Count:
        if name in TOKEN_METHODS:
            raise ValueError(f"token method {name!r} registered twice")
        TOKEN_METHODS[name] = TokenMethod(
            name, exact, description, count, needs_encoding, with_tokenizer_file, prefetch
        )
        return count

    return register


def find_token_method(
    name: str, model: ModelSpec | None = None, tokenizer: str = ""
) -> TokenMethod:
    """The registered method ``name``; for a model without a tiktoken encoding, the text
    estimate; with a tokenizer.json (``tokenizer``), the method's tokenizer-file variant.

    A name no loaded module registered is a ``ModelTableError``, never a fallback count
    (``rules.catalogue.token_method_for`` loads every provider's methods first).
    """
    if name not in TOKEN_METHODS:
        known = ", ".join(sorted(TOKEN_METHODS))
        raise ModelTableError(
            f"unknown token method {name!r}; registered: {known} (a provider's methods "
            "register when rules.catalogue.load_rule_modules() imports its modules)"
        )
    method = TOKEN_METHODS[name]
    if method.with_tokenizer_file and is_tokenizer_file(tokenizer):
        return find_token_method(method.with_tokenizer_file, model)
    if method.needs_encoding and model is not None and not model.encoding:
        return TOKEN_METHODS["estimate-text"]
    return method


def text_only(total: int, assistant: int = 0) -> ExampleTokens:
    """Tokens of an example with no tool or image parts."""
    return ExampleTokens(total, total, 0, 0, 0, assistant)


def strings(value: Any, key: str = "") -> Iterator[str]:
    """Every string an example holds that is text (not a role, type, URI or the like)."""
    if isinstance(value, str):
        if key not in STRUCTURAL_KEYS:
            yield value
    elif isinstance(value, dict):
        for child_key, child in value.items():
            yield from strings(child, str(child_key))
    elif isinstance(value, list):
        for child in value:
            yield from strings(child, key)


def text_chars(value: Any, key: str = "") -> int:
    """The characters of every string ``strings`` yields, summed without a generator per
    level (the estimates call it on every example, so it is on the hot path)."""
    if isinstance(value, str):
        return 0 if key in STRUCTURAL_KEYS else len(value)
    if isinstance(value, dict):
        return sum([text_chars(child, str(child_key)) for child_key, child in value.items()])
    if isinstance(value, list):
        return sum([text_chars(child, key) for child in value])
    return 0


@token_method(
    "openai-chat",
    exact=True,
    description="tiktoken with the OpenAI cookbook's chat formula (tools and images estimated)",
    needs_encoding=True,
)
def openai_chat(example: dict[str, Any], tools: TokenTools) -> ExampleTokens | None:
    if not isinstance(example.get("messages"), list):
        return None
    return tools.chat.count(example)


@token_method(
    "estimate-text",
    exact=False,
    description="estimate: the characters of every text value divided by the model's "
    "characters per token, rounded up",
)
def estimate_text(example: dict[str, Any], tools: TokenTools) -> ExampleTokens | None:
    total = tools.estimate(text_chars(example))
    answer = answer_characters(example)
    # The answer is estimated like the total, so its statistics are not all zeros.
    assistant = total if answer is None else min(total, tools.estimate(answer))
    return text_only(total, assistant)


_OUTPUTS = ("preferred_output", "non_preferred_output")


def answer_characters(example: dict[str, Any]) -> int | None:
    """The characters of what the model learns to write, by the example's shape:
    the assistant messages of a conversation (any provider's ``messages``), the longer
    preference output, a ``completion``; ``None`` for plain ``text``, where every
    token is trained."""
    messages = example.get("messages")
    if isinstance(messages, list):
        replies = (m for m in messages if isinstance(m, dict) and m.get("role") == "assistant")
        return sum(text_chars(reply) for reply in replies)
    outputs = [example[key] for key in _OUTPUTS if key in example]
    if outputs:
        return max(text_chars(output) for output in outputs)
    if "completion" in example:
        return text_chars(example["completion"])
    if isinstance(example.get("text"), str):
        return None
    return 0
