"""Together AI: the rules of together-python's ``check_file`` that a schema cannot say.

Source: togethercomputer/together-python ``src/together/utils/files.py`` and
``constants.py`` @eba5e5f (peers.md section 1). Together fails a file on its first
bad line; we report every line. Role order, weight types and the image rules
live here; the structure is in ``providers/together/schemas/together-*.json``. Together's 10 MB
per-image limit (MAX_IMAGE_BYTES) is not checked yet: its rule fixture needs a
synthetic >10 MB file (JG657 is kept free for it).

Every documented example is a description: a literal line with ``messages`` (or
``text``) is detected as another provider's format unless a Together model is chosen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ...engine.diagnostics import Severity
from ...rules.context import ExampleContext
from ...rules.helpers import image_urls, path_of
from ...rules.registry import example_rule, schema_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING
# Together accepts only inline images and checks just the data-URL prefix.
_DATA_URL = re.compile(r"data:image/(jpeg|png|webp);base64,")
MAX_IMAGES_PER_EXAMPLE = 10  # MAX_IMAGES_PER_EXAMPLE
CHAT = ("together-chat",)
IMAGES = ("together-images",)
PREFERENCE = ("together-preference",)
OUTPUTS = ("preferred_output", "non_preferred_output")
# check_file reads `prompt` as a user turn and `completion` as an assistant turn.
INSTRUCTION_ROLES = {"prompt": "user", "completion": "assistant"}
Located = tuple[tuple[str | int, ...], dict[str, Any]]
_KINDS = {float: "a float", str: "a string", bool: "a boolean", type(None): "null"}

schema_rule(
    code="JG650",
    name="together-unknown-key",
    severity=ERROR,
    summary="A Together line has a top-level key its format does not define; Together rejects it.",
    hint="Drop the key (e.g. `id`, `metadata`): Together takes only the format's own keys.",
    bad='(together-text: {"text": "Hi", "id": 7})',
    good='(together-text: {"text": "Hi"})',
)


def _messages(example: dict[str, Any]) -> Iterator[Located]:
    """Every message object with its path: ``messages`` and the preference parts."""
    lists: list[tuple[tuple[str | int, ...], Any]] = [(("messages",), example.get("messages"))]
    source = example.get("input")
    if isinstance(source, dict):
        lists.append((("input", "messages"), source.get("messages")))
    for key in ("preferred_output", "non_preferred_output"):
        lists.append(((key,), example.get(key)))
    for prefix, items in lists:
        if isinstance(items, list):
            for i, message in enumerate(items):
                if isinstance(message, dict):
                    yield (*prefix, i), message


def _conversation(example: dict[str, Any]) -> tuple[tuple[str, ...], list[Any]] | None:
    """The message list whose turns are ordered: ``messages`` or ``input.messages``."""
    if isinstance(example.get("messages"), list):
        return ("messages",), example["messages"]
    source = example.get("input")
    if isinstance(source, dict) and isinstance(source.get("messages"), list):
        return ("input", "messages"), source["messages"]
    return None


def _images(message: dict[str, Any]) -> list[int]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [
        k
        for k, part in enumerate(content)
        if isinstance(part, dict) and part.get("type") == "image_url"
    ]


@example_rule(
    code="JG651",
    name="together-invalid-weight",
    severity=ERROR,
    summary="A message's `weight` is not the integer 0 or 1 (Together rejects 1.0 and 0.5).",
    hint="Write weight 0 or 1 as a JSON integer, or drop the key.",
    bad='(together-conversation: {"role": "assistant", "content": "Hi", "weight": 1.0})',
    good='(together-conversation: {"role": "assistant", "content": "Hi", "weight": 1})',
    rule_sets=("together",),
)
def invalid_weight(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, message in _messages(example):
        if "weight" not in message or path[0] in OUTPUTS:
            continue  # check_file never reads an output's weight: JG662 says it is ignored
        weight = message["weight"]
        where = path_of(*path, "weight")
        if type(weight) is not int:
            kind = _KINDS.get(type(weight), "not a number")
            yield f"{where} is {json.dumps(weight)} ({kind}); Together takes the integer 0 or 1"
        elif weight not in (0, 1):
            yield f"{where} is {weight}; Together takes 0 or 1"


@example_rule(
    code="JG652",
    name="together-repeated-role",
    severity=ERROR,
    summary="Two messages in a row have the same role; Together requires turns to alternate.",
    hint="Merge the two messages into one, or add the missing turn between them.",
    bad="(together-conversation: a user message followed by another user message)",
    good="(together-conversation: user, assistant, user, assistant)",
    rule_sets=("together-chat", "together-preference"),
)
def repeated_role(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    found = _conversation(example)
    if found is None:
        return
    prefix, items = found
    previous = None
    for i, message in enumerate(items):
        role = message.get("role") if isinstance(message, dict) else None
        if role is not None and role == previous:
            yield f"{path_of(*prefix, i)} is a second {role} message in a row; turns must alternate"
        previous = role


@example_rule(
    code="JG653",
    name="together-no-assistant",
    severity=ERROR,
    summary="A Together conversation has no assistant message, so there is nothing to train on.",
    hint="Add the assistant reply the model should learn, or drop the example.",
    bad="(together-conversation: only a user message)",
    good="(together-conversation: a user message and the assistant's reply)",
    rule_sets=CHAT,
)
def no_assistant(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    messages = ctx.messages
    if messages and not any(m.get("role") == "assistant" for _, m in messages):
        yield "the conversation has no assistant message"


@example_rule(
    code="JG654",
    name="together-image-outside-user",
    severity=ERROR,
    summary="An image part is in a system or assistant message, or in an instruction's "
    "`completion`; Together takes images in user turns (and `prompt`) only.",
    hint="Move the image into the user message it belongs to.",
    bad="(together-conversation: an image_url part in an assistant message)",
    good="(together-conversation: the image in the user message)",
    rule_sets=IMAGES,
)
def image_outside_user(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, message in _messages(example):
        if message.get("role") != "user":
            for k in _images(message):
                where = path_of(*path, "content", k)
                yield f"{where} is an image in a {message.get('role')} message; only user turns"
    for key, role in INSTRUCTION_ROLES.items():
        if role != "user":
            for k in _images({"content": example.get(key)}):
                yield f"{path_of(key, k)} is an image in the {key} ({role} turn); only user turns"


@example_rule(
    code="JG655",
    name="together-too-many-images",
    severity=ERROR,
    summary="The example holds more than 10 images (Together's MAX_IMAGES_PER_EXAMPLE).",
    hint="Split the example or keep the images the answer needs (10 at most).",
    bad="(together-conversation: 11 image parts in one example)",
    good="(together-conversation: 10 image parts or fewer)",
    rule_sets=IMAGES,
)
def too_many_images(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    count = sum(len(_images(m)) for _, m in _messages(example))
    count += sum(len(_images({"content": example.get(k)})) for k in ("prompt", "completion"))
    if count > MAX_IMAGES_PER_EXAMPLE:
        yield f"the example has {count} images; Together takes at most {MAX_IMAGES_PER_EXAMPLE}"


def _all_image_urls(example: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, message in _messages(example):
        for k, url in image_urls(message):
            yield path_of(*path, "content", k, "image_url", "url"), url
    for key in ("prompt", "completion"):
        for k, url in image_urls({"content": example.get(key)}):
            yield path_of(key, k, "image_url", "url"), url


@example_rule(
    code="JG656",
    name="together-invalid-image-url",
    severity=ERROR,
    summary="An image URL is not a base64 data URL of a JPEG, PNG or WEBP image; Together "
    "takes no http(s) links.",
    hint="Inline the image: data:image/jpeg;base64,… (jpeg, png or webp).",
    bad="(together-conversation: image_url.url https://example.com/a.png)",
    good="(together-conversation: image_url.url data:image/png;base64,iVBORw0KGgo=)",
    rule_sets=IMAGES,
)
def invalid_image_url(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for where, url in _all_image_urls(example):
        if not _DATA_URL.match(url):
            shown = url if len(url) <= 50 else url[:49] + "…"
            yield f"{where} is {shown!r}, not a data:image/(jpeg|png|webp);base64, URL"


@example_rule(
    code="JG658",
    name="together-weighted-image-message",
    severity=ERROR,
    summary="A message with images has a non-zero weight; Together does not train on image turns.",
    hint="Set weight 0 on the message with images, or drop its weight key.",
    bad="(together-conversation: a user message with an image and weight 1)",
    good="(together-conversation: the same message with weight 0 or no weight)",
    rule_sets=IMAGES,
)
def weighted_image_message(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, message in _messages(example):
        weight = message.get("weight")
        if _images(message) and weight not in (None, 0):
            yield f"{path_of(*path, 'weight')} is {weight!r} on a message with images; use 0"


@example_rule(
    code="JG659",
    name="together-mixed-content-forms",
    severity=ERROR,
    summary="Some messages of one example hold a string and others a list of parts; Together "
    "wants one form per example.",
    hint='Write every message\'s content as a list of parts ([{"type": "text", ...}]) or '
    "every one as a string.",
    bad="(together-conversation: user content a part list, assistant content a string)",
    good="(together-conversation: both contents part lists)",
    rule_sets=IMAGES,
)
def mixed_content_forms(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    forms = [
        (path, isinstance(m.get("content"), list))
        for path, m in _messages(example)
        if isinstance(m.get("content"), (str, list))
    ]
    kinds = {True: "a list of parts", False: "a string"}
    if len({is_list for _, is_list in forms}) == 2:
        (first, form), other = forms[0], next(path for path, f in forms if f != forms[0][1])
        yield (
            f"{path_of(*first, 'content')} is {kinds[form]} but {path_of(*other, 'content')} "
            f"is {kinds[not form]}; use one form in the whole example"
        )


@example_rule(
    code="JG660",
    name="together-preference-input-ends-with-assistant",
    severity=ERROR,
    summary="A preference example's input ends with an assistant message; the compared replies "
    "must answer a user turn.",
    hint="End input.messages with the user message the two outputs answer.",
    bad="(together-preference: input.messages ending with an assistant message)",
    good="(together-preference: input.messages ending with a user message)",
    rule_sets=PREFERENCE,
)
def input_ends_with_assistant(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    source = example.get("input")
    items = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(items, list) or not items:
        return
    last = items[-1]
    if isinstance(last, dict) and last.get("role") == "assistant":
        where = path_of("input", "messages", len(items) - 1)
        yield f"{where} is an assistant message; the input must end with the user's turn"


def _is_empty(content: Any) -> bool:
    """Empty: "" and [] alike (check_file accepts both), or texts of only whitespace."""
    if isinstance(content, str):
        return not content.strip()
    if not isinstance(content, list):
        return False
    parts = [p for p in content if isinstance(p, dict)]
    return len(parts) == len(content) and all(
        p.get("type") == "text" and isinstance(p.get("text"), str) and not p["text"].strip()
        for p in parts
    )


@example_rule(
    code="JG661",
    name="together-empty-content",
    severity=WARNING,
    summary='A message (or a prompt or completion) is empty: "", [] or only whitespace. '
    "Together accepts it, but an empty reply teaches the model to say nothing.",
    hint="Write the text, or drop the message.",
    bad='(together-conversation: {"role": "assistant", "content": []})',
    good='(together-conversation: {"role": "assistant", "content": "It ships today."})',
    rule_sets=("together",),
)
def empty_content(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, message in _messages(example):
        if _is_empty(message.get("content")):
            yield f"{path_of(*path, 'content')} is empty"
    for key in INSTRUCTION_ROLES:
        if _is_empty(example.get(key)):
            yield f"{key} is empty"


@example_rule(
    code="JG662",
    name="together-ignored-output-weight",
    severity=WARNING,
    summary="A preference output has a `weight`; Together's check never reads it, so it has no "
    "effect.",
    hint="Drop the weight: both outputs are always compared whole.",
    bad='(together-preference: "preferred_output": [{"role": "assistant", "content": "Hi", '
    '"weight": 3}])',
    good='(together-preference: "preferred_output": [{"role": "assistant", "content": "Hi"}])',
    rule_sets=PREFERENCE,
)
def ignored_output_weight(example: dict[str, Any], ctx: ExampleContext) -> Iterator[str]:
    for path, message in _messages(example):
        if path[0] in OUTPUTS and "weight" in message:
            yield f"{path_of(*path, 'weight')} is ignored: outputs carry no weight"
