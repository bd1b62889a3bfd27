"""Rules about one example that a JSON Schema cannot express.

Each rule is one small function of the parsed example that yields a message per
problem. Rules must tolerate any shape: the schema reports malformed structure,
so a rule silently skips what it cannot read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ._context import ExampleContext
from ._diagnostics import Severity
from ._rules import example_rule
from ._schema import format_path

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
U = '{"role": "user", "content": "Where is my order?"}'
A = '{"role": "assistant", "content": "It ships today."}'


def _where(*path: str | int) -> str:
    return format_path(list(path))


def _tool_calls(message: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    calls = message.get("tool_calls")
    if not isinstance(calls, list):
        return []
    return [(j, c) for j, c in enumerate(calls) if isinstance(c, dict)]


def _image_parts(message: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [
        (k, p)
        for k, p in enumerate(content)
        if isinstance(p, dict) and p.get("type") == "image_url"
    ]


@example_rule(
    "JG202",
    "no-assistant-message",
    ERROR,
    "The example has no assistant message, so there is nothing to learn from.",
    "Add the assistant reply the model should learn, or drop the example.",
    bad=f'{{"messages": [{U}]}}',
    good=f'{{"messages": [{U}, {A}]}}',
)
def no_assistant_message(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    messages = ctx.messages
    if messages and not any(m.get("role") == "assistant" for _, m in messages):
        yield "the example has no assistant message to learn from"


@example_rule(
    "JG207",
    "all-weights-zero",
    ERROR,
    "Every assistant message has weight 0, so nothing in the example is trained.",
    "Set weight 1 (or drop the key) on the assistant reply the model should learn.",
    bad=f'{{"messages": [{U}, {A[:-1]}, "weight": 0}}]}}',
    good=f'{{"messages": [{U}, {A[:-1]}, "weight": 1}}]}}',
)
def all_weights_zero(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    assistants = [m for _, m in ctx.messages if m.get("role") == "assistant"]
    if assistants and all(_is_zero(m.get("weight")) for m in assistants):
        yield f"all {len(assistants)} assistant message(s) have weight 0; nothing is trained"


@example_rule(
    "JG203",
    "late-system-message",
    WARNING,
    "A system message appears after the conversation has started.",
    "Move system instructions to the start of the conversation (messages[0]).",
    bad=f'{{"messages": [{U}, {{"role": "system", "content": "Be brief."}}, {A}]}}',
    good=f'{{"messages": [{{"role": "system", "content": "Be brief."}}, {U}, {A}]}}',
)
def late_system_message(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    started = False
    for i, message in ctx.messages:
        if message.get("role") == "system":
            if started:
                yield f"{_where('messages', i)} is a system message after the conversation started"
        else:
            started = True


@example_rule(
    "JG204",
    "trailing-non-assistant",
    WARNING,
    "The example ends with a message that is not from the assistant; nothing is learned from it.",
    "End the example with the assistant reply, or drop the trailing messages.",
    bad=f'{{"messages": [{U}, {A}, {U}]}}',
    good=f'{{"messages": [{U}, {A}]}}',
)
def trailing_non_assistant(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    messages = ctx.messages
    roles = [m.get("role") for _, m in messages]
    if "assistant" in roles and roles[-1] != "assistant":
        index = messages[-1][0]
        yield (
            f"{_where('messages', index)} ({roles[-1]}) comes after the last assistant "
            "message; nothing is learned from it"
        )


@example_rule(
    "JG222",
    "unmatched-tool-response",
    ERROR,
    "A tool message does not answer a tool call of the preceding assistant turn.",
    "Set tool_call_id to the id of a call in the assistant message just before it.",
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "call_1", '
        '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, '
        '{"role": "tool", "tool_call_id": "call_9", "content": "shipped"}, ' + A + "]}"
    ),
    good=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "call_1", '
        '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, '
        '{"role": "tool", "tool_call_id": "call_1", "content": "shipped"}, ' + A + "]}"
    ),
)
def unmatched_tool_response(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    open_ids: list[str] = []
    answered: set[str] = set()
    for i, message in ctx.messages:
        role = message.get("role")
        if role == "assistant":
            open_ids = [c["id"] for _, c in _tool_calls(message) if isinstance(c.get("id"), str)]
            answered = set()
        elif role == "tool" and isinstance(message.get("tool_call_id"), str):
            call_id = message["tool_call_id"]
            where = _where("messages", i, "tool_call_id")
            if call_id in answered:
                yield f"{where} {call_id!r} answers a tool call that was already answered"
            elif call_id not in open_ids:
                expected = ", ".join(repr(c) for c in open_ids) or "none"
                yield (
                    f"{where} {call_id!r} matches no tool call of the preceding assistant turn "
                    f"(its call ids: {expected})"
                )
            answered.add(call_id)


@example_rule(
    "JG223",
    "unanswered-tool-call",
    ERROR,
    "A tool call is not answered by a tool message before the conversation goes on.",
    "Add a tool message with this tool_call_id right after the assistant turn that calls it.",
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "call_1", '
        '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, ' + A + "]}"
    ),
    good=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "call_1", '
        '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}]}'
    ),
)
def unanswered_tool_call(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    # An example may end on a tool call (the model learns to call it); what is
    # forbidden is moving on to another turn before every call has its answer.
    pending: dict[str, str] = {}
    for i, message in ctx.messages:
        role = message.get("role")
        if role == "tool":
            pending.pop(str(message.get("tool_call_id")), None)
            continue
        for call_id, where in pending.items():
            yield (
                f"{where} (id {call_id!r}) is not answered before {_where('messages', i)} ({role})"
            )
        pending = {}
        if role == "assistant":
            for j, call in _tool_calls(message):
                if isinstance(call.get("id"), str):
                    pending[call["id"]] = _where("messages", i, "tool_calls", j)


@example_rule(
    "JG225",
    "duplicate-tool-call-id",
    ERROR,
    "Two tool calls in one example share an id, so their answers cannot be told apart.",
    "Give every tool call in the example a unique id.",
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": ['
        '{"id": "c1", "type": "function", "function": {"name": "a", "arguments": "{}"}}, '
        '{"id": "c1", "type": "function", "function": {"name": "b", "arguments": "{}"}}]}]}'
    ),
    good=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": ['
        '{"id": "c1", "type": "function", "function": {"name": "a", "arguments": "{}"}}, '
        '{"id": "c2", "type": "function", "function": {"name": "b", "arguments": "{}"}}]}]}'
    ),
)
def duplicate_tool_call_id(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    seen: dict[str, str] = {}
    for i, message in ctx.messages:
        for j, call in _tool_calls(message):
            call_id = call.get("id")
            if not isinstance(call_id, str):
                continue
            where = _where("messages", i, "tool_calls", j, "id")
            if call_id in seen:
                yield f"{where} {call_id!r} repeats the id of {seen[call_id]}"
            else:
                seen[call_id] = _where("messages", i, "tool_calls", j)


def _function_calls(message: dict[str, Any]) -> list[tuple[tuple[str | int, ...], Any]]:
    """The function objects a message calls (tool calls and legacy function_call), with paths."""
    calls: list[tuple[tuple[str | int, ...], Any]] = [
        (("tool_calls", j, "function"), call.get("function")) for j, call in _tool_calls(message)
    ]
    calls.append((("function_call",), message.get("function_call")))
    return calls


def _is_zero(weight: Any) -> bool:
    return isinstance(weight, (int, float)) and not isinstance(weight, bool) and weight == 0


def _defined_names(definitions: Any, *, wrapped: bool) -> set[str] | None:
    if not isinstance(definitions, list):
        return None
    names: set[str] = set()
    for item in definitions:
        function = item.get("function") if wrapped and isinstance(item, dict) else item
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


@example_rule(
    "JG224",
    "unknown-function",
    ERROR,
    "A tool call names a function that the example's tools (or functions) do not define.",
    "Add the function to the example's tools, or fix the name in the call.",
    bad=(
        '{"tools": [{"type": "function", "function": {"name": "track"}}], "messages": ['
        + U
        + ', {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "refund", "arguments": "{}"}}]}]}'
    ),
    good=(
        '{"tools": [{"type": "function", "function": {"name": "track"}}], "messages": ['
        + U
        + ', {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "track", "arguments": "{}"}}]}]}'
    ),
)
def unknown_function(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    tools = _defined_names(example.get("tools"), wrapped=True)
    functions = _defined_names(example.get("functions"), wrapped=False)
    for i, message in ctx.messages:
        calls = _function_calls(message)
        for path, function in calls:
            known = functions if path == ("function_call",) else tools
            if known is None or not isinstance(function, dict):
                continue
            name = function.get("name")
            if isinstance(name, str) and name not in known:
                listing = ", ".join(sorted(known)) or "none"
                yield (
                    f"{_where('messages', i, *path, 'name')} {name!r} is not among the "
                    f"example's defined functions ({listing})"
                )


@example_rule(
    "JG221",
    "invalid-tool-arguments",
    ERROR,
    "A tool call's arguments are not a string holding valid JSON.",
    'Serialise the arguments object to a JSON string: "arguments": "{\\"id\\": 42}".',
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
        '"type": "function", "function": {"name": "track", "arguments": "{id: 42}"}}]}]}'
    ),
    good=(
        '{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
        '"type": "function", "function": {"name": "track", "arguments": "{\\"id\\": 42}"}}]}]}'
    ),
)
def invalid_tool_arguments(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        calls = _function_calls(message)
        for path, function in calls:
            if not isinstance(function, dict) or not isinstance(function.get("arguments"), str):
                continue
            try:
                json.loads(function["arguments"])
            except ValueError as error:
                reason = getattr(error, "msg", str(error))
                yield f"{_where('messages', i, *path, 'arguments')} is not valid JSON ({reason})"


@example_rule(
    "JG230",
    "legacy-function-calling",
    WARNING,
    "The example uses the deprecated function-calling form "
    "(functions, function_call, role function).",
    "Convert to tools / tool_calls / role tool; the legacy form is deprecated by OpenAI.",
    bad=(
        '{"functions": [{"name": "track"}], "messages": [' + U + ', {"role": "assistant", '
        '"function_call": {"name": "track", "arguments": "{}"}}]}'
    ),
    good=(
        '{"tools": [{"type": "function", "function": {"name": "track"}}], "messages": ['
        + U
        + ', {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", '
        '"function": {"name": "track", "arguments": "{}"}}]}]}'
    ),
)
def legacy_function_calling(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    used = ["functions"] if "functions" in example else []
    for i, message in ctx.messages:
        if "function_call" in message:
            used.append(_where("messages", i, "function_call"))
        if message.get("role") == "function":
            used.append(f"{_where('messages', i)} (role function)")
    if used:
        yield f"deprecated function-calling form used: {', '.join(used)}"


@example_rule(
    "JG240",
    "image-outside-user-message",
    ERROR,
    "An image content part appears in a message that is not from the user.",
    "Move the image into a user message; images are not allowed in system, assistant "
    "or tool messages.",
    bad=(
        '{"messages": [' + U + ', {"role": "assistant", "content": [{"type": "image_url", '
        '"image_url": {"url": "https://example.com/a.png"}}]}]}'
    ),
    good=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "https://example.com/a.png"}}]}, ' + A + "]}"
    ),
)
def image_outside_user_message(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        if message.get("role") != "user":
            for k, _ in _image_parts(message):
                yield (
                    f"{_where('messages', i, 'content', k)} is an image in a "
                    f"{message.get('role')} message; images are only allowed in user messages"
                )


@example_rule(
    "JG241",
    "too-many-images",
    ERROR,
    "The example holds more images than the provider allows per example.",
    "Split the example, or keep only the images the answer depends on.",
    bad='{"messages": [{"role": "user", "content": ['
    + ", ".join(['{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}'] * 11)
    + "]}, "
    + A
    + "]}",
    good=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "https://example.com/a.png"}}]}, ' + A + "]}"
    ),
)
def too_many_images(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    count = sum(len(_image_parts(m)) for _, m in ctx.messages)
    if count > ctx.model.max_images_per_example:
        yield (
            f"the example has {count} images; at most {ctx.model.max_images_per_example} "
            "are allowed per example"
        )


@example_rule(
    "JG242",
    "invalid-image-url",
    ERROR,
    "An image URL is neither an https URL nor a base64 data URL of a JPEG, PNG or WEBP image.",
    "Use https://… (publicly reachable) or data:image/png;base64,… (jpeg, png or webp).",
    bad=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "data:image/gif;base64,R0lGOD"}}]}, ' + A + "]}"
    ),
    good=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}, ' + A + "]}"
    ),
)
def invalid_image_url(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        for k, part in _image_parts(message):
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else None
            if not isinstance(url, str) or (url.startswith("https://") and len(url) > 8):
                continue
            where = _where("messages", i, "content", k, "image_url", "url")
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
    "JG243",
    "image-too-large",
    ERROR,
    "An inline (data URL) image is larger than 10 MB.",
    "Downscale or recompress the image below 10 MB "
    "(detail 'low' images are resized to 512x512 anyway).",
    bad='{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": '
    '{"url": "data:image/png;base64,<14 million base64 characters>"}}]}, ' + A + "]}",
    good=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}, ' + A + "]}"
    ),
)
def image_too_large(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        for k, part in _image_parts(message):
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else None
            if isinstance(url, str) and url.startswith("data:"):
                size = (len(url) - url.find(",") - 1) * 3 // 4
                if size > MAX_IMAGE_BYTES:
                    where = _where("messages", i, "content", k)
                    megabytes = size / 1024 / 1024
                    yield (
                        f"{where} is an inline image of about {megabytes:.1f} MB "
                        f"(limit {MAX_IMAGE_MB} MB)"
                    )


@example_rule(
    "JG244",
    "images-not-supported",
    ERROR,
    "The example holds images but the chosen model does not accept image inputs for fine-tuning.",
    "Choose a model that supports vision fine-tuning (e.g. gpt-4o-2024-08-06) "
    "or remove the images.",
    bad=(
        '{"messages": [{"role": "user", "content": [{"type": "image_url", '
        '"image_url": {"url": "https://example.com/a.png"}}]}, ' + A + "]}"
    ),
    good=f'{{"messages": [{U}, {A}]}}',
)
def images_not_supported(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    if ctx.model.images:
        return
    count = sum(len(_image_parts(m)) for _, m in ctx.messages)
    if count:
        yield f"the example has {count} image(s) but {ctx.model.name} does not accept images"


Path = tuple[str | int, ...]


def _content_texts(message: dict[str, Any], i: int) -> Iterator[tuple[Path, str]]:
    """The text of a message's content: the string, or each text/refusal part."""
    content = message.get("content")
    if isinstance(content, str):
        yield ("messages", i, "content"), content
    elif isinstance(content, list):
        for k, part in enumerate(content):
            for key in ("text", "refusal"):
                if isinstance(part, dict) and isinstance(part.get(key), str):
                    yield ("messages", i, "content", k, key), part[key]


