"""The Jinja environment of transformers' chat templates (needs jinja2: the [hf] extra).

transformers 5.25.0 ``utils/chat_template_utils.py`` ``_cached_compile_jinja_template``:
``ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)`` with loop
controls and the ``{% generation %}`` tag (``AssistantTracker``), ``tojson`` without
HTML escaping, and the globals ``raise_exception`` and ``strftime_now``. Imported only
when a template is compiled (``template.py``), so the package loads without jinja2.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment


def _raise(message: Any) -> None:
    raise jinja2.TemplateError(str(message))  # as transformers: the template's own message


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: Any = None,
    separators: Any = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _strftime_now(format_: str) -> str:
    # The render depends on the day (Llama 3.2 writes "Today Date"), as with transformers.
    return datetime.now().strftime(format_)  # local time, as transformers


class GenerationTracker(jinja2.ext.Extension):
    """``{% generation %}``: renders its body and, while ``tracking`` is set (the blocks
    rendered so far, the spans found), notes the body's character offsets."""

    tags = {"generation"}  # noqa: RUF012 - jinja's API

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.tracking: tuple[list[str], list[tuple[int, int]]] | None = None

    def parse(self, parser: Any) -> Any:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        call = self.call_method("_generation", [], [], None, None)
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    @jinja2.pass_eval_context
    def _generation(self, context: Any, caller: Any) -> str:
        text: str = caller()
        if self.tracking is not None:
            blocks, spans = self.tracking
            start = len("".join(blocks))
            spans.append((start, start + len(text)))
        return text


def environment() -> ImmutableSandboxedEnvironment:
    """A fresh environment: each compiled template has its own tracker."""
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[GenerationTracker, jinja2.ext.loopcontrols],
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = _strftime_now
    return env
