"""Chat templates compiled and rendered as transformers' ``apply_chat_template`` does.

The same Jinja sandbox (``ImmutableSandboxedEnvironment``, trim_blocks, lstrip_blocks,
loop controls), the same globals (``raise_exception``, ``strftime_now``) and ``tojson``
filter, and the ``{% generation %}`` tag, whose body's character offsets in the
rendered text are the assistant mask (transformers 5.25.0
``utils/chat_template_utils.py``: ``_cached_compile_jinja_template``,
``_render_with_assistant_indices``; facts in docs/open-weight.md). Messages are
prepared as transformers 5.25 prepares them: keys holding ``None`` dropped, and the
reasoning of ``reasoning_content``/``thinking``/``reasoning`` copied to the first two.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import JsonlGuardError

# transformers' test for the tag (render_jinja_template), which TRL's
# has_generation_markers repeats.
GENERATION_TAG = re.compile(r"\{\%-?\s*generation\s*-?\%\}")
REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")


class TemplateRejected(JsonlGuardError):
    """A chat template's ``raise_exception``, or any error while rendering: the template
    does not take this example. Caught where the template is rendered; never reaches a
    command."""


class TemplateInvalid(JsonlGuardError):
    """A chat template that does not compile."""


class ChatTemplate:
    """One compiled template; ``render`` gives the text and the generation spans."""

    def __init__(self, source: str) -> None:
        import jinja2

        from .sandbox import GenerationTracker, environment

        self.source = source
        self.has_generation = GENERATION_TAG.search(source) is not None
        env = environment()
        try:
            self.template = env.from_string(source)
        except jinja2.TemplateError as error:
            raise TemplateInvalid(f"the chat template is invalid: {error}") from None
        self._tracker = next(e for e in env.extensions.values() if isinstance(e, GenerationTracker))

    def render(
        self,
        messages: list[Any],
        *,
        generation: bool,
        tools: Any = None,
        specials: dict[str, Any] | None = None,
    ) -> tuple[str, list[tuple[int, int]]]:
        """(text, generation spans); ``TemplateRejected`` when the template fails."""
        blocks: list[str] = []
        spans: list[tuple[int, int]] = []
        variables = dict(specials or {})
        chat = prepare_messages(messages)
        self._tracker.tracking = (blocks, spans)
        try:
            for block in self.template.generate(
                messages=chat, tools=tools, documents=None,
                add_generation_prompt=generation, **variables,
            ):  # fmt: skip
                blocks.append(block)
        except Exception as error:  # a template may fail any way on odd data
            import jinja2

            own = type(error) is jinja2.TemplateError  # raise_exception: the template's words
            raise TemplateRejected(
                str(error) if own else f"{type(error).__name__}: {error}"
            ) from None
        finally:
            self._tracker.tracking = None
        return "".join(blocks), spans


def prepare_messages(messages: list[Any]) -> list[Any]:
    """transformers 5.25's ``_normalize_chat_messages`` and ``_alias_reasoning_fields``."""
    prepared: list[Any] = []
    for message in messages:
        if isinstance(message, dict):
            message = {k: v for k, v in message.items() if v is not None}
            reasoning = next((message[k] for k in REASONING_FIELDS if k in message), None)
            if reasoning is not None:
                message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        prepared.append(message)
    return prepared
