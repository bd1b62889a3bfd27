"""AWS Bedrock fine-tuning: the rules on content blocks (media, reasoning, tools).

The ``bedrock-converse`` and ``bedrock-nova`` profiles hold message content as a list of
blocks; the rules here check the image, video and document blocks (JG623-JG629), the
reasoningContent blocks (JG630, JG631) and the toolConfig/toolUse/toolResult wiring
(JG632-JG635), by what the model takes (``accepts()`` in ``bedrock.py``, which holds
the shared helpers and the rules on whole examples and messages). Facts and sources:
docs/providers/bedrock.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...rules.context import ExampleContext
from ...rules.helpers import path_of
from ...rules.registry import example_rule
from .rules import (
    _TOOLS,
    CONVERSE,
    ERROR,
    GOOD,
    MEDIA,
    NOVA,
    TEXT,
    _a,
    _blank,
    _blocks,
    _image,
    _is_nova,
    _kinds,
    _nova,
    _where,
    accepts,
)

# nova_ft_dataset_validator.py is_valid_path: the S3 key after "s3://".
S3_PATH = re.compile(r"[\w\-/\.]+")


def _media(ctx: ExampleContext) -> Iterator[tuple[str, int, int, str, dict[str, Any]]]:
    for role, i, k, block in _blocks(ctx):
        for kind in MEDIA:
            if isinstance(block.get(kind), dict):
                yield role, i, k, kind, block[kind]


@example_rule(
    code="JG623",
    name="bedrock-media-format",
    severity=ERROR,
    summary="An image, video or document format is not one the model takes.",
    hint="Convert the file: Nova 1.0 takes jpeg/png/gif/webp, mov/mkv/mp4/webm and pdf; Nova 2 "
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
    code="JG624",
    name="bedrock-media-in-reply",
    severity=ERROR,
    summary="An assistant turn holds an image, video or document; media go in user turns only.",
    hint="Move the media to the user turn before the reply.",
    bad=_nova().replace('[{"text": "It ships today."}]', f'[{_image()}, {{"text": "Done."}}]'),
    good=_nova(user=f"{TEXT}, {_image()}"),
    rule_sets=CONVERSE,
)
def media_in_reply(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for role, i, k, kind, _ in _media(ctx):
        if role == "assistant":
            yield f"{_where(i, k, kind)} is in an assistant turn; media go in user turns"


@example_rule(
    code="JG625",
    name="bedrock-media-not-supported",
    severity=ERROR,
    summary="The model is text-only (Nova Micro, Llama 3.2 1B/3B) "
    "or does not take this media kind.",
    hint="Drop the media, or choose a model that takes them (Nova Lite/Pro, Llama 3.2 11B/90B).",
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
    code="JG626",
    name="bedrock-too-many-images",
    severity=ERROR,
    summary="A message holds more images than Nova takes (10).",
    hint="Split the images over examples, or keep the 10 that matter.",
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
    code="JG627",
    name="bedrock-media-mix",
    severity=ERROR,
    summary="An example has more than one video or document, or mixes a video with "
    "images/documents.",
    hint="Keep one video (alone) or one document per example; put other media in other examples.",
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
    code="JG628",
    name="bedrock-block-kinds",
    severity=ERROR,
    summary="A content block holds more than one kind (e.g. both image and video), or none "
    "(only keys such as cachePoint).",
    hint="Give each text, image, video, document, reasoning or tool item its own block.",
    bad=_nova(user='{"text": "Is this bent?", ' + _image()[1:]),
    good=_nova(user=f"{TEXT}, {_image()}"),
    rule_sets=CONVERSE,
)
def block_kinds(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    # Nova's schema lets unknown block keys through (AWS ignores them, JG637 warns), so a
    # block of only such keys is caught here; Llama 3.2's schema rejects them itself (JG118).
    nova = _is_nova(ctx.model)
    for _, i, k, block in _blocks(ctx):
        kinds = _kinds(block)
        if len(kinds) > 1:
            yield f"{_where(i, k)} holds {' and '.join(kinds)}; one kind per block"
        elif nova and not kinds and block:  # {} is the schema's (JG118)
            yield f"{_where(i, k)} holds no text, image, video, document, reasoning or tool item"


@example_rule(
    code="JG629",
    name="bedrock-s3-uri",
    severity=ERROR,
    summary="A media URI is not an s3:// URI, or (Nova) its path has characters other than "
    "letters, digits, _, -, / and .",
    hint="Upload the file to the dataset's S3 bucket and use s3://bucket/path; rename paths with "
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
    code="JG630",
    name="bedrock-reasoning-not-supported",
    severity=ERROR,
    summary="A reasoningContent block with a model that does not train on reasoning (only Nova 2 "
    "Lite).",
    hint="Drop the reasoning blocks, or fine-tune amazon.nova-2-lite-v1:0.",
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
    code="JG631",
    name="bedrock-reasoning-in-user-turn",
    severity=ERROR,
    summary="A reasoningContent block is in a user turn; reasoning belongs to assistant replies.",
    hint="Move the reasoning into the assistant reply it explains.",
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
    code="JG632",
    name="bedrock-tools-not-supported",
    severity=ERROR,
    summary="The example uses tools (toolConfig, toolUse, toolResult) with a model that does not "
    "train on them (only Nova 2 Lite).",
    hint="Drop the tool turns, or fine-tune amazon.nova-2-lite-v1:0.",
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
    code="JG633",
    name="bedrock-tool-config",
    severity=ERROR,
    summary="toolConfig.tools is empty, names a tool twice, has a tool without a "
    'name/description, or an inputSchema.json without a "type".',
    hint="List each tool once, with a name and a description.",
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
    seen: list[Any] = []  # a list: a name of the wrong type may be unhashable
    for j, name, description in tools:
        where = path_of("toolConfig", "tools", j, "toolSpec")
        if _blank(name) or _blank(description):
            yield f"{where} has an empty name or description"
        elif name in seen:
            yield f"{where}.name {name!r} is listed twice"
        seen.append(name)
        schema = example["toolConfig"]["tools"][j]["toolSpec"].get("inputSchema")
        body = schema.get("json") if isinstance(schema, dict) else None
        if isinstance(body, dict) and "type" not in body:  # [Nova-2-script] InputSchema
            yield f'{where}.inputSchema.json has no "type" (e.g. "object")'


@example_rule(
    code="JG634",
    name="bedrock-tool-turn",
    severity=ERROR,
    summary="A toolUse is in a user turn, or a toolResult in an assistant turn.",
    hint="The assistant calls tools (toolUse); the next user turn returns results (toolResult).",
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
    code="JG635",
    name="bedrock-tool-wiring",
    severity=ERROR,
    summary="A toolUse names a tool not in toolConfig, reuses a toolUseId, or a toolResult answers "
    "an id no earlier toolUse has.",
    hint="Declare every tool in toolConfig; give each call a unique toolUseId and answer it once.",
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
