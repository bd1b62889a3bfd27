"""One error root, one exit-code table, one place that turns an error into its message.

Every exception class defined in ``src/jsonl_guard`` derives from ``JsonlGuardError``
and carries an exit code from ``ExitCode``; ``cli.main`` prints each with its own
message, byte for byte as before.
"""

from __future__ import annotations

import ast
import importlib
import pickle
import tempfile
from pathlib import Path

import pytest

import jsonl_guard
from helpers import ROOT
from jsonl_guard import ExitCode, JsonlGuardError, UnknownModelError, UnknownRuleError
from jsonl_guard.cli import UsageError, main
from jsonl_guard.cli import app as cli_module
from jsonl_guard.cli.app import OutputError
from jsonl_guard.conversion.catalogue import NoConverterError
from jsonl_guard.conversion.media_dir import MediaDirError
from jsonl_guard.conversion.neutral import NotConvertible
from jsonl_guard.conversion.run import ConvertError
from jsonl_guard.engine.columns import SpillError
from jsonl_guard.engine.config import ConfigError
from jsonl_guard.engine.diff_input import ReportReadError
from jsonl_guard.engine.lines import InputError
from jsonl_guard.engine.models import ModelTableError
from jsonl_guard.engine.profiles import UnknownProfileError
from jsonl_guard.engine.progress_bar import ProgressUnavailable
from jsonl_guard.engine.rows import ExamplesUnavailable
from jsonl_guard.errors import exit_for
from jsonl_guard.finetune import FinetuneStop
from jsonl_guard.finetune.backend import TimeLimitReached, UnexpectedAnswer, UploadMismatch
from jsonl_guard.finetune.bedrock_client import Boto3MissingError
from jsonl_guard.finetune.bedrock_client import CredentialsError as AWSCredentialsError
from jsonl_guard.finetune.fireworks_client import FireworksSettingsError
from jsonl_guard.finetune.openai_client import CredentialsError, OpenAIMissingError
from jsonl_guard.finetune.record import RecordError
from jsonl_guard.finetune.settings import SettingsError
from jsonl_guard.finetune.together_answers import TogetherRefused
from jsonl_guard.finetune.vertex_answers import UnsupportedMessage
from jsonl_guard.finetune.vertex_client import (
    VertexCredentialsError,
    VertexMissingError,
)
from jsonl_guard.providers.huggingface.template import TemplateInvalid
from jsonl_guard.providers.huggingface.tokens import TemplateRejected, TokenizerFileError
from jsonl_guard.rules.catalogue import UnregisteredCodeError
from jsonl_guard.rules.selection import InvalidSeverityError
from jsonl_guard.smoke import SmokeAPIError, SmokeFileError
from jsonl_guard.smoke.file import Problem
from jsonl_guard.tokens.backends import TokenizerMismatch, TokenizerUnavailableError
from jsonl_guard.tokens.encodings import EncodingUnavailableError

