"""Content rules: images, special-token text, and the model's token limit."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from ..engine.diagnostics import Severity
from ..tokens.methods import ESTIMATE_SAFETY_MARGIN
from .context import ExampleContext
from .helpers import (
    A,
    JsonPath,
    U,
    content_texts,
    image_parts,
    image_urls,
    path_of,
    tool_calls,
)
from .registry import example_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING
# Literal special-token text fails an OpenAI job late ("message contains an invalid
# token"); the list is tiktoken's OpenAI special tokens plus the chat markup tokens.
SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|endofprompt|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|im_sep|>",
)
_SPECIAL = re.compile("|".join(re.escape(token) for token in SPECIAL_TOKENS))
_DATA_URL = re.compile(r"data:image/(jpeg|jpg|png|webp);base64,([A-Za-z0-9+/=\s]+)\Z", re.DOTALL)
MAX_IMAGE_MB = 10
MAX_IMAGE_BYTES = MAX_IMAGE_MB * 1024 * 1024


@example_rule(
    code="JG240",
    name="image-outside-user-message",
    severity=ERROR,
    summary="An image content part appears in a message that is not from the user.",
    hint="Move the image into a user message; images are not allowed in system, assistant "
    "or tool messages.",
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "content": [{"type": "image_url", '
        '"image_url": {"url": "https://example.com/a.png"}}]}]}'
    ),
    good=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "https://example.com/a.png"}}]}, ' + A + "]}"
    ),
    rule_sets=("openai-chat", "openai-vision"),
    needs=("parts",),
)
def image_outside_user_message(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        if message.get("role") != "user":
            for k, _ in image_parts(message):
                yield (
                    f"{path_of('messages', i, 'content', k)} is an image in a "
                    f"{message.get('role')} message; images are only allowed in user messages"
                )


@example_rule(
    code="JG241",
    name="too-many-images",
    severity=ERROR,
    summary="The example holds more images than the provider allows per example.",
    hint="Split the example, or keep only the images the answer depends on.",
    bad='{"messages": [{"role": "user", "content": ['
    + ", ".join(['{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}'] * 11)
    + "]}, "
    + A
    + "]}",
    good=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "https://example.com/a.png"}}]}, ' + A + "]}"
    ),
    rule_sets=("openai-chat", "openai-vision"),
    needs=("parts",),
)
def too_many_images(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    count = sum(len(image_parts(m)) for _, m in ctx.messages)
    if count > ctx.model.max_images_per_example:
        yield (
            f"the example has {count} images; at most {ctx.model.max_images_per_example} "
            "are allowed per example"
        )


@example_rule(
    code="JG242",
    name="invalid-image-url",
    severity=ERROR,
    summary="An image URL is neither an https URL nor a base64 data URL of a JPEG, PNG or WEBP "
    "image.",
    hint="Use https://… (publicly reachable) or data:image/png;base64,… (jpeg, png or webp).",
    bad=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "data:image/gif;base64,R0lGOD"}}]}, ' + A + "]}"
    ),
    good=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}, ' + A + "]}"
    ),
    rule_sets=("openai-chat", "openai-vision"),
    needs=("parts",),
)
def invalid_image_url(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        for k, url in image_urls(message):
            if url.startswith("https://") and len(url) > 8:
                continue
            where = path_of("messages", i, "content", k, "image_url", "url")
            if url.startswith("http://"):
                yield f"{where} uses http://; only https URLs (or data URLs) are accepted"
            elif url.startswith("data:"):
                if not _DATA_URL.match(url):
                    yield (
                        f"{where} is not a base64 data URL of a jpeg, png or webp image "
                        f"({url[:30]}…)"
                    )
            else:
                yield f"{where} is {url[:40]!r}, not an https URL or a data URL"


@example_rule(
    code="JG243",
    name="image-too-large",
    severity=ERROR,
    summary="An inline (data URL) image is larger than 10 MB.",
    hint="Downscale or recompress the image below 10 MB "
    "(detail 'low' images are resized to 512x512 anyway).",
    bad='{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": '
    '{"url": "data:image/png;base64,<14 million base64 characters>"}}]}, ' + A + "]}",
    good=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}, ' + A + "]}"
    ),
    rule_sets=("openai-chat", "openai-vision"),
    needs=("parts",),
)
def image_too_large(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        for k, url in image_urls(message):
            if url.startswith("data:"):
                size = (len(url) - url.find(",") - 1) * 3 // 4
                if size > MAX_IMAGE_BYTES:
                    where = path_of("messages", i, "content", k)
                    megabytes = size / 1024 / 1024
                    yield (
                        f"{where} is an inline image of about {megabytes:.1f} MB "
                        f"(limit {MAX_IMAGE_MB} MB)"
                    )


@example_rule(
    code="JG244",
    name="images-not-supported",
    severity=ERROR,
    summary="The example holds images but the chosen model does not accept image inputs for "
    "fine-tuning.",
    hint="Choose a model that supports vision fine-tuning (e.g. gpt-4o-2024-08-06) "
    "or remove the images.",
    bad=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "https://example.com/a.png"}}]}, ' + A + "]}"
    ),
    good=f'{{"messages": [{U}, {A}]}}',
    rule_sets=("openai-chat", "openai-vision"),
    needs=("parts",),
)
def images_not_supported(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    if ctx.model.images:
        return
    count = sum(len(image_parts(m)) for _, m in ctx.messages)
    if count:
        yield f"the example has {count} image(s) but {ctx.model.name} does not accept images"


def _texts(example: dict[str, Any], ctx: ExampleContext) -> Iterator[tuple[JsonPath, str]]:
    """Every string a model would see, with its path (formatted only when reported)."""
    for i, message in ctx.messages:
        yield from content_texts(message, i)
        for key in ("refusal", "name"):
            if isinstance(message.get(key), str):
                yield ("messages", i, key), message[key]
        for j, call in tool_calls(message):
            function = call.get("function")
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                yield (
                    ("messages", i, "tool_calls", j, "function", "arguments"),
                    function["arguments"],
                )
    for key in ("tools", "functions"):
        if isinstance(example.get(key), list):
            yield (key,), json.dumps(example[key], ensure_ascii=False)


@example_rule(
    code="JG250",
    name="special-token-text",
    severity=ERROR,
    summary="Text contains a literal special-token string such as <|endoftext|>; the job fails on "
    "it late.",
    hint="Remove or escape the special-token text (e.g. write '< |endoftext| >').",
    bad='{"messages": [' + U + ', {"role": "assistant", "content": "Done.<|endoftext|>"}]}',
    good=f'{{"messages": [{U}, {A}]}}',
    rule_sets=("openai-text",),
    needs=("special-tokens",),
)
def special_token_text(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, text in _texts(example, ctx):
        if "<|" in text:
            found = sorted(set(_SPECIAL.findall(text)))
            if found:
                yield f"{path_of(*path)} contains the special token {', '.join(found)}"


@example_rule(
    code="JG401",
    name="example-too-long",
    severity=ERROR,
    summary="The example has more tokens than the model trains on; "
    "the end (the answer) is cut off.",
    hint="Shorten the example or split the conversation; set severity JG401 = 'warning' "
    "to accept truncation.",
    bad='{"messages": [' + U + ', {"role": "assistant", "content": "<70,000 tokens of text>"}]}',
    good=f'{{"messages": [{U}, {A}]}}',
    rule_sets=("*",),
)
def example_too_long(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    limit = ctx.model.token_limit
    if ctx.tokens is not None and ctx.tokens.total > limit:
        over = ctx.tokens.total - limit
        counted = "tokens" if ctx.exact else "tokens (estimated)"
        yield (
            f"the example has {ctx.tokens.total:,} {counted}, {over:,} over the {limit:,}-token "
            f"limit of {ctx.model.name}; training cuts the end, where the answer is"
        )


@example_rule(
    code="JG403",
    name="example-may-be-too-long",
    severity=WARNING,
    summary="The example's estimated tokens are within the safety margin of the model's limit.",
    hint="Estimates can be off by 10%; shorten the example or check it with the provider's "
    "own token counter.",
    bad="(a Gemini example estimated at 125,000 of 131,072 tokens)",
    good="(a Gemini example estimated at 20,000 tokens)",
    rule_sets=("*",),
    needs=("estimated-tokens",),
)
def example_may_be_too_long(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    limit = ctx.model.token_limit
    if ctx.exact or ctx.tokens is None:
        return
    floor = math.floor(limit * (1 - ESTIMATE_SAFETY_MARGIN))
    if floor < ctx.tokens.total <= limit:
        yield (
            f"the example has an estimated {ctx.tokens.total:,} tokens, within "
            f"{ESTIMATE_SAFETY_MARGIN:.0%} of the {limit:,}-token limit of {ctx.model.name}"
        )
