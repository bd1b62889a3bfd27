"""Declarations of the rules raised by the line reader and by the JSON Schema.

These rules have no Python check of their own: the reader (``_reader.py``) and
the schema documents (``schemas/*.json``, via ``x-rule``) raise them.
"""

from __future__ import annotations

from ._diagnostics import Severity
from ._rules import Scope, declare

ERROR, WARNING = Severity.ERROR, Severity.WARNING
FILE, SCHEMA = Scope.FILE, Scope.SCHEMA
U = '{"role": "user", "content": "Hi"}'
A = '{"role": "assistant", "content": "Hello!"}'
GOOD = f'{{"messages": [{U}, {A}]}}'

declare(
    "JG100", "empty-file", ERROR, FILE,
    "The file holds no examples at all.",
    "Write one JSON object per line; an empty file cannot be trained on.",
    bad="", good=GOOD,
)  # fmt: skip
declare(
    "JG101", "utf8-bom", ERROR, FILE,
    "The file starts with a UTF-8 byte-order mark, which strict JSON parsers reject.",
    "Re-save the file as UTF-8 without BOM (e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`).",
    bad="\ufeff" + GOOD, good=GOOD,
)  # fmt: skip
declare(
    "JG102", "invalid-utf8", ERROR, FILE,
    "A line is not valid UTF-8.",
    "Re-encode the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`).",
    bad='{"messages": [{"role": "user", "content": "caf\\xe9"}]}  (raw byte 0xE9)', good=GOOD,
)  # fmt: skip
declare(
    "JG103", "blank-line", WARNING, FILE,
    "A line is empty or whitespace only; some uploaders reject it as invalid JSON.",
    "Delete the blank line (a single newline at the end of the file is fine).",
    bad=GOOD + "\n\n" + GOOD, good=GOOD + "\n" + GOOD,
)  # fmt: skip
declare(
    "JG104", "crlf-line-endings", WARNING, FILE,
    "Lines end with CRLF (Windows line endings).",
    "Convert to LF line endings (e.g. `dos2unix FILE`).",
    bad=GOOD + "\r\n", good=GOOD + "\n",
)  # fmt: skip
declare(
    "JG130", "mixed-formats", ERROR, FILE,
    "A line is in another profile's format than the file (detected from its first example).",
    "Keep one format per file: convert the line, or move it to a file of its own format.",
    bad='(line 1: {"messages": [...]}, line 2: {"prompt": "...", "completion": "..."})',
    good='(every line: {"messages": [...]})',
)  # fmt: skip
declare(
    "JG110", "invalid-json", ERROR, FILE,
    "A line is not valid JSON.",
    "Fix the JSON at the given column; each line must be one complete JSON object.",
    bad='{"messages": [{"role": "user", "content": "Hi"}]', good=GOOD,
)  # fmt: skip