SOURCE = ROOT / "src" / "jsonl_guard"
PREFIX = "jsonl-guard: error: "


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def defined_exceptions() -> set[type[BaseException]]:
    """Every exception class in the package's source (found by reading it, then imported)."""
    found: set[type[BaseException]] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        names = [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        if not names:
            continue
        module = importlib.import_module(_module_name(path))
        for name in names:
            value = getattr(module, name, None)
            assert value is not None, f"{path}: class {name} is not at module level"
            if isinstance(value, type) and issubclass(value, BaseException):
                found.add(value)
    return found


# Each exception class: an instance, and what ``jsonl-guard`` prints for it and exits with.
CASES: dict[type[BaseException], tuple[BaseException, str, int]] = {
    JsonlGuardError: (JsonlGuardError("something"), f"{PREFIX}something", 2),
    UsageError: (UsageError("no files match x/*.jsonl"), f"{PREFIX}no files match x/*.jsonl", 2),
    ConfigError: (ConfigError("pyproject.toml: bad"), f"{PREFIX}pyproject.toml: bad", 2),
    UnknownModelError: (
        UnknownModelError("gpt-9", ["gpt-4o"]),
        f"{PREFIX}unknown model 'gpt-9'. Did you mean 'gpt-4o'? Known models: gpt-4o. To add "
        "one, put a table in "
        'pyproject.toml, e.g.\n  [tool.jsonl-guard.models."gpt-9"]\n  encoding = "o200k_base"\n'
        "  token_limit = 65536\n  price_per_million = 3.0",
        2,
    ),
    ModelTableError: (ModelTableError("model 'x': bad"), f"{PREFIX}model 'x': bad", 2),
    ReportReadError: (
        ReportReadError("BASE r.json is a version 2 report, written by a newer jsonl-guard"),
        f"{PREFIX}BASE r.json is a version 2 report, written by a newer jsonl-guard",
        2,
    ),
    UnknownRuleError: (
        UnknownRuleError("no rule matches 'JG9'"),
        f"{PREFIX}no rule matches 'JG9'",
        2,
    ),
    UnknownProfileError: (
        UnknownProfileError("nope"),
        f"{PREFIX}unknown profile 'nope'. Known profiles: ",
        2,
    ),
    EncodingUnavailableError: (
        EncodingUnavailableError("o200k_base", "gone"),
        f"{PREFIX}cannot load tokenizer encoding 'o200k_base' offline: gone. ",
        2,
    ),
    InvalidSeverityError: (
        InvalidSeverityError("JG401: 'fatal' is not a severity; use error, warning or info"),
        f"{PREFIX}JG401: 'fatal' is not a severity; use error, warning or info",
        2,
    ),
    UnregisteredCodeError: (
        UnregisteredCodeError("JG999 is not a registered rule code"),
        f"{PREFIX}JG999 is not a registered rule code",
        2,
    ),
    TokenizerUnavailableError: (
        TokenizerUnavailableError("no quicktok"),
        f"{PREFIX}no quicktok",
        2,
    ),
    TokenizerFileError: (TokenizerFileError("no tokenizer.json"), f"{PREFIX}no tokenizer.json", 2),
    TokenizerMismatch: (
        TokenizerMismatch("text", 3, 4),
        f"{PREFIX}quicktok counted 3 tokens, tiktoken 4 on a sampled text, and standard input "
        "cannot be read again; run with --tokenizer tiktoken",
        2,
    ),
    TemplateRejected: (TemplateRejected("no system role"), f"{PREFIX}no system role", 2),
    TemplateInvalid: (TemplateInvalid("bad template"), f"{PREFIX}bad template", 2),
    SmokeFileError: (
        SmokeFileError("s.jsonl", [Problem(1, "bad"), Problem(1, "worse"), Problem(0, "empty")]),
        f"s.jsonl:1: bad\ns.jsonl:1: worse\ns.jsonl: empty\n"
        f"{PREFIX}3 problems on 2 lines of s.jsonl; no request was sent",
        2,
    ),
    SmokeAPIError: (
        SmokeAPIError("smoke case 'a' failed", completed=1, total=2),
        f"{PREFIX}smoke case 'a' failed (1 of 2 cases had run)",
        2,
    ),
    CredentialsError: (CredentialsError("set OPENAI_API_KEY"), f"{PREFIX}set OPENAI_API_KEY", 2),
    OpenAIMissingError: (
        OpenAIMissingError(),
        f"{PREFIX}this command needs the openai package, which is not installed: "
        'run `pip install "jsonl-guard[finetune]"`',
        2,
    ),
    RecordError: (RecordError("cannot read run record x"), f"{PREFIX}cannot read run record x", 2),
    UploadMismatch: (
        UploadMismatch("Fireworks stored 10 bytes for train.jsonl, which has 12"),
        f"{PREFIX}Fireworks stored 10 bytes for train.jsonl, which has 12",
        2,
    ),
    FireworksSettingsError: (
        FireworksSettingsError("no Fireworks account: pass --account or set FIREWORKS_ACCOUNT_ID"),
        f"{PREFIX}no Fireworks account: pass --account or set FIREWORKS_ACCOUNT_ID",
        2,
    ),
    TogetherRefused: (
        TogetherRefused("Together's check refused train.jsonl (line 3)"),
        f"{PREFIX}Together's check refused train.jsonl (line 3)",
        2,
    ),
    Boto3MissingError: (
        Boto3MissingError(),
        f"{PREFIX}Bedrock needs the boto3 package, which is not installed: run "
        '`pip install "jsonl-guard[bedrock]"`',
        2,
    ),
    AWSCredentialsError: (
        AWSCredentialsError("no AWS credentials: set AWS_ACCESS_KEY_ID or AWS_PROFILE"),
        f"{PREFIX}no AWS credentials: set AWS_ACCESS_KEY_ID or AWS_PROFILE",
        2,
    ),
    SettingsError: (
        SettingsError("--role-arn is not a vertex setting"),
        f"{PREFIX}--role-arn is not a vertex setting",
        2,
    ),
    FinetuneStop: (FinetuneStop(1, "cancelled: nothing was uploaded"), "cancelled: nothing", 1),
    ConvertError: (
        ConvertError("out.jsonl exists; pass --force to replace it"),
        f"{PREFIX}out.jsonl exists; pass --force to replace it",
        2,
    ),
    MediaDirError: (
        MediaDirError("media/a.png exists and holds other bytes; move it away"),
        f"{PREFIX}media/a.png exists and holds other bytes; move it away",
        2,
    ),
    NoConverterError: (
        NoConverterError("convert cannot read or write the profile 'x' yet"),
        f"{PREFIX}convert cannot read or write the profile 'x' yet",
        2,
    ),
    NotConvertible: (
        NotConvertible("turn 1: image is inline data", "upload it"),
        f"{PREFIX}turn 1: image is inline data",
        2,
    ),
    InputError: (
        InputError("stdin is closed: pipe or redirect a file to it (`< data.jsonl`)"),
        f"{PREFIX}stdin is closed: pipe or redirect a file to it (`< data.jsonl`)",
        2,
    ),
    OutputError: (
        OutputError("cannot write to standard output: No space left on device"),
        f"{PREFIX}cannot write to standard output: No space left on device",
        2,
    ),
    TimeLimitReached: (
        TimeLimitReached("the run's --timeout ran out"),
        f"{PREFIX}the run's --timeout ran out",
        2,
    ),
    UnexpectedAnswer: (
        UnexpectedAnswer("the server answered POST /files with HTML"),
        f"{PREFIX}the server answered POST /files with HTML",
        2,
    ),
    VertexMissingError: (
        VertexMissingError("google-genai"),
        f"{PREFIX}fine-tuning on Vertex AI needs google-genai, which is not installed: "
        'run `pip install "jsonl-guard[vertex]"`',
        2,
    ),
    VertexCredentialsError: (
        VertexCredentialsError("no Google Cloud credentials"),
        f"{PREFIX}no Google Cloud credentials",
        2,
    ),
    UnsupportedMessage: (
        UnsupportedMessage("message 2 has role 'tool'"),
        f"{PREFIX}message 2 has role 'tool'",
        2,
    ),
    ProgressUnavailable: (
        ProgressUnavailable("progress=True draws a tqdm bar: pip install tqdm"),
        f"{PREFIX}progress=True draws a tqdm bar: pip install tqdm",
        2,
    ),
    SpillError: (
        SpillError(OSError(28, "No space left on device")),
        f"{PREFIX}cannot write the check's temporary data in {tempfile.gettempdir()}: No space "
        "left on device; free space there, or set TMPDIR to a folder on a disk with room (a "
        "big file needs about 200 bytes an example)",
        2,
    ),
    ExamplesUnavailable: (
        ExamplesUnavailable("<stdin>: its examples cannot be listed"),
        f"{PREFIX}<stdin>: its examples cannot be listed",
        2,
    ),
    KeyboardInterrupt: (KeyboardInterrupt(), "jsonl-guard: interrupted", 130),
}


def test_the_exit_code_table() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "ERRORS": 1,
        "USAGE": 2,
        "INTERRUPTED": 130,
    }
    assert {"ExitCode", "JsonlGuardError"} <= set(jsonl_guard.__all__)


