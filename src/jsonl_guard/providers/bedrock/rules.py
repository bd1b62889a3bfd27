"""AWS Bedrock fine-tuning: the shared helpers and the rules on whole examples and messages.

Four profiles (``providers/bedrock/provider.toml``): ``bedrock-claude`` (Claude 3 Haiku),
``bedrock-nova`` (Amazon Nova, ``bedrock-conversation-2024``), ``bedrock-converse``
(Llama 3.2, the same shape with text and images only) and ``bedrock-llama-completion``
(Llama 3.1, prompt/completion). What a model accepts (media formats, reasoning, tools)
is derived from its name here (``accepts()``), as AWS's validators do. This module holds
the helpers every Bedrock rule uses and the rules on turns, text, system and keys
(JG620-JG622, JG636, JG637); the content-block rules (media, reasoning, tools) are in
``providers/bedrock/blocks.py``. Facts and sources: docs/providers/bedrock.md. Token counts use
``estimate-text``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ...engine.diagnostics import Severity
from ...engine.models import ModelSpec
from ...rules.context import ExampleContext
from ...rules.helpers import path_of
from ...rules.registry import example_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING
ALL = ("bedrock",)  # every Bedrock profile
CONVERSE = ("bedrock-converse",)  # Nova and Llama 3.2: content blocks
NOVA = ("bedrock-nova",)
LLAMA_CONVERSE = ("bedrock-llama-converse",)
MEDIA = ("image", "video", "document")
BLOCK_KINDS = ("text", *MEDIA, "reasoningContent", "toolUse", "toolResult")
# INVALID_TOKENS_TEXT of [Nova-2-script] (nova_ft_dataset_validator.py's list plus <unk>),
# case-sensitive as it checks; it checks every text: system, user, assistant, reasoning.
RESERVED = (
    "System:", "SYSTEM:", "User:", "USER:", "Bot:", "BOT:", "Assistant:", "ASSISTANT:",
    "Thought:", "[EOS]", "<image>", "<video>", "<unk>",
)  # fmt: skip
NOVA_TOP = {"schemaVersion", "system", "messages", "toolConfig"}
CONVERSE_TOP = {"schemaVersion", "system", "messages"}  # Llama 3.2: no tools


@dataclass(frozen=True)
class Accepts:
    """What a model takes. ``None`` formats: the sources name none, so none are checked."""

    media: frozenset[str] = frozenset()
    formats: dict[str, frozenset[str]] | None = None
    reasoning: bool = False
    tools: bool = False
    s3_charset: bool = False


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


# [Nova-script] for Nova 1.0; [Nova-SDK] / [Nova-2-script] for Nova 2 Lite (no webp, webm).
NOVA_1 = Accepts(
    _set(*MEDIA),
    {
        "image": _set("jpeg", "png", "gif", "webp"),
        "video": _set("mov", "mkv", "mp4", "webm"),
        "document": _set("pdf"),
    },
    s3_charset=True,
)
NOVA_2 = Accepts(
    _set(*MEDIA),
    {
        "image": _set("jpeg", "png", "gif"),
        "video": _set("mov", "mkv", "mp4"),
        "document": _set("pdf"),
    },
    reasoning=True,
    tools=True,
    s3_charset=True,
)
NOVA_MICRO = Accepts(s3_charset=True)
TEXT_ONLY = Accepts()
LLAMA_VISION = Accepts(_set("image"))


def accepts(model: ModelSpec) -> Accepts:
    name = model.table_name
    if "nova-2" in name:
        return NOVA_2
    if "nova-micro" in name:
        return NOVA_MICRO
    if "nova" in name:
        return NOVA_1
    if "llama3-2-11b" in name or "llama3-2-90b" in name:
        return LLAMA_VISION
    if "llama" in name:
        return TEXT_ONLY
    # A user-defined model: Nova 1.0 rules when it takes images, else text only.
    return NOVA_1 if model.images else NOVA_MICRO


Block = tuple[str, int, int, dict[str, Any]]  # role, message index, block index, block


def _blocks(ctx: ExampleContext) -> Iterator[Block]:
    for i, message in ctx.messages:
        content = message.get("content")
        if isinstance(content, list):
            for k, block in enumerate(content):
                if isinstance(block, dict):
                    yield str(message.get("role")), i, k, block


def _kinds(block: dict[str, Any]) -> list[str]:
    return [key for key in BLOCK_KINDS if key in block]


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in ("a", "e", "i", "o", "u") else f"a {role}"


def _where(i: int, k: int, *rest: str) -> str:
    return path_of("messages", i, "content", k, *rest)


# Documentation examples (detected without a model: Nova Lite 1.0 is the default).
def _nova(user: str = '{"text": "Where is my order?"}', extra: str = "") -> str:
    return (
        f'{{"schemaVersion": "bedrock-conversation-2024"{extra}, "messages": ['
        f'{{"role": "user", "content": [{user}]}}, '
        '{"role": "assistant", "content": [{"text": "It ships today."}]}]}'
    )


def _image(fmt: str = "png", uri: str = "s3://shop-data/img/bike.png") -> str:
    return f'{{"image": {{"format": "{fmt}", "source": {{"s3Location": {{"uri": "{uri}"}}}}}}}}'


TEXT = '{"text": "Is this frame bent?"}'
GOOD = _nova()
_TOOLS = (
    ', "toolConfig": {"tools": [{"toolSpec": {"name": "track", "description": "Track an '
    'order", "inputSchema": {"json": {"type": "object"}}}}]}'
)


@example_rule(
    code="JG620",
    name="bedrock-turn-order",
    severity=ERROR,
    summary="The messages do not alternate user/assistant from a user turn to an assistant reply.",
    hint="Start with the user, alternate strictly, end with the assistant (at least 2 messages); "
    "merge consecutive turns of one role.",
    bad=GOOD.replace(
        '"messages": [', '"messages": [{"role": "user", "content": [{"text": "Hi."}]}, '
    ),
    good=GOOD,
    rule_sets=ALL,
)
def turn_order(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    roles = [(i, m.get("role")) for i, m in ctx.messages]
    messages = example.get("messages")
    if not roles or not isinstance(messages, list) or len(roles) != len(messages):
        return  # the schema reports a message that is not an object
    if any(role not in ("user", "assistant") for _, role in roles):
        return  # JG201 reports the role
    for n, (i, role) in enumerate(roles):
        expected = "user" if n % 2 == 0 else "assistant"
        if role != expected:
            where = path_of("messages", i)
            yield f"{where} is {role!r}, expected {expected!r}: turns alternate, user first"
            return
    if len(roles) < 2 or roles[-1][1] != "assistant":
        last, role = roles[-1]
        yield f"the example ends with {path_of('messages', last)} ({role}), not an assistant reply"


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _is_nova(model: ModelSpec) -> bool:
    """A model checked with the Nova format (``accepts`` alone would say Nova for Claude)."""
    return "bedrock-nova" in model.profiles


def _texts(i: int, content: list[Any]) -> Iterator[tuple[str, Any]]:
    """Where and what each text of a message's blocks is: text and reasoning text."""
    for k, block in enumerate(content):
        if not isinstance(block, dict):
            continue
        if "text" in block:
            yield _where(i, k, "text"), block["text"]
        reasoning = block.get("reasoningContent")
        text = reasoning.get("reasoningText") if isinstance(reasoning, dict) else None
        if isinstance(text, dict):
            yield _where(i, k, "reasoningContent", "reasoningText", "text"), text.get("text")


