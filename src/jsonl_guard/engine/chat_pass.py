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

from collections.abc import Callable
from typing import Any

from ..rules.refusals import refusal
from ..rules.replies import Keys, answer_keys
from .conversation_text import conversation_text
from .minhash import sketch

Native = Callable[[Any, bool, bool], "tuple[bytes | None, int | None, int, int | str] | None"]
_native: Native | None
try:  # the optional C accelerator (setup.py): absent, the Python reference runs
    from ._chat import chat_pass as _native
except ImportError:  # pragma: no cover - a build without a C compiler
    _native = None


def chat_pass(messages: Any, sketching: bool, answers: bool) -> tuple[bytes | None, Keys | None]:
    """(the sketch of ``{"messages": messages}`` as its K values' native bytes, its
    answer keys), each ``None`` when not asked for: ``reference_chat_pass``, in C when
    the twin was built. Bytes, not an array: ``Sketches.add`` appends them as they are
    (an array a line costs more than the rest of this wrapper)."""
    found = None if _native is None else _native(messages, sketching, answers)
    if found is None:
        return reference_chat_pass(messages, sketching, answers)
    packed, prompt, answer, phrase = found
    if prompt is None:
        return packed, None
    # The C pass rules a refusal out for nearly every reply; the few it cannot (an
    # anchor word in the opening, or a text beyond Latin-1) are read by ``refusal``.
    return packed, (prompt, answer, refusal(phrase) if isinstance(phrase, str) else phrase)


def reference_chat_pass(
    messages: Any, sketching: bool, answers: bool
) -> tuple[bytes | None, Keys | None]:
    """``chat_pass`` in Python, the definition the C twin is held to."""
    example = {"messages": messages}
    values = sketch(conversation_text(example)) if sketching else None
    return (
        None if values is None else values.tobytes(),
        answer_keys(example) if answers else None,
    )
