"""Golden reports: what ``jsonl-guard check`` prints today for every fixture, byte for byte.

Each :class:`Case` is a command line (run in-process with ``jsonl_guard.cli.main``,
cwd = the repository root) and the report formats it is recorded in. The goldens
live in ``tests/golden/reports/<case-id><ext>``; ``exit-codes.json`` there maps each
golden file to the exit code of its run. ``tests/test_golden_reports.py`` proves that
the current code still prints exactly these bytes.

The inputs, each checked with the arguments its own tests use:

* ``tests/fixtures/rules/<CODE>/{bad,good}.jsonl`` with the options of their
  ``options.json`` (read by ``test_rules_table``'s own helpers); models that exist
  only there go in a ``--config`` file under ``tests/golden/configs/``, written from
  that ``options.json``;
* ``tests/fixtures/profiles/<profile>/good.jsonl`` with the profile's default model;
* ``tests/fixtures/conformance/**`` with the profile/model of its ``cases.json``;
* ``examples/*.jsonl`` as they are;
* ``tests/fixtures/generated/<profile>.jsonl``: one dataset per profile drawn once from
  the project's Hypothesis strategies (seed 0), a few lines corrupted; see
  :func:`generate_datasets` and ``tests/fixtures/generated/README.md``.

Every input is recorded as ``json`` and ``text``; a few representative ones in every
format (``github``, ``sarif``, ``junit`` and the GitHub step ``summary``).

Commands::

    python tests/golden_reports.py --write              # regenerate goldens and configs
    python tests/golden_reports.py --check              # compare, without pytest
    python tests/golden_reports.py --generate-datasets  # redraw the generated inputs

Run ``--write`` only for a deliberate behaviour change, and review the diff.
``--generate-datasets`` replaces inputs; it is not needed to refresh goldens.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:  # run as a script: the test helpers below
    sys.path.insert(0, str(ROOT / "tests"))

import test_profile_bedrock  # noqa: E402 - after the path above
import test_profile_mistral  # noqa: E402
import test_profile_together  # noqa: E402
import test_rules_table  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
RULES_DIR = FIXTURES / "rules"
PROFILES_DIR = FIXTURES / "profiles"
CONFORMANCE = FIXTURES / "conformance"
GENERATED = FIXTURES / "generated"
GOLDEN = ROOT / "tests" / "golden" / "reports"
CONFIGS = ROOT / "tests" / "golden" / "configs"
EXIT_CODES = GOLDEN / "exit-codes.json"

# Report format -> golden file suffix. "summary" is the Markdown appended to
# $GITHUB_STEP_SUMMARY (a plain run; its terminal output is the "text" golden).
FORMATS: dict[str, str] = {
    "json": ".json",
    "text": ".txt",
    "github": ".github.txt",
    "sarif": ".sarif.json",
    "junit": ".junit.xml",
    "summary": ".summary.md",
}
BASIC = ("json", "text")
EVERY = tuple(FORMATS)

# CheckOptions field (options.json) -> check flag. "models" becomes --config.
FLAGS = {
    "model": "--model",
    "profile": "--profile",
    "max_cost": "--max-cost",
    "min_examples": "--min-examples",
    "epochs": "--epochs",
    "max_seq_len": "--max-seq-len",
    "max_line_bytes": "--max-line-bytes",
    "tokenizer": "--tokenizer",
    "chat_template": "--chat-template",
    "loss": "--loss",
    "truncation_side": "--truncation-side",
}


@dataclass(frozen=True)
class Case:
    """``args`` is the command line without the format flags (they come per format)."""

    id: str
    args: tuple[str, ...]
    formats: tuple[str, ...] = BASIC
    needs: str | None = None  # a module the run needs (an optional extra)

    def argv(self, output_format: str) -> list[str]:
        if output_format == "summary":
            return list(self.args)
        if output_format == "text":
            return [*self.args, "--format", "text", "--color", "never"]
        return [*self.args, "--format", output_format]

    def golden(self, output_format: str) -> str:
        return self.id + FORMATS[output_format]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _flags(fields: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, flag in FLAGS.items():
        if key in fields:
            args += [flag, str(fields[key])]
    return args


# -- rule fixtures -------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, (bool, int, float, str)) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        return json.dumps(value)  # JSON's spelling of these is TOML's too
    raise TypeError(f"no TOML spelling for {value!r}")


def rule_config(code: str) -> str | None:
    """The ``--config`` file text for a rule whose ``options.json`` defines models."""
    models = test_rules_table._raw_options(code).get("models")
    if not models:
        return None
    lines = [f"# Written by tests/golden_reports.py from tests/fixtures/rules/{code}/options.json."]
    for name, fields in models.items():
        lines += ["", f"[tool.jsonl-guard.models.{json.dumps(name)}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def _rule_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in RULES_DIR.iterdir() if p.is_dir()):
        code = folder.name
        training = test_rules_table._raw_options(code).get("training")
        config = rule_config(code)
        for which in ("bad", "good"):
            path = folder / f"{which}.jsonl"
            if not path.exists():  # JG105 / JG243: bad file built by the test (too big)
                continue
            fields = test_rules_table._option_fields(code, which)
            if training is None:
                args = ["check", _rel(path)]
            else:  # checked as the validation file of the training file
                args = ["check", _rel(folder / training), "--validation-file", _rel(path)]
            args += _flags({k: v for k, v in fields.items() if k != "models"})
            if config is not None:
                args += ["--config", _rel(CONFIGS / f"{code}.toml")]
            cases.append(Case(f"rules-{code}-{which}", tuple(args)))
    return cases


# -- profile fixtures ----------------------------------------------------------------------------


def _default_model(profile: str) -> str:
    from jsonl_guard.engine.profiles import resolve_profile

    return resolve_profile(profile).default_model


def _profile_cases() -> list[Case]:
    # As test_profiles: each good file with its profile's default model (detected format).
    return [
        Case(
            f"profiles-{path.parent.name}-{path.stem}",
            ("check", _rel(path), "--model", _default_model(path.parent.name)),
        )
        for path in sorted(PROFILES_DIR.glob("*/*.jsonl"))
    ]


# -- conformance fixtures ------------------------------------------------------------------------


def _conformance_args(folder: str, case: dict[str, Any]) -> list[str]:
    """The options each peer's test (tests/test_conformance.py, test_profile_*.py) uses."""
    profile: str = case.get("profile", "")
    if folder == "":  # test_conformance: the cookbook files
        return ["--model", "gpt-4o-mini-2024-07-18", "--min-examples", "1", "--ignore", "JG302"]
    if folder == "bedrock":
        return ["--model", test_profile_bedrock.PEER_MODELS[profile], "--ignore", "JG301,JG302"]
    if folder == "mistral":
        pretrain = profile == "mistral-pretrain"
        model = "mistral-7B-v0.3" if pretrain else test_profile_mistral.MODEL
        return ["--model", model, "--profile", profile]
    if folder == "openai-dpo-together":
        return ["--profile", "openai-dpo", "--min-examples", "1"]
    if folder == "together":
        together = ["--model", test_profile_together.MODEL]
        return together if profile == "together-structural" else [*together, "--profile", profile]
    if folder == "vertex":
        return ["--profile", profile, "--ignore", "JG302"]
    raise AssertionError(f"no arguments known for conformance folder {folder!r}")


