"""The prompt and the replies of an example, whatever its profile, read by shape.

Every chat-like format is a list of turns; they differ in where the list is and what a
turn holds. ``view`` reads them all into one ``View``: the prompt (everything before
the final reply: system text, turns), the final reply, and every reply the model
learns (assistant and Gemini ``model`` turns, completions, preferred or chosen outputs).

- ``messages`` (OpenAI, Azure, Fireworks, Mistral, TRL, Together, Bedrock; a top-level
  ``system`` string or text blocks), content a string or a list of text parts/blocks;
- ``contents`` of ``parts`` (Vertex), with ``systemInstruction``, and a preference
  example's ``completions`` (the preferred one, score 1, is the reply);
- ``input.messages`` and ``preferred_output`` (OpenAI and Together DPO);
- ``prompt`` and ``completion`` (strings, or TRL's message lists), TRL's ``chosen``
  (after ``prompt``, or a whole conversation).

Text-only formats (``text``) and RFT prompts have no reply: ``view`` gives ``None``.
Any value may have any type (the schema reports it); what is not text is skipped.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec

from .helpers import JsonPath
from .refusals import refusal

REPLY_ROLES = ("assistant", "model")
# The dataset rules that read ``answer_keys`` (the line checker computes them for these).
ANSWER_RULES = ("JG311", "JG312", "JG313")
_CALL_KEYS = ("tool_calls", "function_call")


@dataclass(slots=True)
class Turn:
    """One turn: its path, role, its text (``None``: no text content at all), and its
    calls (tool calls, toolUse blocks, functionCall parts) as canonical JSON."""

    path: JsonPath
    role: str
    text: str | None
    calls: bytes = b""

    @property
    def key(self) -> str:
        """The turn for comparing (``digest`` normalises it): role, text, calls."""
        return f"{self.role}\x1f{self.text or ''}\x1f{self.calls.decode('utf-8', 'replace')}"


@dataclass(slots=True)
class View:
    prompt: list[Turn] = field(default_factory=list)
    answer: Turn | None = None
    # Every reply the model learns from, the final one included.
    replies: list[Turn] = field(default_factory=list)


def _canonical(value: Any) -> bytes:
    try:
        return msgspec.json.encode(value, order="sorted")
    except (msgspec.EncodeError, OverflowError, UnicodeEncodeError):
        return repr(value).encode("utf-8", "replace")


def _texts(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return None
    pieces = []
    for part in content:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict):
            text = part.get("text", part.get("refusal"))
            if isinstance(text, str):
                pieces.append(text)
    return "\n".join(pieces)


def _calls(message: dict[str, Any]) -> bytes:
    calls: list[Any] = [message[key] for key in _CALL_KEYS if message.get(key)]
    for key in ("content", "parts"):
        blocks = message.get(key)
        if isinstance(blocks, list):
            calls += [
                b for b in blocks if isinstance(b, dict) and ("toolUse" in b or "functionCall" in b)
            ]
    return _canonical(calls) if calls else b""


def turn(message: Any, path: JsonPath) -> Turn | None:
    """A message object as a turn (``None``: not an object with a string role)."""
    if not isinstance(message, dict) or not isinstance(message.get("role"), str):
        return None
    content = message["parts"] if "parts" in message else message.get("content")
    return Turn(path, message["role"], _texts(content), _calls(message))


def _turns(messages: Any, where: JsonPath) -> list[Turn]:
    if isinstance(messages, str):
        return [Turn(where, "text", messages)]
    if not isinstance(messages, list):
        return []
    found = (turn(m, (*where, i)) for i, m in enumerate(messages))
    return [t for t in found if t is not None]


def _system(example: dict[str, Any]) -> list[Turn]:
    for key in ("system", "systemInstruction", "system_instruction"):
        value = example.get(key)
        if isinstance(value, dict):
            value = value.get("parts")
        text = _texts(value)
        if text:
            return [Turn((key,), "system", text)]
    return []


def _split(turns: list[Turn], view: View) -> View:
    """The last reply is the answer, what comes before it the prompt."""
    replies = [t for t in turns if t.role in REPLY_ROLES]
    if not replies:
        return view
    last = turns.index(replies[-1])
    view.prompt += turns[:last]
    view.answer = turns[last]
    view.replies += replies
    return view


def _as_reply(turns: list[Turn]) -> list[Turn]:
    """A completion given as a string is a reply too."""
    return [Turn(t.path, "assistant", t.text) if t.role == "text" else t for t in turns]


def view(example: dict[str, Any]) -> View | None:
    """The example's prompt and replies (``None``: a format without replies)."""
    result = View(_system(example))
    if "contents" in example:
        contents = _turns(example["contents"], ("contents",))
        completions = example.get("completions")
        if isinstance(completions, list):
            result.prompt += contents
            for j, item in enumerate(completions):
                if isinstance(item, dict) and item.get("score") == 1:
                    reply = turn(item.get("completion"), ("completions", j, "completion"))
                    return _split([reply] if reply is not None else [], result)
            return None
        return _split(contents, result)
    source = example.get("input")
    if isinstance(source, dict) and "preferred_output" in example:
        result.prompt += _turns(source.get("messages"), ("input", "messages"))
        return _split(_turns(example["preferred_output"], ("preferred_output",)), result)
    if example.get("label") is False:
        return None  # an unpaired (KTO) completion the model learns not to give
    for key in ("chosen", "completion"):
        if key in example:
            if "prompt" in example:
                result.prompt += _turns(example["prompt"], ("prompt",))
            return _split(_as_reply(_turns(example[key], (key,))), result)
    if "messages" in example:
        return _split(_turns(example["messages"], ("messages",)), result)
    return None


