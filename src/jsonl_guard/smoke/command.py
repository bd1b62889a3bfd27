"""``jsonl-guard smoke``: send a few prompts to a (fine-tuned) model and check the replies.

The smoke file
==============

A JSONL file, one case per line (blank lines are skipped)::

    {"name": "refund", "messages": [{"role": "user", "content": "Refund window?"}],
     "expect": {"contains": "30 days", "max_tokens": 60}}

Keys of a case:

``messages`` (required)
    The chat messages sent as they are: a non-empty array of objects whose ``role`` is
    system, developer, user, assistant, tool or function.
``expect`` (required)
    An object with at least one expectation (all must hold):

    ``contains`` / ``not_contains``
        A string or an array of strings that must (must not) occur in the reply;
        case-sensitive.
    ``regex``
        A Python regular expression (or an array of them) that must match somewhere in
        the reply (``re.search``); use ``(?i)`` for case-insensitive, ``^...$`` to anchor.
    ``equals``
        The exact reply. Whitespace around the reply and around the expected text is
        stripped first; everything else (case, inner whitespace) must match.
    ``json_schema``
        A JSON Schema (an object): the reply, stripped of surrounding whitespace, must
        parse as JSON and validate against it. A reply wrapped in a Markdown code fence
        is not JSON and fails.
    ``max_tokens``
        The reply may have at most this many completion tokens. The count is the
        response's ``usage.completion_tokens``; when a server sends no usage it is
        counted with tiktoken, with the model's encoding from jsonl-guard's model table
        (``ft:`` names map to their base model), else tiktoken's own model table, else
        o200k_base.
``name`` (optional)
    Shown in reports, unique in the file; default ``line N``.
``temperature`` (optional)
    A number from 0 to 2, or ``null`` to send none. Default 0, for repeatable replies,
    except for reasoning models (o1/o3/o4 and gpt-5 families), which take no
    temperature: they get none.
``max_completion_tokens`` (optional)
    A cap sent with the request (``max_completion_tokens``) so a rambling model cannot
    run long; the reply is then cut off (``finish_reason`` "length"). Unlike
    ``expect.max_tokens`` it is not a check.

Any other key is an error, as is a wrong type, an invalid regex or an invalid JSON
Schema: every bad line is reported as ``path:line: message`` and nothing is sent.

Exit codes: 0 every case passed, 1 a case failed, 2 a bad smoke file, bad usage,
missing credentials or an API error that persisted after the retries.

``--format json`` prints one object::

    {"version": 1, "path": "smoke.jsonl", "model": "ft:...", "passed": false,
     "summary": {"cases": 3, "passed": 2, "failed": 1},
     "cases": [{"name": "refund", "line": 1, "passed": false,
                "reply": "...", "refusal": null, "finish_reason": "stop",
                "completion_tokens": 12, "tokens_source": "usage",
                "expectations": [{"kind": "contains", "expected": "30 days",
                                  "passed": false, "message": "..."}]}]}

``completion_tokens`` is from ``usage`` (``tokens_source`` "usage"), from tiktoken
(``"tiktoken:<encoding>"``, only when needed for ``max_tokens``), or ``null``.
``--format junit`` writes one ``<testcase>`` per smoke case.

``run_smoke(path, model, client=...)`` is the library entry point (it raises);
``run_smoke_cli(path, model, client=..., out=...)`` prints the report and returns the exit
code, for other commands; ``load_smoke_file`` and ``evaluate`` are the pure parts (no
network). ``client`` is a fine-tune backend (``finetune.backend.FinetuneBackend``) or an
``openai.OpenAI`` client; without one, the backend of the model's provider is used when
there is one, else OpenAI's (an unknown or ``ft:`` name, any OpenAI-compatible server).

This module runs cases against a backend and holds the CLI; it re-exports the rest:
``smoke.file`` (parsing and validating the smoke file), ``smoke.expectations`` (checking a
reply against its expectations, the results) and ``smoke.report`` (text, JSON, JUnit).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..cli.arguments import non_negative_int, positive_float
from ..errors import ERROR_PREFIX, ExitCode, JsonlGuardError, exit_for
from ..finetune.backend import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    FinetuneBackend,
    Reply,
    failure_message,
)
from ..finetune.backends import BACKENDS, as_backend, smoke_backend_for
from ..finetune.settings import add_platform_arguments, given_settings
from .expectations import (
    CaseResult,
    SmokeResult,
    evaluate,
)
from .file import (
    SmokeCase,
    load_smoke_file,
)
from .report import FORMATS, render

if TYPE_CHECKING:
    from ..finetune.openai_backend import OpenAIClient

    Client = FinetuneBackend | OpenAIClient


# The exit codes of ``smoke`` (aliases of ``ExitCode``'s).
EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = ExitCode.OK, ExitCode.ERRORS, ExitCode.USAGE


class SmokeAPIError(JsonlGuardError):
    """A request failed for good (after the client's retries); the message names the step.

    ``completed`` cases of ``total`` (when known) had run before it.
    """

    def __init__(self, message: str, *, completed: int = 0, total: int | None = None) -> None:
        super().__init__(message)
        self.completed, self.total = completed, total

    def report(self, prefix: str = ERROR_PREFIX) -> str:
        ran = ""
        if self.completed:
            of = "" if self.total is None else f" of {self.total}"
            ran = f" ({self.completed}{of} cases had run)"
        return f"{prefix}{self}{ran}"


# -- running against the API -----------------------------------------------------------------


def run_smoke(
    path: str | Path,
    model: str,
    client: Client | None = None,
    *,
    max_retries: int = DEFAULT_RETRIES,
    timeout: float | None = DEFAULT_TIMEOUT,
    on_result: Callable[[CaseResult], None] | None = None,
    platform: str | None = None,
    settings: Mapping[str, str] | None = None,
) -> SmokeResult:
    """Run every case of the smoke file at ``path`` against ``model``.

    The file is validated first (``SmokeFileError``, before any request). Without a
    ``client`` (a backend or an ``openai.OpenAI`` client) the model's backend is
    connected from the environment (``CredentialsError`` / ``OpenAIMissingError`` for
    OpenAI's) and closed afterwards; ``max_retries`` and ``timeout`` apply to it only.
    An API error that outlasts the retries raises ``SmokeAPIError``. ``platform`` and
    ``settings`` choose the backend (``finetune.backends.smoke_backend_for``).
    """
    cases = load_smoke_file(path)
    return run_cases(
        cases,
        model,
        client,
        path=str(path),
        max_retries=max_retries,
        timeout=timeout,
        on_result=on_result,
        platform=platform,
        settings=settings,
    )


def run_cases(
    cases: Sequence[SmokeCase],
    model: str,
    client: Client | None = None,
    *,
    path: str = "<smoke>",
    max_retries: int = DEFAULT_RETRIES,
    timeout: float | None = DEFAULT_TIMEOUT,
    on_result: Callable[[CaseResult], None] | None = None,
    platform: str | None = None,
    settings: Mapping[str, str] | None = None,
) -> SmokeResult:
    """``run_smoke`` for cases already loaded."""
    own_client = client is None
    if client is None:
        active = smoke_backend_for(model, platform, settings)
        active.check_smoke_settings()
        active.connect(max_retries=max_retries, timeout=timeout)
    else:
        active = as_backend(client)
    results: list[CaseResult] = []
    try:
        for case in cases:
            reply = ask(active, model, case, completed=len(results), total=len(cases))
            result = evaluate(case, reply, model=model)
            results.append(result)
            if on_result is not None:
                on_result(result)
    finally:
        if own_client:
            active.close()
    return SmokeResult(path, model, tuple(results))


def ask(
    client: Client,
    model: str,
    case: SmokeCase,
    *,
    completed: int = 0,
    total: int | None = None,
) -> Reply:
    """Send one case's messages; raises ``SmokeAPIError`` naming the case on failure.

    ``completed`` and ``total``: how far the run is, for the error's message.
    """
    backend = as_backend(client)
    step = f"smoke case {case.name!r} (line {case.line}): chat completion with {model}"
    try:
        reply = backend.chat(
            model,
            case.messages,
            temperature=case.request_temperature(model),
            max_completion_tokens=case.max_completion_tokens,
        )
    except Exception as error:
        message = failure_message(backend, error, step)
        if message is None:
            raise
        raise SmokeAPIError(message, completed=completed, total=total) from error
    if reply is None:
        message = f"{step} failed: the API returned no choices"
        raise SmokeAPIError(message, completed=completed, total=total)
    return reply


# -- the command -----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``smoke`` sub-command's arguments (``cli.app.build_parsers`` calls this)."""
    parser.description = (
        "Send each case of SMOKE.jsonl to MODEL and check the reply against its "
        "expectations (contains, not_contains, regex, equals, json_schema, max_tokens). "
        "Credentials: OPENAI_API_KEY (and OPENAI_BASE_URL), or AZURE_OPENAI_ENDPOINT with "
        "AZURE_OPENAI_API_KEY and OPENAI_API_VERSION."
    )
    parser.epilog = (
        'Each line: {"name": ..., "messages": [...], "expect": {...}, "temperature": 0, '
        '"max_completion_tokens": N}. Exit 0 all passed, 1 a case failed, 2 a bad smoke '
        "file, missing credentials or an API error after the retries."
    )
    parser.add_argument("path", metavar="SMOKE.jsonl", help="the smoke cases, one per line")
    parser.add_argument(
        "--model", required=True, help="the model to test, e.g. ft:gpt-4o-mini-2024-07-18:acme::x1"
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "--max-retries",
        type=non_negative_int,
        default=3,
        metavar="N",
        help="retries per request on rate limits, 5xx and connection errors (default 3)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"timeout per request (default {DEFAULT_TIMEOUT:g})",
    )
    add_platform_arguments(parser, BACKENDS)


def run_command(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """``jsonl-guard smoke``: returns the exit code; errors are one clear line, no traceback."""
    return run_smoke_cli(
        args.path,
        args.model,
        out=out,
        err=err,
        output_format=args.format,
        max_retries=args.max_retries,
        timeout=args.timeout,
        platform=args.platform,
        settings=given_settings(args),
    )


def run_smoke_cli(
    path: str | Path,
    model: str,
    *,
    client: Client | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    output_format: str = "text",
    max_retries: int = DEFAULT_RETRIES,
    timeout: float | None = DEFAULT_TIMEOUT,
    platform: str | None = None,
    settings: Mapping[str, str] | None = None,
) -> int:
    """Run the smoke file, write the report to ``out`` and return the exit code (0, 1, 2).

    For other commands (``finetune --smoke``): pass their backend as ``client`` to reuse
    it (it is left open). Problems
    (a bad smoke file, credentials, an API error after retries) go to ``err`` as
    ``jsonl-guard: error: ...`` lines and give 2; nothing raises.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        result = run_smoke(
            path,
            model,
            client,
            max_retries=max_retries,
            timeout=timeout,
            platform=platform,
            settings=settings,
        )
    except JsonlGuardError as error:
        message, code = exit_for(error)
        print(message, file=err)
        return code
    out.write(render(result, output_format))
    return result.exit_code