def _conformance_cases() -> list[Case]:
    # (file, arguments, label): the label (the case's profile, else its model) tells
    # apart the runs of a file that cases.json lists more than once.
    runs: list[tuple[Path, tuple[str, ...], str]] = []
    for cases_file in sorted(CONFORMANCE.rglob("cases.json")):
        folder = cases_file.parent.relative_to(CONFORMANCE).as_posix().replace(".", "")
        for case in json.loads(cases_file.read_text("utf-8")):
            path = cases_file.parent / case["file"]
            if not path.exists():  # some list their files relative to conformance/
                path = CONFORMANCE / case["file"]
            extra = _conformance_args(folder, case)
            runs.append((path, tuple(extra), case.get("profile") or extra[1]))
            if case.get("truncation_model"):  # and with the cookbook's 4,096-token model
                model = case["truncation_model"]
                runs.append((path, ("--model", model, *extra[2:]), model))
    unlisted = sorted(set(CONFORMANCE.rglob("*.jsonl")) - {path for path, _, _ in runs})
    assert not unlisted, f"conformance files in no cases.json: {unlisted}"
    cases: dict[str, Case] = {}
    for path, flags, label in runs:
        stem = path.relative_to(CONFORMANCE).with_suffix("").as_posix().replace("/", "-")
        variants = {args for p, args, _ in runs if p == path}
        suffix = "" if len(variants) == 1 else "--" + re.sub(r"[^A-Za-z0-9_.-]", "_", label)
        case = Case(f"conformance-{stem}{suffix}", ("check", _rel(path), *flags))
        assert cases.get(case.id, case) == case, f"two conformance runs share the id {case.id}"
        cases[case.id] = case
    return list(cases.values())


