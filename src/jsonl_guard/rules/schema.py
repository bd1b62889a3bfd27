"""Declarations of the schema rules: raised by the formats' JSON Schemas, not by a check.

Each subschema of ``providers/*/schemas/*.json`` names the rule its failure raises with ``x-rule``
(any keyword) or ``x-rules`` (per keyword); ``engine/schema.py`` turns a failure into a finding
with that code, and a failure naming none into JG119. The rules every format shares are
declared here; a provider's own schema rules are declared in its ``providers`` module.
"""

from __future__ import annotations

from ..engine.diagnostics import Severity
from .registry import schema_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING
U = '{"role": "user", "content": "Hi"}'
A = '{"role": "assistant", "content": "Hello!"}'
GOOD = f'{{"messages": [{U}, {A}]}}'

schema_rule(
    code="JG111",
    name="not-an-object",
    severity=ERROR,
    summary="A line holds a JSON value that is not an object.",
    hint='Wrap the example in an object: {"messages": [...]}.',
    bad=f"[{U}, {A}]",
    good=GOOD,
)
schema_rule(
    code="JG112",
    name="unknown-key",
    severity=WARNING,
    summary="The example has a top-level key the format does not define.",
    hint="Remove the key (chat SFT allows messages, tools, parallel_tool_calls, functions).",
    bad=f'{{"messages": [{U}, {A}], "source": "zendesk"}}',
    good=GOOD,
)
schema_rule(
    code="JG113",
    name="missing-messages",
    severity=ERROR,
    summary="The example has no `messages` key.",
    hint='Put the conversation in a "messages" list of role/content objects.',
    bad=f'{{"conversation": [{U}, {A}]}}',
    good=GOOD,
)
schema_rule(
    code="JG114",
    name="invalid-messages",
    severity=ERROR,
    summary="`messages` is not a list, or is empty.",
    hint='"messages" must be a non-empty list of message objects.',
    bad='{"messages": []}',
    good=GOOD,
)
schema_rule(
    code="JG115",
    name="invalid-message",
    severity=ERROR,
    summary="A message is not an object or has no `role`.",
    hint='Each message is an object with a "role" and its "content".',
    bad=f'{{"messages": [{{"content": "Hi"}}, {A}]}}',
    good=GOOD,
)
schema_rule(
    code="JG116",
    name="invalid-content",
    severity=ERROR,
    summary="A message's content is missing or of the wrong type.",
    hint="Give the message a string content (or a list of content parts); an assistant "
    "message may carry tool_calls instead.",
    bad=f'{{"messages": [{{"role": "user", "content": 42}}, {A}]}}',
    good=GOOD,
)
schema_rule(
    code="JG117",
    name="unknown-message-key",
    severity=WARNING,
    summary="A message has a key its role does not define.",
    hint="Remove the key or fix its spelling (e.g. `content`, `name`, `tool_calls`, `weight`).",
    bad=f'{{"messages": [{{"role": "user", "content": "Hi", "lang": "en"}}, {A}]}}',
    good=GOOD,
)
schema_rule(
    code="JG118",
    name="invalid-content-part",
    severity=ERROR,
    summary="A content part is malformed or of a type fine-tuning does not accept.",
    hint='Use {"type": "text", "text": ...} or {"type": "image_url", "image_url": {"url": ...}}.',
    bad=f'{{"messages": [{{"role": "user", "content": [{{"type": "input_audio"}}]}}, {A}]}}',
    good=f'{{"messages": [{{"role": "user", "content": [{{"type": "text", "text": "Hi"}}]}}, '
    f"{A}]}}",
)
schema_rule(
    code="JG119",
    name="schema-violation",
    severity=ERROR,
    summary="A value does not match the format's schema (a type or value no other rule covers).",
    hint="Fix the value at the given path; see the format's schema for the allowed shape.",
    bad=f'{{"messages": [{U}, {A}], "parallel_tool_calls": "yes"}}',
    good=GOOD,
)
schema_rule(
    code="JG201",
    name="unknown-role",
    severity=ERROR,
    summary="A message has a role the format does not accept.",
    hint="Use system, user, assistant, tool or function; `developer` is only accepted for "
    "reinforcement fine-tuning, use `system` for SFT.",
    bad=f'{{"messages": [{{"role": "developer", "content": "Be brief."}}, {U}, {A}]}}',
    good=f'{{"messages": [{{"role": "system", "content": "Be brief."}}, {U}, {A}]}}',
)
schema_rule(
    code="JG205",
    name="invalid-weight",
    severity=ERROR,
    summary="An assistant message's `weight` is not 0 or 1.",
    hint="Use weight 1 to train on the message, 0 to skip it (or drop the key: 1 is the default).",
    bad=f'{{"messages": [{U}, {{"role": "assistant", "content": "Hello!", "weight": 0.5}}]}}',
    good=f'{{"messages": [{U}, {{"role": "assistant", "content": "Hello!", "weight": 1}}]}}',
)
schema_rule(
    code="JG206",
    name="weight-not-allowed",
    severity=ERROR,
    summary="`weight` appears on a message that is not from the assistant.",
    hint="Remove the weight: only assistant messages are weighted.",
    bad=f'{{"messages": [{{"role": "user", "content": "Hi", "weight": 1}}, {A}]}}',
    good=GOOD,
)
schema_rule(
    code="JG220",
    name="invalid-tool-call",
    severity=ERROR,
    summary="A tool call is malformed (it needs id, type 'function', and function.name / "
    "arguments).",
    hint='Write tool calls as {"id": "call_1", "type": "function", "function": {"name": ..., '
    '"arguments": "<JSON string>"}}.',
    bad='{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"function": '
    '{"name": "track", "arguments": "{}"}}]}]}',
    good='{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
    '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}]}',
)
schema_rule(
    code="JG226",
    name="invalid-tool-definition",
    severity=ERROR,
    summary="A tool or function definition is malformed.",
    hint='Define tools as {"type": "function", "function": {"name": "a_name", "description": ..., '
    '"parameters": {...JSON Schema...}}}; names match ^[a-zA-Z0-9_-]{1,64}$.',
    bad=f'{{"tools": [{{"type": "function", "function": {{"name": "track order"}}}}], '
    f'"messages": [{U}, {A}]}}',
    good=f'{{"tools": [{{"type": "function", "function": {{"name": "track_order"}}}}], '
    f'"messages": [{U}, {A}]}}',
)
schema_rule(
    code="JG227",
    name="missing-tool-call-id",
    severity=ERROR,
    summary="A tool message has no `tool_call_id` (or it is not a string).",
    hint="Set tool_call_id to the id of the call this message answers.",
    bad='{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
    '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, '
    '{"role": "tool", "content": "shipped"}, ' + A + "]}",
    good='{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
    '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, '
    '{"role": "tool", "tool_call_id": "c1", "content": "shipped"}, ' + A + "]}",
)
