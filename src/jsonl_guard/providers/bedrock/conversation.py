"""The bedrock-conversation-2024 profiles' (``bedrock-nova``, ``bedrock-converse``)
reader and writer for ``jsonl-guard convert``.

``system`` is a list of text blocks; messages alternate user/assistant with content
blocks: ``text``, ``image`` (from an ``s3://`` location), ``toolUse`` in assistant
turns and ``toolResult`` in user turns; tools are ``toolConfig.tools[].toolSpec``. No
per-turn weights (weight 0 is reported as dropped). Images held as https or data URLs
are not convertible (Bedrock reads images from S3) unless ``--media-prefix s3://...``
names them there.
"""

from __future__ import annotations

import json
from typing import Any

from ...conversion.changes import TURNS_MERGED, WEIGHT_DROPPED, Changes
from ...conversion.dropped import note_settings, note_weight
from ...conversion.formats import converter
from ...conversion.neutral import (
    Conversation,
    Example,
    Image,
    NotConvertible,
    Part,
    Text,
    Tool,
    ToolCall,
    ToolResult,
    Turn,
    conversation_of,
)

SCHEMA_VERSION = "bedrock-conversation-2024"
_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif", "image/webp": "webp"}


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NotConvertible(f"{where} is not a JSON object", "run `jsonl-guard check` first")
    return value


def _result_text(content: Any) -> str:
    blocks = content if isinstance(content, list) else []
    texts = [
        str(b["text"]) if "text" in b else json.dumps(b.get("json"), ensure_ascii=False)
        for b in blocks
        if isinstance(b, dict)
    ]
    return "".join(texts)


def _read_block(block: dict[str, Any], where: str) -> Part:
    if len(block) != 1:  # reading one kind would drop the others without a word
        raise NotConvertible(
            f"{where}: a content block holds {sorted(block)}; a block is one kind",
            "give each text, image or tool block its own content item",
        )
    if "text" in block:
        return Text(str(block["text"]))
    if "toolUse" in block:
        use = _object(block["toolUse"], f"{where}, toolUse")
        arguments = _object(use.get("input") or {}, f"{where}, toolUse.input")
        return ToolCall(str(use.get("toolUseId", "")), str(use.get("name", "")), arguments)
    if "toolResult" in block:
        result = _object(block["toolResult"], f"{where}, toolResult")
        return ToolResult(str(result.get("toolUseId", "")), "", _result_text(result.get("content")))
    if "image" in block:
        image = _object(block["image"], f"{where}, image")
        source = _object(image.get("source"), f"{where}, image.source")
        location = _object(source.get("s3Location"), f"{where}, image s3Location")
        return Image(
            str(location.get("uri", "")),
            f"image/{image.get('format', '')}",
            str(location.get("bucketOwner", "")),
        )
    raise NotConvertible(
        f"{where}: a block of kind {sorted(block)} has no neutral form",
        "convert carries text, image, toolUse and toolResult blocks; video, document and "
        "reasoningContent blocks stay in bedrock-conversation-2024 data",
    )


def read_conversation(example: dict[str, Any], changes: Changes) -> Example:
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        raise NotConvertible("no messages list", "check the file with `jsonl-guard check` first")
    system = example.get("system")
    blocks = system if isinstance(system, list) else []
    system_text = "\n".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict))
    names: dict[str, str] = {}
    turns: list[Turn] = []
    for number, raw in enumerate(messages, 1):
        message = _object(raw, f"message {number}")
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise NotConvertible(f"message {number}: role {role!r} has no neutral form")
        plain: list[Part] = []
        content = message.get("content")
        for index, block in enumerate(content if isinstance(content, list) else [], 1):
            part = _read_block(
                _object(block, f"message {number}, block {index}"), f"message {number}"
            )
            if isinstance(part, ToolCall):
                names[part.id] = part.name
            if isinstance(part, ToolResult):
                if plain:
                    turns.append(Turn(role, tuple(plain)))
                    plain = []
                named = ToolResult(part.call_id, names.get(part.call_id, ""), part.content)
                turns.append(Turn("tool", (named,)))
                continue
            plain.append(part)
        if plain:
            turns.append(Turn(role, tuple(plain)))
    tools = []
    config = example.get("toolConfig")
    if config is not None and not _object(config, "toolConfig").get("tools"):
        # Writing no toolConfig would repair the example without a word.
        raise NotConvertible(
            "toolConfig lists no tools", "remove toolConfig or list the tools, then convert"
        )
    for entry in _object(config, "toolConfig").get("tools") or () if config else ():
        spec = _object(_object(entry, "a tool").get("toolSpec"), "toolSpec")
        schema = _object(spec.get("inputSchema") or {}, "inputSchema").get("json")
        tools.append(Tool(str(spec.get("name", "")), str(spec.get("description", "")), schema))
    return Conversation(tuple(turns), system_text or None, tuple(tools))