# -- examples, generated datasets, a few command lines -------------------------------------------


def _example_cases() -> list[Case]:
    return [
        Case(f"examples-{path.stem}", ("check", _rel(path)))
        for path in sorted((ROOT / "examples").glob("*.jsonl"))
    ]


def _generated_profiles() -> list[str]:
    from jsonl_guard.strategies._profiles import example_strategies

    return ["openai-chat", *sorted(example_strategies())]


def _generated_args(profile: str) -> list[str]:
    # As test_profile_properties: the profile's default model, the profile forced.
    return ["--model", _default_model(profile), "--profile", profile]


def _generated_cases() -> list[Case]:
    profiles = _generated_profiles()
    strays = sorted(p.name for p in GENERATED.glob("*.jsonl") if p.stem not in profiles)
    assert not strays, f"generated files of no profile: {strays}"
    return [
        Case(
            f"generated-{profile}",
            ("check", _rel(GENERATED / f"{profile}.jsonl"), *_generated_args(profile)),
        )
        for profile in profiles
    ]


# Inputs recorded in every format too (by case id), and command lines beyond one file.
EVERY_FORMAT = {
    "examples-support-bad",  # the README's tour: every kind of chat finding
    "rules-JG304-bad",  # a training file with its validation file (two files, pair rules)
    "profiles-bedrock-nova-good",  # a clean non-OpenAI file (exit 0)
    "generated-openai-chat",
    "generated-vertex-gemini",
}
EXTRA_CASES = [
    # tests/test_reporters.py's command: two files, a budget, the cost rule.
    Case(
        "cli-two-files-max-cost",
        ("check", "examples/support-bad.jsonl", "examples/tiny.jsonl", "--max-cost", "0.05"),
        EVERY,
    ),
    Case("cli-directory", ("check", "examples")),  # a folder: its *.jsonl, sorted
    Case("cli-missing-file", ("check", "examples/missing.jsonl")),  # an I/O error: exit 2
    Case("cli-strict", ("check", "examples/support-good.jsonl", "--strict")),
    # The README's second command: another model and a budget.
    Case(
        "cli-support-good-model-max-cost",
        ("check", "examples/support-good.jsonl", "--model", "gpt-4o-2024-08-06", "--max-cost", "5"),
    ),
    # Exact open-model counts with a Hugging Face tokenizer.json (needs jsonl-guard[hf]).
    Case(
        "cli-hf-tokenizer",
        (
            "check",
            "tests/fixtures/profiles/trl-prompt-completion/good.jsonl",
            "--tokenizer",
            "tests/fixtures/hf/tokenizer.json",
        ),
        needs="tokenizers",
    ),
]


def all_cases() -> list[Case]:
    cases = [
        *_rule_cases(),
        *_profile_cases(),
        *_conformance_cases(),
        *_example_cases(),
        *_generated_cases(),
    ]
    cases = [Case(c.id, c.args, EVERY) if c.id in EVERY_FORMAT else c for c in cases]
    missing = EVERY_FORMAT - {c.id for c in cases}
    assert not missing, f"EVERY_FORMAT names no case: {sorted(missing)}"
    cases += EXTRA_CASES
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


CASES = all_cases()
RUNS = [(case, output_format) for case in CASES for output_format in case.formats]


# -- running and normalising ---------------------------------------------------------------------

