"""Exact token counts per example, with tiktoken and the cookbook's chat formula.

Plain messages follow OpenAI's cookbook exactly: 3 tokens per message, plus the
encoded role, content and name, plus 1 per name, plus 3 per example. What the
cookbook leaves out is counted by a documented approximation and reported
separately (see docs/tokens.md):

* tool and function definitions: the tokens of their compact JSON text (keys sorted);
* tool calls: the tokens of the function name and of the arguments string, plus 3;
* images: 85 tokens each, OpenAI's figure for a ``detail: low`` image (a floor:
  high-detail images cost more, which needs the image's pixel size to know).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, NamedTuple

from ..engine.parse import canonical_json
from .backends import Sample, make_counter
from .training import TrainingPreview

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PER_EXAMPLE = 3
TOKENS_PER_TOOL_CALL = 3
TOKENS_PER_IMAGE = 85


# How many distinct tool-definition lists keep their token count (each key is their JSON).
DEFINITIONS_MEMO = 256


class ExampleTokens(NamedTuple):
    """An example's tokens: the total and its parts (a tuple: built once per line, fast)."""

    total: int
    messages: int
    tool_definitions: int
    tool_calls: int
    images: int
    assistant: int
    # What the trainer trains on, when a provider can render the example as it does.
    training: TrainingPreview | None = None

    @property
    def approximate(self) -> bool:
        return bool(self.tool_definitions or self.tool_calls or self.images)


class TokenCounter:
    """Counts tokens for one encoding; reuses the counts of repeated strings."""

    def __init__(self, encoding_name: str, tokenizer: str = "tiktoken") -> None:
        self.encoding_name = encoding_name
        # quicktok's spot-check samples, verified against tiktoken when a file is done.
        self.spot_samples: list[Sample] = []
        self._count, self.tokenizer = make_counter(encoding_name, tokenizer, self.spot_samples)
        # Role strings and system prompts repeat on almost every line.
        self._cached = lru_cache(maxsize=512)(self._count)
        # Tool definitions' tokens by their canonical JSON (``canonical_json``: one key per
        # value), so a line whose tools repeat skips writing them out with json.dumps.
        self._definition_tokens: dict[bytes, int] = {}

    def text(self, text: str) -> int:
        return self._count(text)

    def count(self, example: dict[str, Any]) -> ExampleTokens:
        messages = example.get("messages")
        formula = TOKENS_PER_EXAMPLE
        calls = images = assistant = 0
        count, cached = self._count, self._cached
        for message in messages if isinstance(messages, list) else ():
            if type(message) is not dict:
                continue
            content = message.get("content")
            role = message.get("role")
            if type(content) is str:  # the common case, without a call per message
                # A system prompt is often the same long text on every line: count it once.
                content_tokens = cached(content) if role == "system" else count(content)
                formula += TOKENS_PER_MESSAGE + content_tokens
            else:
                content_tokens, image_count = self._parts(content)
                formula += TOKENS_PER_MESSAGE + content_tokens
                images += image_count * TOKENS_PER_IMAGE
            if type(role) is str:
                formula += cached(role)
            if "name" in message and type(message["name"]) is str:
                formula += count(message["name"]) + TOKENS_PER_NAME
            call_tokens = 0
            if "tool_calls" in message or "function_call" in message:
                call_tokens = self._calls(message)
                calls += call_tokens
            if role == "assistant":
                assistant += content_tokens + call_tokens
        definitions = 0
        if "tools" in example or "functions" in example:
            definitions = self._definitions(example.get("tools"))
            definitions += self._definitions(example.get("functions"))
        total = formula + definitions + calls + images
        return ExampleTokens(total, formula, definitions, calls, images, assistant)

    def _parts(self, content: Any) -> tuple[int, int]:
        """(text tokens, images) of list-form content (string content is counted inline)."""
        tokens = images = 0
        if isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    continue
                for key in ("text", "refusal"):
                    if isinstance(part.get(key), str):
                        tokens += self.text(part[key])
                if part.get("type") == "image_url":
                    images += 1
        return tokens, images

    def _calls(self, message: dict[str, Any]) -> int:
        functions = []
        tool_calls = message.get("tool_calls")
        for call in tool_calls if isinstance(tool_calls, list) else ():
            if isinstance(call, dict):
                functions.append(call.get("function"))
        functions.append(message.get("function_call"))
        tokens = 0
        for function in functions:
            if not isinstance(function, dict):
                continue
            tokens += TOKENS_PER_TOOL_CALL
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    tokens += self.text(function[key])
        return tokens

    def _definitions(self, definitions: Any) -> int:
        if not isinstance(definitions, list) or not definitions:
            return 0
        key = canonical_json(definitions)
        tokens = self._definition_tokens.get(key)
        if tokens is None:
            # Sorted keys: the estimate must not depend on how the writer ordered them.
            text = json.dumps(
                definitions, ensure_ascii=False, separators=(",", ":"), sort_keys=True
            )
            tokens = self._count(text)  # not _cached: this memo already holds it
            if len(self._definition_tokens) >= DEFINITIONS_MEMO:
                self._definition_tokens.clear()  # a file whose tools keep changing
            self._definition_tokens[key] = tokens
        return tokens