# Answers shorter than this many words are not counted as a repeated answer (JG312):
# a classification file gives the same label to thousands of prompts by design.
MIN_TEMPLATE_WORDS = 4


class AnswerKeys(NamedTuple):
    """What a line keeps for the answer rules: 64-bit digests of its normalised prompt
    and final answer (the answer's lowest bit set when it is long enough to count as a
    template), and its refusal phrase (1 + index in ``refusals.PHRASES``; 0: none).

    A named tuple, not a frozen dataclass: one is made per example, and a tuple's
    construction costs a third of a frozen dataclass's (no ``object.__setattr__``).
    The C pass of a plain chat line (engine/chat_pass.py) gives the same three values
    as a plain tuple (``Keys``), a twentieth of this one's cost; readers unpack them."""

    prompt: int
    answer: int
    refusal: int


# (prompt, answer, refusal): an ``AnswerKeys`` or the plain tuple of the C pass.
Keys = tuple[int, int, int]


def digest(key: str) -> int:
    """A 64-bit digest (CRC-32 and Adler-32) of ``key`` normalised: ASCII letters
    lower-cased, ASCII whitespace left out (texts that differ only in spacing compare
    equal). The C accelerator's (``_screens.c``: one pass, no copies) when it was built,
    else ``reference_digest``; tests hold the two equal."""
    if _native_digest is None:
        return reference_digest(key)
    return _native_digest(key, _UTF8)


def reference_digest(key: str) -> int:
    """``digest`` in Python, the definition the C accelerator is held to.

    One encode, lower, translate and hash for a whole prompt, all in C: per text, or
    with a Python split into words, they cost more than the rest of the check. A text
    of Latin-1 characters (most) is encoded as Latin-1, a copy (UTF-8 converts each
    character above 127); any other as UTF-8, with the digest flipped by ``_UTF8`` so
    the two encodings never give equal bytes the same digest.
    """
    try:
        data, flip = key.encode("latin-1"), 0
    except UnicodeEncodeError:
        data, flip = key.encode("utf-8", "surrogatepass"), _UTF8
    data = data.translate(_LOWER, _WHITESPACE)
    # Two 32-bit checksums in C: several times SHA-256's speed, and for texts (not
    # crafted collisions) as unlikely to clash as 64 random bits.
    return (zlib.crc32(data) << 32 | zlib.adler32(data)) ^ flip


