"""The vertex-gemini profile's reader and writer for ``jsonl-guard convert``.

Gemini turns are ``user``/``model``; function results travel in ``user`` turns as
``functionResponse`` parts, and calls carry no id: the reader numbers them
(``call_1``...) and pairs each response with the first open call of its name.
Consecutive turns that land on one Gemini role are merged (Gemini rejects them).
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import replace
from typing import Any

from ...conversion.changes import TOOLS_DROPPED, TURNS_MERGED, WEIGHT_DROPPED, Changes
from ...conversion.dropped import note_settings, note_weight
from ...conversion.formats import converter
from ...conversion.neutral import (
    Conversation,
    Example,
    Image,
    NotConvertible,
    Part,
    Preference,
    Text,
    Tool,
    ToolCall,
    ToolResult,
    Turn,
    conversation_of,
)
from .rules import URI_SCHEMES


def _read_tools(example: dict[str, Any]) -> tuple[Tool, ...]:
    tools: list[Tool] = []
    for group in example.get("tools") or ():
        for function in (
            (group.get("functionDeclarations") or ()) if isinstance(group, dict) else ()
        ):
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                raise NotConvertible("a function declaration without a name")
            tools.append(
                Tool(
                    function["name"],
                    str(function.get("description", "")),
                    function.get("parameters"),
                )
            )
    return tuple(tools)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NotConvertible(
            f"{where} is not a JSON object", "run `jsonl-guard check` on the input and fix it first"
        )
    return value


def _response_text(response: Any) -> str:
    if (
        isinstance(response, dict)
        and set(response) == {"content"}
        and isinstance(response["content"], str)
    ):
        return response["content"]
    return json.dumps(response, ensure_ascii=False)


def read_gemini(example: dict[str, Any], changes: Changes) -> Example:
    contents = example.get("contents")
    if not isinstance(contents, list) or not contents:
        raise NotConvertible("no contents list", "check the file with `jsonl-guard check` first")
    system_parts = (
        _object(example.get("systemInstruction") or {}, "systemInstruction").get("parts") or ()
    )
    system = "\n".join(str(p.get("text", "")) for p in system_parts if isinstance(p, dict))
    turns: list[Turn] = []
    open_calls: list[ToolCall] = []
    for number, content in enumerate(contents, 1):
        role = content.get("role") if isinstance(content, dict) else None
        if role not in ("user", "model"):
            raise NotConvertible(f"turn {number}: role {role!r} has no neutral form")
        plain: list[Part] = []
        for index, raw in enumerate(content.get("parts") or (), 1):
            part = _object(raw, f"turn {number}, part {index}")
            if "text" in part:
                plain.append(Text(str(part["text"])))
            elif "fileData" in part:
                data = _object(part["fileData"], f"turn {number}, fileData")
                plain.append(Image(str(data.get("fileUri", "")), str(data.get("mimeType", ""))))
            elif "functionCall" in part:
                call = _object(part["functionCall"], f"turn {number}, functionCall")
                made = ToolCall(
                    f"call_{len(open_calls) + 1}",
                    str(call.get("name", "")),
                    _object(call.get("args") or {}, f"turn {number}, args"),
                )
                open_calls.append(made)
                plain.append(made)
            elif "functionResponse" in part:
                if plain:
                    turns.append(Turn("user", tuple(plain)))
                    plain = []
                answer = _object(part["functionResponse"], f"turn {number}, functionResponse")
                name = str(answer.get("name", ""))
                call_id = next((c.id for c in open_calls if c.name == name), f"call_{name}")
                open_calls = [c for c in open_calls if c.id != call_id]
                turns.append(
                    Turn(
                        "tool", (ToolResult(call_id, name, _response_text(answer.get("response"))),)
                    )
                )
            else:
                raise NotConvertible(
                    f"turn {number}: a part of kind {sorted(part)} has no neutral form"
                )
        if plain:
            turns.append(Turn("assistant" if role == "model" else "user", tuple(plain)))
    return Conversation(tuple(turns), system or None, _read_tools(example))


def _part(part: Part, where: str) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"text": part.text}
    if isinstance(part, ToolCall):
        return {"functionCall": {"name": part.name, "args": dict(part.arguments)}}
    if isinstance(part, ToolResult):
        return {"functionResponse": {"name": part.name, "response": {"content": part.content}}}
    if not part.url.startswith(URI_SCHEMES):
        raise NotConvertible(
            f"{where}: image {part.url[:40]!r} is not a gs:// or http(s) URI; Vertex reads "
            "files from those only",
            "pass --media-prefix gs://BUCKET/PATH/ to name it there (the report lists the "
            "files to upload; --media-dir DIR writes inline images to DIR), or refer to "
            "uploaded images by gs:// URI in the source",
        )
    mime = _mime(part)
    if not mime:
        raise NotConvertible(
            f"{where}: the image type of {part.url!r} cannot be told from its name",
            "give the image URL a file extension (.png, .jpg, ...)",
        )
    return {"fileData": {"mimeType": mime, "fileUri": part.url}}


def _mime(image: Image) -> str:
    return image.mime_type or mimetypes.guess_type(image.url.split("?")[0])[0] or ""


def takes_image(image: Image) -> bool:
    """Whether Vertex can read the image as it is (a gs:// or http(s) URI of a known type)."""
    return image.url.startswith(URI_SCHEMES) and bool(_mime(image))


def write_gemini(example: Example, changes: Changes) -> dict[str, Any]:
    conversation = conversation_of(example, "vertex-gemini")
    contents: list[dict[str, Any]] = []
    for number, turn in enumerate(conversation.turns, 1):
        where = f"turn {number}"
        role = "model" if turn.role == "assistant" else "user"
        if turn.role == "assistant" and turn.weight == 0:
            changes.record(WEIGHT_DROPPED, f"{where}: weight 0, Vertex trains on every model turn")
        elif turn.role == "user":
            note_weight(turn.weight, turn.role, where, "vertex-gemini", changes)
        parts = [_part(part, where) for part in turn.parts]
        if contents and contents[-1]["role"] == role:
            if turn.role != "tool" and not _results(contents[-1]):
                changes.record(TURNS_MERGED, f"{where}: merged into the {role} turn before it")
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    out: dict[str, Any] = {"contents": contents}
    if conversation.system is not None:
        out["systemInstruction"] = {"parts": [{"text": conversation.system}]}
    note_weight(conversation.system_weight, "system", "the system text", "vertex-gemini", changes)
    note_settings(conversation, "vertex-gemini", changes)
    if conversation.tools:
        out["tools"] = [
            {
                "functionDeclarations": [
                    {
                        "name": t.name,
                        **({"description": t.description} if t.description else {}),
                        **({"parameters": dict(t.parameters)} if t.parameters is not None else {}),
                    }
                    for t in conversation.tools
                ]
            }
        ]
    return out


def _results(content: dict[str, Any]) -> bool:
    return all("functionResponse" in part for part in content["parts"])


converter("vertex-gemini", read_gemini, write_gemini, bucket="gs://", takes=takes_image)


def _completion(scored: list[Any], score: int, changes: Changes) -> Turn:
    found = [c for c in scored if isinstance(c, dict) and c.get("score") == score]
    if len(found) != 1:
        raise NotConvertible(
            f"not exactly one completion with score {score}",
            "a preference pair needs one completion scored 1 and one scored 0",
        )
    turns = _conversation(read_gemini({"contents": [found[0].get("completion")]}, changes)).turns
    if len(turns) != 1 or turns[0].role != "assistant":
        raise NotConvertible(f"the completion with score {score} is not one model turn")
    return turns[0]


def _conversation(example: Example) -> Conversation:
    assert isinstance(example, Conversation)  # read_gemini reads conversations only
    return example


def read_gemini_preference(example: dict[str, Any], changes: Changes) -> Example:
    scored = example.get("completions")
    if not isinstance(scored, list):
        raise NotConvertible("no completions list", "check the file with `jsonl-guard check` first")
    prompt = _conversation(
        read_gemini({k: v for k, v in example.items() if k != "completions"}, changes)
    )
    return Preference(prompt, _completion(scored, 1, changes), _completion(scored, 0, changes))


def write_gemini_preference(example: Example, changes: Changes) -> dict[str, Any]:
    if not isinstance(example, Preference):
        raise NotConvertible(
            "only a preference pair can become a vertex-gemini-preference example",
            "convert conversations to vertex-gemini",
        )
    prompt = example.prompt
    if prompt.tools:
        names = ", ".join(tool.name for tool in prompt.tools)
        changes.record(TOOLS_DROPPED, f"tool definitions ({names}): preference tuning takes none")
        prompt = replace(prompt, tools=())
    out = write_gemini(prompt, changes)

    def completion(turn: Turn, score: int) -> dict[str, Any]:
        content = write_gemini(Conversation((turn,)), changes)["contents"][0]
        return {"score": score, "completion": content}

    out["completions"] = [completion(example.chosen, 1), completion(example.rejected, 0)]
    return out


converter(
    "vertex-gemini-preference",
    read_gemini_preference,
    write_gemini_preference,
    bucket="gs://",
    takes=takes_image,
)