declare(
    "JG121", "duplicate-key", ERROR, FILE,
    "A JSON object repeats a key; parsers keep only one of the values, silently.",
    "Merge the two values or rename one key; usually a concatenation bug.",
    bad='{"messages": [], "messages": [{"role": "user", "content": "Hi"}, '
    '{"role": "assistant", "content": "Hello!"}]}',
    good=GOOD,
)  # fmt: skip
declare(
    "JG111", "not-an-object", ERROR, SCHEMA,
    "A line holds a JSON value that is not an object.",
    'Wrap the example in an object: {"messages": [...]}.',
    bad=f"[{U}, {A}]", good=GOOD,
)  # fmt: skip
declare(
    "JG112", "unknown-key", WARNING, SCHEMA,
    "The example has a top-level key the format does not define.",
    "Remove the key (chat SFT allows messages, tools, parallel_tool_calls, functions).",
    bad=f'{{"messages": [{U}, {A}], "source": "zendesk"}}', good=GOOD,
)  # fmt: skip
declare(
    "JG113", "missing-messages", ERROR, SCHEMA,
    "The example has no `messages` key.",
    'Put the conversation in a "messages" list of role/content objects.',
    bad=f'{{"conversation": [{U}, {A}]}}', good=GOOD,
)  # fmt: skip
declare(
    "JG114", "invalid-messages", ERROR, SCHEMA,
    "`messages` is not a list, or is empty.",
    '"messages" must be a non-empty list of message objects.',
    bad='{"messages": []}', good=GOOD,
)  # fmt: skip
declare(
    "JG115", "invalid-message", ERROR, SCHEMA,
    "A message is not an object or has no `role`.",
    'Each message is an object with a "role" and its "content".',
    bad=f'{{"messages": [{{"content": "Hi"}}, {A}]}}', good=GOOD,
)  # fmt: skip
declare(
    "JG116", "invalid-content", ERROR, SCHEMA,
    "A message's content is missing or of the wrong type.",
    "Give the message a string content (or a list of content parts); an assistant "
    "message may carry tool_calls instead.",
    bad=f'{{"messages": [{{"role": "user", "content": 42}}, {A}]}}', good=GOOD,
)  # fmt: skip
declare(
    "JG117", "unknown-message-key", WARNING, SCHEMA,
    "A message has a key its role does not define.",
    "Remove the key or fix its spelling (e.g. `content`, `name`, `tool_calls`, `weight`).",
    bad=f'{{"messages": [{{"role": "user", "content": "Hi", "lang": "en"}}, {A}]}}', good=GOOD,
)  # fmt: skip
declare(
    "JG118", "invalid-content-part", ERROR, SCHEMA,
    "A content part is malformed or of a type fine-tuning does not accept.",
    'Use {"type": "text", "text": ...} or {"type": "image_url", "image_url": {"url": ...}}.',
    bad=f'{{"messages": [{{"role": "user", "content": [{{"type": "input_audio"}}]}}, {A}]}}',
    good=f'{{"messages": [{{"role": "user", "content": [{{"type": "text", "text": "Hi"}}]}}, '
    f'{A}]}}',
)  # fmt: skip
declare(
    "JG119", "schema-violation", ERROR, SCHEMA,
    "A value does not match the format's schema (a type or value no other rule covers).",
    "Fix the value at the given path; see the format's schema for the allowed shape.",
    bad=f'{{"messages": [{U}, {A}], "parallel_tool_calls": "yes"}}', good=GOOD,
)  # fmt: skip
declare(
    "JG201", "unknown-role", ERROR, SCHEMA,
    "A message has a role the format does not accept.",
    "Use system, user, assistant, tool or function; `developer` is only accepted for "
    "reinforcement fine-tuning, use `system` for SFT.",
    bad=f'{{"messages": [{{"role": "developer", "content": "Be brief."}}, {U}, {A}]}}',
    good=f'{{"messages": [{{"role": "system", "content": "Be brief."}}, {U}, {A}]}}',
)  # fmt: skip
declare(
    "JG205", "invalid-weight", ERROR, SCHEMA,
    "An assistant message's `weight` is not 0 or 1.",
    "Use weight 1 to train on the message, 0 to skip it (or drop the key: 1 is the default).",
    bad=f'{{"messages": [{U}, {{"role": "assistant", "content": "Hello!", "weight": 0.5}}]}}',
    good=f'{{"messages": [{U}, {{"role": "assistant", "content": "Hello!", "weight": 1}}]}}',
)  # fmt: skip
declare(
    "JG206", "weight-not-allowed", ERROR, SCHEMA,
    "`weight` appears on a message that is not from the assistant.",
    "Remove the weight: only assistant messages are weighted.",
    bad=f'{{"messages": [{{"role": "user", "content": "Hi", "weight": 1}}, {A}]}}', good=GOOD,
)  # fmt: skip
declare(
    "JG220", "invalid-tool-call", ERROR, SCHEMA,
    "A tool call is malformed (it needs id, type 'function', and function.name / arguments).",
    'Write tool calls as {"id": "call_1", "type": "function", "function": {"name": ..., '
    '"arguments": "<JSON string>"}}.',
    bad='{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"function": '
    '{"name": "track", "arguments": "{}"}}]}]}',
    good='{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
    '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}]}',
)  # fmt: skip
declare(
    "JG226", "invalid-tool-definition", ERROR, SCHEMA,
    "A tool or function definition is malformed.",
    'Define tools as {"type": "function", "function": {"name": "a_name", "description": ..., '
    '"parameters": {...JSON Schema...}}}; names match ^[a-zA-Z0-9_-]{1,64}$.',
    bad=f'{{"tools": [{{"type": "function", "function": {{"name": "track order"}}}}], '
    f'"messages": [{U}, {A}]}}',
    good=f'{{"tools": [{{"type": "function", "function": {{"name": "track_order"}}}}], '
    f'"messages": [{U}, {A}]}}',
)  # fmt: skip
declare(
    "JG227", "missing-tool-call-id", ERROR, SCHEMA,
    "A tool message has no `tool_call_id` (or it is not a string).",
    "Set tool_call_id to the id of the call this message answers.",
    bad='{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
    '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, '
    '{"role": "tool", "content": "shipped"}, ' + A + "]}",
    good='{"messages": [' + U + ', {"role": "assistant", "tool_calls": [{"id": "c1", '
    '"type": "function", "function": {"name": "track", "arguments": "{}"}}]}, '
    '{"role": "tool", "tool_call_id": "c1", "content": "shipped"}, ' + A + "]}",
)  # fmt: skip