def _write_block(part: Part, where: str) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"text": part.text}
    if isinstance(part, ToolCall):
        return {"toolUse": {"toolUseId": part.id, "name": part.name, "input": dict(part.arguments)}}
    if isinstance(part, ToolResult):
        return {"toolResult": {"toolUseId": part.call_id, "content": [{"text": part.content}]}}
    image_format = _format(part)
    if not part.url.startswith("s3://") or image_format not in _FORMATS.values():
        raise NotConvertible(
            f"{where}: image {part.url[:40]!r} is not an s3:// png/jpeg/gif/webp file; Bedrock "
            "reads images from S3",
            "pass --media-prefix s3://BUCKET/PATH/ to name it there (the report lists the "
            "files to upload; --media-dir DIR writes inline images to DIR), or refer to "
            "uploaded images by s3:// URI in the source",
        )
    location = {
        "uri": part.url,
        **({"bucketOwner": part.bucket_owner} if part.bucket_owner else {}),
    }
    return {"image": {"format": image_format, "source": {"s3Location": location}}}


def _format(image: Image) -> str:
    # A stated type wins over the file name (writing the name's would repair a bad one).
    if image.mime_type:
        return _FORMATS.get(image.mime_type, "")
    return image.url.rsplit(".", 1)[-1].lower()


def takes_image(image: Image) -> bool:
    """Whether Bedrock can read the image as it is (an s3:// file of a known format)."""
    return image.url.startswith("s3://") and _format(image) in _FORMATS.values()


def write_conversation(example: Example, changes: Changes) -> dict[str, Any]:
    conversation = conversation_of(example, SCHEMA_VERSION)
    messages: list[dict[str, Any]] = []
    for number, turn in enumerate(conversation.turns, 1):
        where = f"turn {number}"
        if turn.role == "assistant" and turn.weight == 0:
            changes.record(WEIGHT_DROPPED, f"{where}: weight 0, Bedrock trains on every turn")
        elif turn.role == "user":
            note_weight(turn.weight, turn.role, where, SCHEMA_VERSION, changes)
        role = "assistant" if turn.role == "assistant" else "user"
        blocks = [_write_block(part, where) for part in turn.parts]
        if messages and messages[-1]["role"] == role:
            if turn.role != "tool" and not all("toolResult" in b for b in messages[-1]["content"]):
                changes.record(TURNS_MERGED, f"{where}: merged into the {role} turn before it")
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    out: dict[str, Any] = {"schemaVersion": SCHEMA_VERSION}
    if conversation.system is not None:
        out["system"] = [{"text": conversation.system}]
    note_weight(conversation.system_weight, "system", "the system text", SCHEMA_VERSION, changes)
    note_settings(conversation, SCHEMA_VERSION, changes)
    if conversation.tools:
        out["toolConfig"] = {
            "tools": [
                {
                    "toolSpec": {
                        "name": t.name,
                        **({"description": t.description} if t.description else {}),
                        "inputSchema": {"json": dict(t.parameters or {"type": "object"})},
                    }
                }
                for t in conversation.tools
            ]
        }
    out["messages"] = messages
    return out


converter("bedrock-nova", read_conversation, write_conversation, bucket="s3://", takes=takes_image)
converter(
    "bedrock-converse", read_conversation, write_conversation, bucket="s3://", takes=takes_image
)