# Machine-specific parts of a report, and only those, are replaced before comparing:
# 1. The tokenizer description names the installed tokenizer library's version
#    ("tiktoken 0.14.0", "tokenizers 0.23.3: tests/fixtures/hf/tokenizer.json ...",
#    "quicktok ..."), in the json/text/summary reports: it changes with the environment.
TOKENIZER_VERSION = re.compile(
    r"\b(tiktoken|quicktok|tokenizers) \d+(?:\.\d+)+[\w.+-]*?(?=[:\"\s),]|$)"
)
# 2. SARIF names the jsonl-guard version in runs[0].tool.driver.version: it changes with
#    each release, not with behaviour.
SARIF_DRIVER_VERSION = re.compile(
    r'("driver": \{\n\s*"name": "jsonl-guard",\n(?:.*\n)*?\s*"version": )"[^"]*"'
)


def normalise(text: str, output_format: str) -> str:
    text = TOKENIZER_VERSION.sub(r"\1 <version>", text)
    if output_format == "sarif":
        text = SARIF_DRIVER_VERSION.sub(r'\1"<version>"', text, count=1)
    return text


@dataclass(frozen=True)
class Run:
    exit_code: int
    output: str  # normalised
    stderr: str


@contextlib.contextmanager
def _isolated(summary: Path | None) -> Iterator[None]:
    """cwd = the repository root; $GITHUB_STEP_SUMMARY set to ``summary`` or unset."""
    cwd, saved = Path.cwd(), os.environ.pop("GITHUB_STEP_SUMMARY", None)
    os.chdir(ROOT)
    if summary is not None:
        os.environ["GITHUB_STEP_SUMMARY"] = str(summary)
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.pop("GITHUB_STEP_SUMMARY", None)
        if saved is not None:
            os.environ["GITHUB_STEP_SUMMARY"] = saved


def run(case: Case, output_format: str) -> Run:
    """Run the case in-process; the output is the report (the step summary for "summary")."""
    from jsonl_guard.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        summary = None
        if output_format == "summary":
            summary = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "summary.md"
        stack.enter_context(_isolated(summary))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = main(case.argv(output_format))
        text = summary.read_text("utf-8") if summary is not None else out.getvalue()
    return Run(code, normalise(text, output_format), err.getvalue())


def expected_exit_codes() -> dict[str, int]:
    codes: dict[str, int] = json.loads(EXIT_CODES.read_text("utf-8"))
    return codes