def test_every_exception_derives_from_the_root_and_has_an_exit_code() -> None:
    found = defined_exceptions()
    assert len(found) >= 17
    for error in found:
        assert issubclass(error, JsonlGuardError), error
        assert error.exit_code in ExitCode, error


def test_every_exception_has_its_message_case() -> None:
    assert defined_exceptions() | {KeyboardInterrupt} == set(CASES)


@pytest.mark.parametrize(
    ("error", "message", "code"), list(CASES.values()), ids=[c.__name__ for c in CASES]
)
def test_main_prints_each_error_and_exits_with_its_code(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    message: str,
    code: int,
) -> None:
    def fail(*args: object) -> int:
        raise error

    monkeypatch.setattr(cli_module, "print_rules", fail)
    assert main(["rules"]) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert captured.err == exit_for(error)[0] + "\n"


@pytest.mark.parametrize(
    ("code", "prefix"),
    [(ExitCode.ERRORS, ""), (ExitCode.USAGE, "error: "), (ExitCode.INTERRUPTED, "")],
)
def test_finetune_stop_carries_its_own_exit_code(code: ExitCode, prefix: str) -> None:
    stop = FinetuneStop(code, "why")
    assert stop.exit_code is code and stop.code is code
    assert exit_for(stop, prefix="error: ") == (f"{prefix}why", code)


def test_usage_errors_stay_value_errors() -> None:
    """``jsonl_guard.testing`` and the pytest plugin document ``ValueError`` for them."""
    for error in (
        ConfigError,
        UnknownModelError,
        ModelTableError,
        UnknownRuleError,
        UnknownProfileError,
        TokenizerUnavailableError,
        RecordError,
    ):
        assert issubclass(error, ValueError), error
    assert issubclass(OpenAIMissingError, ImportError)


@pytest.mark.parametrize(
    "error",
    [
        TokenizerMismatch("text", 3, 4),
        EncodingUnavailableError("o200k_base", "gone"),
        FinetuneStop(130, "interrupted"),
    ],
)
def test_errors_that_cross_processes_pickle(error: JsonlGuardError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.exit_code == error.exit_code
    assert exit_for(copy) == exit_for(error)


def test_a_real_usage_error_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "examples/support-good.jsonl", "--model", "gpt-9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{PREFIX}unknown model 'gpt-9'. Did you mean 'gpt-4o'")
    assert "Known models:" in err


def test_the_bug_report_address_is_the_projects_issue_tracker() -> None:
    import tomllib

    from helpers import ROOT
    from jsonl_guard.errors import ISSUE_TRACKER

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["urls"]["Issues"] == ISSUE_TRACKER
