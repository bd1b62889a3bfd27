"""What the quality rules read from a plain chat example, in one pass.

A line of plain chat (``{"messages": [{"role": str, "content": str}, ...]}``, the
typed decoder's shape) is most lines of most files. The near-duplicate rules read the
sketch of its conversation text (``conversation_text``, ``minhash.sketch``) and the
answer rules its prompt and answer keys (``replies.answer_keys``): in Python, two
walks of the messages, a joined text, a key string per turn and two joins, about as
much interpreter time as the C loops inside them. The C twin (``_chat.c``) reads
the messages once and hashes their strings where they lie.

``reference_chat_pass`` composes the Python functions and is the definition;
``tests/test_chat_native.py`` holds the C pass equal to it. The twin handles only
messages of exactly ``role`` and ``content`` strings (and maybe ``name``, which
neither walk reads); for any other shape, or a build without a compiler, the
reference runs.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

from ..rules.refusals import refusal
from ..rules.replies import AnswerKeys, answer_keys
from .conversation_text import conversation_text
from .minhash import sketch

Native = Callable[[Any, bool, bool], "tuple[bytes | None, int | None, int, int | str] | None"]
_native: Native | None
try:  # the optional C accelerator (setup.py): absent, the Python reference runs
    from ._chat import chat_pass as _native
except ImportError:  # pragma: no cover - a build without a C compiler
    _native = None


def chat_pass(
    messages: Any, *, sketching: bool, answers: bool
) -> tuple[array[int] | None, AnswerKeys | None]:
    """(the sketch of ``{"messages": messages}``, its answer keys), each ``None`` when
    not asked for; ``reference_chat_pass``, in C when the twin was built."""
    found = None if _native is None else _native(messages, sketching, answers)
    if found is None:
        return reference_chat_pass(messages, sketching=sketching, answers=answers)
    packed, prompt, answer, phrase = found
    values = None
    if packed is not None:
        values = array("I")
        values.frombytes(packed)
    if prompt is None:
        return values, None
    # The C pass rules a refusal out for nearly every reply; the few it cannot (an
    # anchor word in the opening, or a text beyond Latin-1) are read by ``refusal``.
    return values, AnswerKeys(
        prompt, answer, refusal(phrase) if isinstance(phrase, str) else phrase
    )


def reference_chat_pass(
    messages: Any, *, sketching: bool, answers: bool
) -> tuple[array[int] | None, AnswerKeys | None]:
    """``chat_pass`` in Python, the definition the C twin is held to."""
    example = {"messages": messages}
    return (
        sketch(conversation_text(example)) if sketching else None,
        answer_keys(example) if answers else None,
    )