_native_digest: Callable[[str, int], int] | None
_may_refuse: Callable[[str], bool] | None
try:  # the optional C accelerator (setup.py): absent, the Python reference runs
    from ._screens import digest as _native_digest
    from ._screens import may_refuse as _may_refuse
except ImportError:  # pragma: no cover - a build without a C compiler
    _native_digest = _may_refuse = None


def _refusal(text: str | None) -> int:
    """``refusal(text)`` (0 for no text), after the C pre-screen where it was built: it
    rules a phrase out for nearly every reply (tests hold it to never hide one)."""
    if not text or (_may_refuse is not None and not _may_refuse(text)):
        return 0
    return refusal(text)


_WHITESPACE = b" \t\n\r\f\v"
# ASCII upper case to lower case in the same pass that drops the whitespace (bytes
# above 127 are left as they are, in either encoding).
_LOWER = bytes(range(256)).lower()
# Any non-zero constant with the lowest bit clear (the answer's bit, see ``AnswerKeys``).
_UTF8 = 0x9E3779B97F4A7C14


def _long(text: str | None) -> bool:
    # maxsplit: a long answer is not split further than it needs to be.
    return text is not None and len(text.split(None, MIN_TEMPLATE_WORDS)) >= MIN_TEMPLATE_WORDS


_NOT_PLAIN = AnswerKeys(0, 0, 0)
# Top-level keys ``view`` reads besides ``messages``: an example with one of them is not
# a plain conversation.
_OTHER_FORMS = frozenset(
    {"system", "systemInstruction", "system_instruction", "contents", "input", "label"}
    | {"preferred_output", "chosen", "completion", "prompt"}
)


def _plain_keys(example: dict[str, Any]) -> AnswerKeys | None:
    """``answer_keys`` of a plain conversation (role/content strings only) in one pass,
    without building its turns: the shape of most lines, and the keys ``view`` gives.
    ``_NOT_PLAIN`` for any other example."""
    messages = example.get("messages")
    if type(messages) is not list or not _OTHER_FORMS.isdisjoint(example):
        return _NOT_PLAIN
    last, keys = -1, []
    for i, m in enumerate(messages):
        if type(m) is not dict:
            return _NOT_PLAIN
        role, content = m.get("role"), m.get("content")
        if type(role) is not str or "parts" in m:
            return _NOT_PLAIN
        calls = ""
        if "tool_calls" in m or "function_call" in m:
            calls = _calls(m).decode("utf-8", "replace")
        if type(content) is not str:
            if content is not None or not calls:
                return _NOT_PLAIN  # parts, or a turn without text or calls: view decides
            content = ""
        if role in REPLY_ROLES:
            last = i
        keys.append(f"{role}\x1f{content}\x1f{calls}")
    if last < 0:
        return None
    prompt = digest("\x1e".join(keys[:last])) if last else 0
    content = messages[last].get("content")
    text = content if type(content) is str else None
    answer = (digest(keys[last]) & ~1) | _long(text)
    return AnswerKeys(prompt, answer, _refusal(text))


def answer_keys(example: dict[str, Any]) -> AnswerKeys | None:
    """The keys of an example with a final reply (``None``: it has none)."""
    plain = _plain_keys(example)
    if plain is not _NOT_PLAIN:
        return plain
    seen = view(example)
    if seen is None or seen.answer is None:
        return None
    answer = seen.answer
    if any(t.text is None and not t.calls for t in (*seen.prompt, answer)):
        return None  # a turn without text or calls: the schema reports it, nothing to compare
    # 0: no prompt at all (JG311 skips it); a digest of 0 is as likely as any other.
    prompt = digest("\x1e".join([t.key for t in seen.prompt])) if seen.prompt else 0
    found = _refusal(answer.text)
    return AnswerKeys(prompt, (digest(answer.key) & ~1) | _long(answer.text), found)