def write() -> int:
    CONFIGS.mkdir(parents=True, exist_ok=True)
    configs = {f"{code}.toml": rule_config(code) for code in test_rules_table.CODES}
    for stale in {p.name for p in CONFIGS.glob("*.toml")} - set(configs):
        (CONFIGS / stale).unlink()
    for name, text in configs.items():
        if text is not None:
            (CONFIGS / name).write_text(text, encoding="utf-8")
    GOLDEN.mkdir(parents=True, exist_ok=True)
    codes: dict[str, int] = {}
    for case, output_format in RUNS:
        result = run(case, output_format)
        if result.stderr:
            raise AssertionError(f"{case.id} ({output_format}) wrote to stderr:\n{result.stderr}")
        name = case.golden(output_format)
        (GOLDEN / name).write_bytes(result.output.encode("utf-8"))
        codes[name] = result.exit_code
    for stale in {p.name for p in GOLDEN.iterdir()} - set(codes) - {EXIT_CODES.name}:
        (GOLDEN / stale).unlink()
    EXIT_CODES.write_text(json.dumps(codes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(codes)} golden reports of {len(CASES)} cases to {_rel(GOLDEN)}")
    return 0


def check() -> int:
    codes = expected_exit_codes()
    failed = 0
    for case, output_format in RUNS:
        name = case.golden(output_format)
        result = run(case, output_format)
        golden = (GOLDEN / name).read_bytes().decode("utf-8")
        if (result.output, result.exit_code, result.stderr) != (golden, codes[name], ""):
            failed += 1
            print(f"differs: {name}")
    print(f"{len(RUNS) - failed} of {len(RUNS)} golden reports match")
    return 1 if failed else 0


# -- the generated datasets ----------------------------------------------------------------------

GENERATED_SIZES = (20, 40)  # examples per file
CORRUPTED_LINES = 4


def _draw_dataset(profile: str, data: Any) -> tuple[list[bytes], list[tuple[int, str]]]:
    """A dataset of ``profile`` with up to CORRUPTED_LINES lines broken (line, rule code)."""
    from hypothesis import strategies as st

    from jsonl_guard.strategies import Corruption as ChatCorruption
    from jsonl_guard.strategies import (
        chat_datasets,
        corruptions,
        profile_corruptions,
        profile_datasets,
    )

    if profile == "openai-chat":
        examples = data.draw(chat_datasets(*GENERATED_SIZES))
    else:
        examples = data.draw(profile_datasets(profile, *GENERATED_SIZES))
    lines = [json.dumps(e, ensure_ascii=False).encode() for e in examples]
    targets = data.draw(st.permutations(range(len(examples))))[:CORRUPTED_LINES]
    broken: list[tuple[int, str]] = []
    for target in sorted(targets):
        example = examples[target]

        def example_can_take(corruption: ChatCorruption, example: Any = example) -> bool:
            return corruption.applies_to(example)

        if profile == "openai-chat":
            chat: ChatCorruption = data.draw(corruptions().filter(example_can_take))
            line, code = chat(example)
            lines[target] = line.encode()
        else:
            usable = [c for c in profile_corruptions(profile) if c.applies(example)]
            if not usable:
                continue
            corruption = data.draw(st.sampled_from(usable))
            result = corruption.apply(example)
            lines[target] = result if isinstance(result, bytes) else json.dumps(result).encode()
            code = corruption.code
        broken.append((target + 1, code))
    return lines, broken


def generate_datasets() -> int:
    """Draw one dataset per profile, deterministically: seed 0, no example database.

    Hypothesis runs ``draw`` on a few test cases (generation phase only, so nothing
    is shrunk or replayed) and the last one is kept; the first test cases it tries are
    deliberately simple. Same Hypothesis version and strategies -> the same files.
    """
    import hypothesis
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st

    def drawn_for(profile: str) -> tuple[list[bytes], list[tuple[int, str]]]:
        drawn: list[tuple[list[bytes], list[tuple[int, str]]]] = []

        @seed(0)
        @settings(
            database=None,
            max_examples=5,
            phases=[Phase.generate],
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.data())
        def draw(data: Any) -> None:
            drawn.append(_draw_dataset(profile, data))

        draw()
        return drawn[-1]

    GENERATED.mkdir(parents=True, exist_ok=True)
    notes = []
    for profile in _generated_profiles():
        lines, broken = drawn_for(profile)
        (GENERATED / f"{profile}.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
        where = ", ".join(f"{line} {code}" for line, code in broken) or "none"
        notes.append(f"| `{profile}.jsonl` | {len(lines)} | {where} |")
    readme = [
        "# Generated datasets (golden-report inputs)",
        "",
        "One file per profile, drawn once by `python tests/golden_reports.py "
        "--generate-datasets` from the project's Hypothesis strategies "
        "(`jsonl_guard.strategies.chat_datasets` / `profile_datasets`, then "
        "`corruptions` / `profile_corruptions` on a few lines), with `@seed(0)` and no "
        f"example database (Hypothesis {hypothesis.__version__}). They are inputs of "
        "`tests/test_golden_reports.py`: do not edit them by hand; redrawing them changes "
        "the goldens.",
        "",
        "| file | examples | corrupted lines (line, rule the corruption targets) |",
        "| --- | --- | --- |",
        *notes,
    ]
    (GENERATED / "README.md").write_text("\n".join(readme) + "\n", encoding="utf-8")
    print(f"wrote {len(notes)} datasets to {_rel(GENERATED)}")
    return 0


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate the golden reports")
    action.add_argument("--check", action="store_true", help="compare with the goldens")
    action.add_argument("--generate-datasets", action="store_true", help="redraw the inputs")
    args = parser.parse_args(argv)
    if args.generate_datasets:
        return generate_datasets()
    return write() if args.write else check()


if __name__ == "__main__":
    sys.exit(cli())
