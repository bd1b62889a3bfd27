"""AWS Bedrock fine-tuning: the rules the Bedrock schemas cannot express.

Four profiles (``data/providers/bedrock.toml``): ``bedrock-claude`` (Claude 3 Haiku),
``bedrock-nova`` (Amazon Nova, ``bedrock-conversation-2024``), ``bedrock-converse``
(Llama 3.2, the same shape with text and images only) and ``bedrock-llama-completion``
(Llama 3.1, prompt/completion). What a model accepts (media formats, reasoning, tools)
is derived from its name here, as AWS's validators do. Facts and sources:
docs/providers/bedrock.md. Token counts use ``estimate-text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .._context import ExampleContext
from .._diagnostics import Severity
from .._models import ModelSpec
from .._rule_helpers import path_of
from .._rules import example_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING
ALL = ("bedrock",)  # every Bedrock profile
CONVERSE = ("bedrock-converse",)  # Nova and Llama 3.2: content blocks
NOVA = ("bedrock-nova",)
LLAMA_CONVERSE = ("bedrock-llama-converse",)
MEDIA = ("image", "video", "document")
BLOCK_KINDS = ("text", *MEDIA, "reasoningContent", "toolUse", "toolResult")
# nova_ft_dataset_validator.py INVALID_TOKENS_TEXT (case-sensitive, as that script checks).
RESERVED = (
    "System:", "SYSTEM:", "User:", "USER:", "Bot:", "BOT:", "Assistant:", "ASSISTANT:",
    "Thought:", "[EOS]", "<image>", "<video>",
)  # fmt: skip
# nova_ft_dataset_validator.py is_valid_path: the S3 key after "s3://".
S3_PATH = re.compile(r"[\w\-/\.]+")
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
    "JG620",
    "bedrock-turn-order",
    ERROR,
    "The messages do not alternate user/assistant from a user turn to an assistant reply.",
    "Start with the user, alternate strictly, end with the assistant (at least 2 messages); "
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


@example_rule(
    "JG621",
    "bedrock-empty-text",
    ERROR,
    "A message, prompt or completion has no text (empty or whitespace only).",
    "Write the text, or drop the message; Bedrock rejects empty turns.",
    bad=_nova(user='{"text": " "}'),
    good=GOOD,
    rule_sets=ALL,
)
def empty_text(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for key in ("prompt", "completion"):
        if _blank(example.get(key)):
            yield f"{key} is empty"
    for i, message in ctx.messages:
        content = message.get("content")
        if _blank(content):
            yield f"{path_of('messages', i, 'content')} is empty"
        if not isinstance(content, list):
            continue
        blocks = [b for b in content if isinstance(b, dict)]
        # AWS: text may be empty next to media, a tool block or reasoning.
        only_text = blocks and all(_kinds(b) == ["text"] for b in blocks)
        if only_text and all(_blank(b["text"]) for b in blocks):
            yield f"{path_of('messages', i, 'content')} has no text"
        for k, block in enumerate(content):
            reasoning = block.get("reasoningContent") if isinstance(block, dict) else None
            text = reasoning.get("reasoningText") if isinstance(reasoning, dict) else None
            if isinstance(text, dict) and _blank(text.get("text")):
                yield f"{_where(i, k, 'reasoningContent', 'reasoningText', 'text')} is empty"


@example_rule(
    "JG622",
    "bedrock-reserved-word",
    ERROR,
    "User or system text contains a word Nova reserves (User:, Bot:, Assistant:, System:, "
    "Thought:, <image>, <video>, [EOS]); the training job fails.",
    "Reword the text (e.g. 'Customer -' instead of 'User:').",
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
    texts += [
        (_where(i, k, "text"), b.get("text")) for role, i, k, b in _blocks(ctx) if role == "user"
    ]
    for where, text in texts:
        found = [word for word in RESERVED if isinstance(text, str) and word in text]
        if found:
            yield f"{where} contains the reserved {', '.join(found)}"


def _media(ctx: ExampleContext) -> Iterator[tuple[str, int, int, str, dict[str, Any]]]:
    for role, i, k, block in _blocks(ctx):
        for kind in MEDIA:
            if isinstance(block.get(kind), dict):
                yield role, i, k, kind, block[kind]


@example_rule(
    "JG623",
    "bedrock-media-format",
    ERROR,
    "An image, video or document format is not one the model takes.",
    "Convert the file: Nova 1.0 takes jpeg/png/gif/webp, mov/mkv/mp4/webm and pdf; Nova 2 "
    "Lite drops webp and webm.",
    bad=_nova(user=f"{TEXT}, {_image('bmp')}"),
    good=_nova(user=f"{TEXT}, {_image()}"),
    rule_sets=NOVA,
)
def media_format(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    formats = accepts(ctx.model).formats
    for _, i, k, kind, media in _media(ctx):
        fmt = media.get("format")
        if (
            formats
            and kind in formats
            and isinstance(fmt, str)
            and fmt.lower() not in formats[kind]
        ):
            allowed = ", ".join(sorted(formats[kind]))
            yield f"{_where(i, k, kind, 'format')} is {fmt!r}; {ctx.model.name} takes {allowed}"


@example_rule(
    "JG624",
    "bedrock-media-in-reply",
    ERROR,
    "An assistant turn holds an image, video or document; media go in user turns only.",
    "Move the media to the user turn before the reply.",
    bad=_nova().replace('[{"text": "It ships today."}]', f'[{_image()}, {{"text": "Done."}}]'),
    good=_nova(user=f"{TEXT}, {_image()}"),
    rule_sets=CONVERSE,
)
def media_in_reply(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for role, i, k, kind, _ in _media(ctx):
        if role == "assistant":
            yield f"{_where(i, k, kind)} is in an assistant turn; media go in user turns"


@example_rule(
    "JG625",
    "bedrock-media-not-supported",
    ERROR,
    "The model is text-only (Nova Micro, Llama 3.2 1B/3B) or does not take this media kind.",
    "Drop the media, or choose a model that takes them (Nova Lite/Pro, Llama 3.2 11B/90B).",
    bad="(an image block with --model amazon.nova-micro-v1:0)",
    good="(the same example with --model amazon.nova-lite-v1:0)",
    rule_sets=CONVERSE,
)
def media_not_supported(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    media = accepts(ctx.model).media
    for _, i, k, kind, _ in _media(ctx):
        if kind not in media:
            yield f"{_where(i, k, kind)}: {ctx.model.name} does not take {kind}s"


@example_rule(
    "JG626",
    "bedrock-too-many-images",
    ERROR,
    "A message holds more images than Nova takes (10).",
    "Split the images over examples, or keep the 10 that matter.",
    bad=_nova(user=", ".join([TEXT] + [_image()] * 11)),
    good=_nova(user=", ".join([TEXT] + [_image()] * 10)),
    rule_sets=NOVA,
)
def too_many_images(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    limit = ctx.model.max_images_per_example
    for i, message in ctx.messages:  # AWS's script counts per message
        content = message.get("content")
        count = (
            sum(isinstance(b, dict) and "image" in b for b in content or [])
            if isinstance(content, list)
            else 0
        )
        if count > limit:
            yield f"{path_of('messages', i)} has {count} images; the limit is {limit}"


@example_rule(
    "JG627",
    "bedrock-media-mix",
    ERROR,
    "An example has more than one video or document, or mixes a video with images/documents.",
    "Keep one video (alone) or one document per example; put other media in other examples.",
    bad=_nova(
        user=f"{TEXT}, {_image()}, "
        + _image("mp4", "s3://shop-data/v/ride.mp4").replace('"image"', '"video"')
    ),
    good=_nova(
        user=f"{TEXT}, " + _image("mp4", "s3://shop-data/v/ride.mp4").replace('"image"', '"video"')
    ),
    rule_sets=NOVA,
)
def media_mix(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    kinds = [kind for *_, kind, _ in _media(ctx)]
    for kind in ("video", "document"):
        if kinds.count(kind) > 1:
            yield f"the example has {kinds.count(kind)} {kind}s; Nova takes one per example"
    if "video" in kinds and ("image" in kinds or "document" in kinds):
        yield "the example mixes a video with images or documents; Nova takes one or the other"


@example_rule(
    "JG628",
    "bedrock-block-kinds",
    ERROR,
    "A content block holds more than one kind (e.g. both image and video).",
    "Give each text, image, video, document, reasoning or tool item its own block.",
    bad=_nova(user='{"text": "Is this bent?", ' + _image()[1:]),
    good=_nova(user=f"{TEXT}, {_image()}"),
    rule_sets=CONVERSE,
)
def block_kinds(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for _, i, k, block in _blocks(ctx):
        kinds = _kinds(block)
        if len(kinds) > 1:
            yield f"{_where(i, k)} holds {' and '.join(kinds)}; one kind per block"


@example_rule(
    "JG629",
    "bedrock-s3-uri",
    ERROR,
    "A media URI is not an s3:// URI, or (Nova) its path has characters other than letters, "
    "digits, _, -, / and .",
    "Upload the file to the dataset's S3 bucket and use s3://bucket/path; rename paths with "
    "spaces or other characters.",
    bad=_nova(user=f"{TEXT}, {_image(uri='https://shop.example/bike.png')}"),
    good=_nova(user=f"{TEXT}, {_image()}"),
    rule_sets=CONVERSE,
)
def s3_uri(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    charset = accepts(ctx.model).s3_charset
    for _, i, k, kind, media in _media(ctx):
        source = media.get("source")
        location = source.get("s3Location") if isinstance(source, dict) else None
        uri = location.get("uri") if isinstance(location, dict) else None
        where = _where(i, k, kind, "source", "s3Location", "uri")
        if not isinstance(uri, str):
            continue
        if not uri.startswith("s3://"):
            yield f"{where} is {uri[:60]!r}; Bedrock reads media from s3:// URIs only"
        elif charset and not S3_PATH.fullmatch(uri[len("s3://") :]):
            yield f"{where} has characters other than letters, digits, _, -, / and ."


@example_rule(
    "JG630",
    "bedrock-reasoning-not-supported",
    ERROR,
    "A reasoningContent block with a model that does not train on reasoning (only Nova 2 Lite).",
    "Drop the reasoning blocks, or fine-tune amazon.nova-2-lite-v1:0.",
    bad=_nova().replace(
        '[{"text": "It ships today."}',
        '[{"reasoningContent": {"reasoningText": {"text": "Check the log."}}}, '
        '{"text": "It ships today."}',
    ),
    good=GOOD,
    rule_sets=NOVA,
)
def reasoning_not_supported(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    if accepts(ctx.model).reasoning:
        return
    for _, i, k, block in _blocks(ctx):
        if "reasoningContent" in block:
            yield f"{_where(i, k, 'reasoningContent')}: {ctx.model.name} does not take reasoning"


@example_rule(
    "JG631",
    "bedrock-reasoning-in-user-turn",
    ERROR,
    "A reasoningContent block is in a user turn; reasoning belongs to assistant replies.",
    "Move the reasoning into the assistant reply it explains.",
    bad=_nova(user='{"reasoningContent": {"reasoningText": {"text": "Think."}}}, ' + TEXT),
    good=GOOD,
    rule_sets=NOVA,
)
def reasoning_in_user_turn(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for role, i, k, block in _blocks(ctx):
        if "reasoningContent" in block and role != "assistant":
            yield f"{_where(i, k, 'reasoningContent')} is in {_a(role)} turn"


def _tool_blocks(ctx: ExampleContext, kind: str) -> Iterator[tuple[str, int, int, dict[str, Any]]]:
    for role, i, k, block in _blocks(ctx):
        if isinstance(block.get(kind), dict):
            yield role, i, k, block[kind]


@example_rule(
    "JG632",
    "bedrock-tools-not-supported",
    ERROR,
    "The example uses tools (toolConfig, toolUse, toolResult) with a model that does not "
    "train on them (only Nova 2 Lite).",
    "Drop the tool turns, or fine-tune amazon.nova-2-lite-v1:0.",
    bad=_nova(extra=_TOOLS),
    good=GOOD,
    rule_sets=NOVA,
)
def tools_not_supported(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    if accepts(ctx.model).tools:
        return
    uses = "toolConfig" in example or any(
        kind in block for _, _, _, block in _blocks(ctx) for kind in ("toolUse", "toolResult")
    )
    if uses:
        yield f"the example uses tools; {ctx.model.name} does not take tool use (Nova 2 Lite does)"


def _tool_names(example: dict[str, Any]) -> list[tuple[int, Any, Any]] | None:
    config = example.get("toolConfig")
    tools = config.get("tools") if isinstance(config, dict) else None
    if not isinstance(tools, list):
        return None
    found = []
    for j, tool in enumerate(tools):
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if isinstance(spec, dict):
            found.append((j, spec.get("name"), spec.get("description")))
    return found


@example_rule(
    "JG633",
    "bedrock-tool-config",
    ERROR,
    "toolConfig.tools is empty, names a tool twice, or has a tool without a name/description.",
    "List each tool once, with a name and a description.",
    bad=_nova(
        extra=_TOOLS.replace(
            '"tools": [',
            '"tools": [{"toolSpec": {"name": "track", "description": "Old", '
            '"inputSchema": {"json": {"type": "object"}}}}, ',
        )
    ),
    good=_nova(extra=_TOOLS),
    rule_sets=NOVA,
)
def tool_config(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    tools = _tool_names(example)
    if tools is None:
        return
    if not example["toolConfig"]["tools"]:
        yield "toolConfig.tools is empty"
    seen: set[Any] = set()
    for j, name, description in tools:
        where = path_of("toolConfig", "tools", j, "toolSpec")
        if _blank(name) or _blank(description):
            yield f"{where} has an empty name or description"
        elif name in seen:
            yield f"{where}.name {name!r} is listed twice"
        seen.add(name)


@example_rule(
    "JG634",
    "bedrock-tool-turn",
    ERROR,
    "A toolUse is in a user turn, or a toolResult in an assistant turn.",
    "The assistant calls tools (toolUse); the next user turn returns results (toolResult).",
    bad=_nova(user='{"toolUse": {"toolUseId": "t1", "name": "track", "input": {}}}', extra=_TOOLS),
    good=_nova(extra=_TOOLS),
    rule_sets=NOVA,
)
def tool_turn(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for kind, wanted in (("toolUse", "assistant"), ("toolResult", "user")):
        for role, i, k, _ in _tool_blocks(ctx, kind):
            if role != wanted:
                yield f"{_where(i, k, kind)} is in {_a(role)} turn; it belongs in {wanted} turns"


@example_rule(
    "JG635",
    "bedrock-tool-wiring",
    ERROR,
    "A toolUse names a tool not in toolConfig, reuses a toolUseId, or a toolResult answers "
    "an id no earlier toolUse has.",
    "Declare every tool in toolConfig; give each call a unique toolUseId and answer it once.",
    bad=_nova(extra=_TOOLS).replace(
        '{"text": "Where is my order?"}',
        '{"toolResult": {"toolUseId": "t9", "content": [{"text": "Shipped"}]}}',
    ),
    good=_nova(extra=_TOOLS),
    rule_sets=NOVA,
)
def tool_wiring(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    tools = _tool_names(example)
    names = {name for _, name, _ in tools or []}
    calls: set[Any] = set()
    answered: set[Any] = set()
    for _, i, k, block in _blocks(ctx):
        use, result = block.get("toolUse"), block.get("toolResult")
        if isinstance(use, dict):
            if use.get("name") not in names:
                yield f"{_where(i, k, 'toolUse', 'name')} {use.get('name')!r} is not in toolConfig"
            if use.get("toolUseId") in calls:
                yield f"{_where(i, k, 'toolUse', 'toolUseId')} {use['toolUseId']!r} is used twice"
            calls.add(use.get("toolUseId"))
        if isinstance(result, dict):
            ident, where = result.get("toolUseId"), _where(i, k, "toolResult", "toolUseId")
            if ident not in calls:
                yield f"{where} {ident!r} matches no earlier toolUse"
            elif ident in answered:
                yield f"{where} {ident!r} is answered twice"
            answered.add(ident)


@example_rule(
    "JG636",
    "bedrock-system-count",
    ERROR,
    "The system list has more than one element (Llama 3.2 on Bedrock takes one).",
    "Join the system texts into one element.",
    bad="(a Llama 3.2 example whose system list has two elements)",
    good="(the same example with the two texts joined into one element)",
    rule_sets=LLAMA_CONVERSE,
)
def system_count(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    system = example.get("system")
    if isinstance(system, list) and len(system) > 1:
        yield f"system has {len(system)} elements; {ctx.model.name} takes one"


@example_rule(
    "JG637",
    "bedrock-ignored-key",
    WARNING,
    "The example or a message has a key the format does not define; AWS's validators ignore "
    "it, so it is not trained on.",
    "Remove the key, or check its spelling (e.g. reasoning_content -> a reasoningContent block).",
    bad=GOOD.replace('"role": "assistant",', '"role": "assistant", "note": "tone: calm",'),
    good=GOOD,
    rule_sets=CONVERSE,
)
def ignored_key(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    nova = accepts(ctx.model) in (NOVA_1, NOVA_2, NOVA_MICRO)
    known = NOVA_TOP if nova else CONVERSE_TOP
    extra = [key for key in example if key not in known]
    if extra:
        yield f"unknown top-level key(s) {', '.join(map(repr, extra))} are ignored"
    for i, message in ctx.messages:
        extra = [key for key in message if key not in ("role", "content")]
        if extra:
            keys = ", ".join(map(repr, extra))
            yield f"{path_of('messages', i)} has unknown key(s) {keys}, which are ignored"