def _empty_messages(ctx: ExampleContext, blank: Callable[[Any], bool]) -> Iterator[str]:
    for i, message in ctx.messages:
        content = message.get("content")
        if blank(content):
            yield f"{path_of('messages', i, 'content')} is empty"
        if not isinstance(content, list):
            continue
        blocks = [b for b in content if isinstance(b, dict)]
        # AWS: text may be empty next to media, a tool block or reasoning.
        only_text = blocks and all(_kinds(b) == ["text"] for b in blocks)
        if only_text and all(blank(b["text"]) for b in blocks):
            yield f"{path_of('messages', i, 'content')} has no text"
        for where, text in _texts(i, content):
            if "reasoningContent" in where and blank(text):
                yield f"{where} is empty"


@example_rule(
    code="JG621",
    name="bedrock-empty-text",
    severity=ERROR,
    summary="A message, prompt or completion has no text (empty; for Claude and Llama also "
    "whitespace only).",
    hint="Write the text, or drop the message; Bedrock rejects empty turns.",
    bad=_nova(user='{"text": ""}'),
    good=GOOD,
    rule_sets=ALL,
)
def empty_text(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    # Nova: AWS rejects empty text ("Invalid content, empty text content": its length is 0)
    # but takes whitespace, which JG638 warns about; Claude and Llama: both are errors.
    blank = _empty if _is_nova(ctx.model) else _blank
    for key in ("prompt", "completion"):
        if blank(example.get(key)):
            yield f"{key} is empty"
    yield from _empty_messages(ctx, blank)


def _empty(value: Any) -> bool:
    return isinstance(value, str) and not value


@example_rule(
    code="JG638",
    name="bedrock-blank-text",
    severity=WARNING,
    summary="A Nova message's text is only whitespace. AWS's validator accepts it (it rejects "
    "only empty text), but the model learns a blank turn.",
    hint="Write the text, or drop the message.",
    bad=_nova(user='{"text": " "}'),
    good=GOOD,
    rule_sets=NOVA,
)
def blank_text(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    empty = set(_empty_messages(ctx, _empty))  # JG621's
    for found in _empty_messages(ctx, _blank):
        if found not in empty:
            yield found.replace(" has no text", " has only whitespace").replace(
                " is empty", " is only whitespace"
            )


@example_rule(
    code="JG622",
    name="bedrock-reserved-word",
    severity=ERROR,
    summary="A text (system, user, assistant or reasoning) contains a word Nova reserves (User:, "
    "Bot:, Assistant:, System:, Thought:, <image>, <video>, [EOS], <unk>); the training job "
    "fails.",
    hint="Reword the text (e.g. 'Customer -' instead of 'User:').",
    bad=_nova(user='{"text": "User: where is my order?"}'),
    good=GOOD,
    rule_sets=NOVA,
)
def reserved_word(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    texts: list[tuple[str, Any]] = []
    system = example.get("system")
    if isinstance(system, list):
        texts += [
            (path_of("system", j, "text"), s.get("text"))
            for j, s in enumerate(system)
            if isinstance(s, dict)
        ]
    for i, message in ctx.messages:
        content = message.get("content")
        texts += _texts(i, content) if isinstance(content, list) else []
    for where, text in texts:
        found = [word for word in RESERVED if isinstance(text, str) and word in text]
        if found:
            yield f"{where} contains the reserved {', '.join(found)}"


@example_rule(
    code="JG636",
    name="bedrock-system-count",
    severity=ERROR,
    summary="The system list has more than one element (Llama 3.2 on Bedrock takes one).",
    hint="Join the system texts into one element.",
    bad="(a Llama 3.2 example whose system list has two elements)",
    good="(the same example with the two texts joined into one element)",
    rule_sets=LLAMA_CONVERSE,
)
def system_count(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    system = example.get("system")
    if isinstance(system, list) and len(system) > 1:
        yield f"system has {len(system)} elements; {ctx.model.name} takes one"


@example_rule(
    code="JG637",
    name="bedrock-ignored-key",
    severity=WARNING,
    summary="The example, a message or (Nova) a content block has a key the format does not "
    "define; AWS's validators ignore it, so it is not trained on.",
    hint="Remove the key, or check its spelling (e.g. reasoning_content -> a reasoningContent "
    "block).",
    bad=GOOD.replace('"role": "assistant",', '"role": "assistant", "note": "tone: calm",'),
    good=GOOD,
    rule_sets=CONVERSE,
)
def ignored_key(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    nova = _is_nova(ctx.model)
    known = NOVA_TOP if nova else CONVERSE_TOP
    extra = [key for key in example if key not in known]
    if extra:
        yield f"unknown top-level key(s) {', '.join(map(repr, extra))} are ignored"
    for i, message in ctx.messages:
        extra = [key for key in message if key not in ("role", "content")]
        if extra:
            keys = ", ".join(map(repr, extra))
            yield f"{path_of('messages', i)} has unknown key(s) {keys}, which are ignored"
    if not nova:
        return  # Llama 3.2's schema rejects unknown block keys (JG118)
    for _, i, k, block in _blocks(ctx):
        extra = [key for key in block if key not in BLOCK_KINDS]
        if extra:  # e.g. a Converse-API cachePoint: AWS's validators drop it
            yield f"{_where(i, k)} has unknown key(s) {', '.join(map(repr, extra))}, ignored"