def _texts(example: dict[str, Any], ctx: ExampleContext) -> Iterator[tuple[Path, str]]:
    """Every string a model would see, with its path (formatted only when reported)."""
    for i, message in ctx.messages:
        yield from _content_texts(message, i)
        for key in ("refusal", "name"):
            if isinstance(message.get(key), str):
                yield ("messages", i, key), message[key]
        for j, call in _tool_calls(message):
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
    "JG250",
    "special-token-text",
    ERROR,
    "Text contains a literal special-token string such as <|endoftext|>; the job fails on it late.",
    "Remove or escape the special-token text (e.g. write '< |endoftext| >').",
    bad='{"messages": [' + U + ', {"role": "assistant", "content": "Done.<|endoftext|>"}]}',
    good=f'{{"messages": [{U}, {A}]}}',
)
def special_token_text(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, text in _texts(example, ctx):
        if "<|" in text:
            found = sorted(set(_SPECIAL.findall(text)))
            if found:
                yield f"{_where(*path)} contains the special token {', '.join(found)}"


@example_rule(
    "JG120",
    "empty-content",
    WARNING,
    "A message's content is empty or only whitespace.",
    "Fill in the text, or drop the message.",
    bad=f'{{"messages": [{{"role": "user", "content": "  "}}, {A}]}}',
    good=f'{{"messages": [{U}, {A}]}}',
)
def empty_content(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for i, message in ctx.messages:
        if message.get("role") == "assistant" and message.get("tool_calls"):
            continue
        for path, text in _content_texts(message, i):
            if not text.strip():
                yield f"{_where(*path)} is empty"


@example_rule(
    "JG401",
    "example-too-long",
    ERROR,
    "The example has more tokens than the model trains on; the end (the answer) is cut off.",
    "Shorten the example or split the conversation; set severity JG401 = 'warning' "
    "to accept truncation.",
    bad='{"messages": [' + U + ', {"role": "assistant", "content": "<70,000 tokens of text>"}]}',
    good=f'{{"messages": [{U}, {A}]}}',
)
def example_too_long(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    limit = ctx.model.token_limit
    if ctx.tokens is not None and ctx.tokens.total > limit:
        over = ctx.tokens.total - limit
        yield (
            f"the example has {ctx.tokens.total:,} tokens, {over:,} over the {limit:,}-token "
            f"limit of {ctx.model.name}; training cuts the end, where the answer is"
        )
