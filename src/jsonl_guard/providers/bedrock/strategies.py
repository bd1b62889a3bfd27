"""Strategies for the AWS Bedrock profiles (Claude 3 Haiku, Nova, Llama 3.2 / 3.1).

Valid examples are clean under each profile's default model: Nova Lite 1.0 (images,
videos, documents; no reasoning, no tools), Llama 3.2 11B (images) and Llama 3.1 8B.
Claude examples always carry ``system``: it is what identifies the format without a model.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from ...strategies._profiles import Example, corruption

if TYPE_CHECKING:
    from ...strategies import Corruption

# Plain words: no reserved word (they all need a ':' or brackets), never blank.
_TEXT = st.text(
    st.characters(categories=["L", "N"], include_characters=" .,?!'-"), min_size=1, max_size=60
).filter(lambda text: text.strip() != "")
_KEY = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_"), min_size=1, max_size=12)
SCHEMA_VERSION = "bedrock-conversation-2024"


def _turns(
    draw: st.DrawFn, user: Callable[[int], Any], reply: Callable[[], Any]
) -> list[dict[str, Any]]:
    pairs = draw(st.integers(min_value=1, max_value=3))
    messages: list[dict[str, Any]] = []
    for n in range(pairs):
        messages += [
            {"role": "user", "content": user(n)},
            {"role": "assistant", "content": reply()},
        ]
    return messages


@st.composite
def claude_examples(draw: st.DrawFn) -> Example:
    messages = _turns(draw, lambda n: draw(_TEXT), lambda: draw(_TEXT))
    return {"system": draw(_TEXT), "messages": messages}


@st.composite
def _media(draw: st.DrawFn, kind: str, formats: list[str]) -> dict[str, Any]:
    fmt = draw(st.sampled_from(formats))
    uri = f"s3://{draw(_KEY)}/{draw(_KEY)}/{draw(_KEY)}.{fmt}"
    return {kind: {"format": fmt, "source": {"s3Location": {"uri": uri}}}}


_NOVA_MEDIA = st.one_of(
    st.just([]),
    st.lists(_media("image", ["jpeg", "png", "gif", "webp"]), min_size=1, max_size=3),
    st.lists(_media("video", ["mov", "mkv", "mp4", "webm"]), min_size=1, max_size=1),
    st.lists(_media("document", ["pdf"]), min_size=1, max_size=1),
)


def _converse(draw: st.DrawFn, media: st.SearchStrategy[list[dict[str, Any]]]) -> Example:
    first_media = draw(media)  # media go in the first user turn only (one video per example)

    def user(n: int) -> list[Any]:
        return [{"text": draw(_TEXT)}, *(first_media if n == 0 else [])]

    example: Example = {"schemaVersion": SCHEMA_VERSION}
    if draw(st.booleans()):
        example["system"] = [{"text": draw(_TEXT)}]
    example["messages"] = _turns(draw, user, lambda: [{"text": draw(_TEXT)}])
    return example


@st.composite
def nova_examples(draw: st.DrawFn) -> Example:
    return _converse(draw, _NOVA_MEDIA)


@st.composite
def llama_converse_examples(draw: st.DrawFn) -> Example:
    images = st.lists(_media("image", ["jpeg", "png"]), max_size=2)
    return _converse(draw, images)


@st.composite
def llama_completion_examples(draw: st.DrawFn) -> Example:
    return {"prompt": draw(_TEXT), "completion": " " + draw(_TEXT)}


def _with(example: Example, change: Callable[[Example], Any]) -> Example:
    changed = copy.deepcopy(example)
    change(changed)
    return changed


def _kinds(example: Example) -> set[str]:
    return {key for m in example["messages"] for block in m["content"] for key in block}


def _no_video(example: Example) -> bool:
    return "video" not in _kinds(example)


def _image(fmt: str = "png", uri: str = "s3://shop/img/bike.png") -> dict[str, Any]:
    return {"image": {"format": fmt, "source": {"s3Location": {"uri": uri}}}}


def _add(where: int, block: dict[str, Any]) -> Callable[[Example], Example]:
    return lambda e: _with(e, lambda c: c["messages"][where]["content"].append(block))


_TOOLS = {
    "tools": [
        {
            "toolSpec": {
                "name": "track",
                "description": "Track an order",
                "inputSchema": {"json": {"type": "object"}},
            }
        }
    ]
}
_VIDEO = {"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://shop/v/a.mp4"}}}}
_REASONING = {"reasoningContent": {"reasoningText": {"text": "Check the order log."}}}


def _merge_image_into_text(example: Example) -> Example:
    return _with(example, lambda c: c["messages"][0]["content"][0].update(_image()))


def _common(content: Callable[[str], Any]) -> list[Corruption]:
    """Corruptions every messages-based Bedrock profile shares (content: text -> content)."""
    return [
        corruption(
            "JG620",
            lambda e: _with(
                e, lambda c: c["messages"].append({"role": "user", "content": content("Thanks.")})
            ),
        ),
        corruption(
            "JG620",
            lambda e: _with(
                e,
                lambda c: c["messages"].insert(0, {"role": "assistant", "content": content("Hi.")}),
            ),
        ),
        corruption(
            "JG621", lambda e: _with(e, lambda c: c["messages"][-1].update(content=content("")))
        ),
        corruption("JG201", lambda e: _with(e, lambda c: c["messages"][0].update(role="bot"))),
        corruption("JG115", lambda e: _with(e, lambda c: c["messages"][-1].pop("role"))),
        corruption("JG114", lambda e: {**e, "messages": []}),
        corruption("JG110", lambda e: b'{"messages": [}'),
    ]


def _blocks(text: str) -> list[dict[str, str]]:
    return [{"text": text}]


PROFILE_EXAMPLES = {
    "bedrock-claude": claude_examples,
    "bedrock-nova": nova_examples,
    "bedrock-converse": llama_converse_examples,
    "bedrock-llama-completion": llama_completion_examples,
}

PROFILE_CORRUPTIONS = {
    "bedrock-claude": [
        *_common(lambda text: text),
        corruption("JG112", lambda e: {**e, "metadata": {"ticket": 1}}),
        corruption("JG117", lambda e: _with(e, lambda c: c["messages"][0].update(name="Ann"))),
        corruption("JG116", lambda e: _with(e, lambda c: c["messages"][0].update(content=7))),
        corruption("JG119", lambda e: {**e, "system": 7}),
    ],
    "bedrock-nova": [
        *_common(_blocks),
        corruption(
            "JG622",
            lambda e: _with(
                e, lambda c: c["messages"][0]["content"].insert(0, {"text": "User: hi"})
            ),
        ),
        corruption("JG623", _add(0, _image("bmp")), _no_video),
        corruption("JG624", _add(-1, _image()), _no_video),
        corruption(
            "JG626",
            lambda e: _with(e, lambda c: c["messages"][0]["content"].extend([_image()] * 11)),
            _no_video,
        ),
        # Two videos: one more than Nova takes, whatever media the example had.
        corruption(
            "JG627",
            lambda e: _with(e, lambda c: c["messages"][0]["content"].extend([_VIDEO, _VIDEO])),
        ),
        corruption("JG628", _merge_image_into_text, _no_video),
        corruption("JG629", _add(0, _image(uri="https://shop.example/a.png")), _no_video),
        corruption("JG630", _add(-1, _REASONING)),
        corruption("JG632", lambda e: {**e, "toolConfig": _TOOLS}),
        # A block of only an unknown key: AWS ignores the key, so the block holds no kind.
        corruption("JG628", _add(0, {"audio": {"format": "mp3"}})),
        corruption("JG113", lambda e: {k: v for k, v in e.items() if k != "messages"}),
    ],
    "bedrock-converse": [
        *_common(_blocks),
        corruption(
            "JG636", lambda e: {**e, "system": [{"text": "Be brief."}, {"text": "Be kind."}]}
        ),
        corruption("JG624", _add(-1, _image())),
        corruption("JG629", _add(0, _image(uri="https://shop.example/a.png"))),
        corruption("JG625", _add(0, _VIDEO)),
        corruption("JG118", _add(0, {"audio": {"format": "mp3"}})),
    ],
    "bedrock-llama-completion": [
        corruption("JG621", lambda e: {**e, "completion": ""}),
        corruption("JG116", lambda e: {**e, "completion": 3}),
        corruption("JG112", lambda e: {**e, "system": "Be brief."}),
        corruption("JG113", lambda e: {"prompt": e["prompt"]}),
        corruption("JG110", lambda e: b'{"prompt": "a", '),
    ],
}
