"""Shared test data builders (imported by tests as ``helpers``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def example(i: int = 0, **extra: object) -> dict[str, object]:
    """A small valid example; ``i`` makes it distinct from its neighbours."""
    return {
        "messages": [
            {"role": "system", "content": "You are Spokewise's support assistant."},
            {"role": "user", "content": f"Where is my order SW-{100000 + i}?"},
            {"role": "assistant", "content": f"Order SW-{100000 + i} ships today."},
        ],
        **extra,
    }


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def peer_cases(profile_prefix: str) -> list[dict[str, object]]:
    """The disagreements with a provider's own validator found by the differential run
    (tests/fixtures/peers/cases.json), for the profiles whose name starts so."""
    cases = json.loads((FIXTURES / "peers" / "cases.json").read_text("utf-8"))
    return [case for case in cases if case["profile"].startswith(profile_prefix)]


def assert_peer_case(case: dict[str, object]) -> None:
    """jsonl-guard's verdict on a peer case: exactly the recorded error and warning codes,
    and an error exactly when the peer judges the file invalid (tests/peers/ re-checks
    the peer's verdict)."""
    from jsonl_guard import CheckOptions, check_path
    from jsonl_guard.engine.diagnostics import Severity

    options = CheckOptions(
        model=str(case["model"]),
        profile=str(case["profile"]),
        model_source="cli",
        ignore=("JG301", "JG302"),
    )
    report = check_path(FIXTURES / "peers" / str(case["file"]), options)
    found = {
        severity: sorted({d.code for d in report.diagnostics if d.severity is severity})
        for severity in (Severity.ERROR, Severity.WARNING)
    }
    assert found[Severity.ERROR] == sorted(case["errors"]), case["why"]  # type: ignore[call-overload]
    assert found[Severity.WARNING] == sorted(case["warnings"])  # type: ignore[call-overload]
    assert bool(case["errors"]) == (case["peer_verdict"] == "invalid")


def run_finetune(capsys: Any, *argv: str) -> tuple[int, str]:
    """``jsonl-guard finetune ARGV`` in this process: its exit code and everything it
    printed (finetune talks on stdout and stderr alike)."""
    from jsonl_guard.cli import main

    code = main(["finetune", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def near_duplicate_lines(count: int = 40, seed: int = 1) -> tuple[list[bytes], list[int]]:
    """``count`` distinct conversations of made-up words, then a copy of lines 2 and 5
    with one word of the reply changed each (near-duplicates, JG314), as lines of a
    file; and the line numbers of the two rewordings."""
    import random

    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "de", "fu", "go"]

    def text(low: int, high: int) -> str:
        words = ("".join(rng.choices(syllables, k=rng.randint(1, 3))) for _ in range(high))
        return " ".join(list(words)[: rng.randint(low, high)])

    rows = [
        {"messages": [{"role": "user", "content": text(8, 20)},
                      {"role": "assistant", "content": text(40, 90)}]}
        for _ in range(count)
    ]  # fmt: skip
    for source in (1, 4):
        reply = rows[source]["messages"][1]["content"].split()
        reply[len(reply) // 2] = "changed"
        rows.append({"messages": [rows[source]["messages"][0], {"role": "assistant",
                                                                "content": " ".join(reply)}]})  # fmt: skip
    return [json.dumps(row).encode() + b"\n" for row in rows], [count + 1, count + 2]


_SIMILAR_TO = re.compile(r"similar to line (\d+)$")


def true_near_duplicate(lines: list[bytes], line: int, message: str) -> bool:
    """Whether a JG314 finding at ``line`` (1-based) names an earlier line whose
    conversation really is as similar as the default threshold: the exact Jaccard
    similarity of the two shingle sets, computed from the Python definitions (the
    sketch only estimates it). A generated dataset may hold true near-duplicates
    (Hypothesis reuses strings); a "clean" property accepts those and no other."""
    from jsonl_guard.engine.conversation_text import conversation_text
    from jsonl_guard.engine.minhash import shingles
    from jsonl_guard.engine.options import DEFAULT_NEAR_DUPLICATE_THRESHOLD

    match = _SIMILAR_TO.search(message)
    if match is None:
        return False
    mine, theirs = (
        set(shingles(conversation_text(json.loads(lines[n - 1]))))
        for n in (line, int(match.group(1)))
    )
    union = mine | theirs
    return bool(union) and len(mine & theirs) / len(union) >= DEFAULT_NEAR_DUPLICATE_THRESHOLD


def vector_texts() -> Any:
    """A Hypothesis strategy of long texts made of the bytes the C twins' vector loops
    (``_c/compact.h``) decide on: each side of every range they test (A-Z, a-z, 0-9,
    the whitespace 9-13 and 32), controls, DEL, Latin-1 letters and a character above
    Latin-1 now and then, in runs longer than a block of 16 and than a 2048-byte chunk."""
    from hypothesis import strategies as st

    edges = "@AZ[`az{/09:\x08\t\n\x0b\x0c\r\x0e\x1f !~\x7f\x80\x85\xa0\xc0\xdf\xe9\xff"
    common = st.sampled_from(list(edges.encode().decode("unicode_escape")))
    rare = st.sampled_from(["\u0100", "\u20ac", "\U0001f600"])
    characters = st.one_of(common, common, common, common, common, common, common, rare)
    short = st.lists(characters, max_size=80).map("".join)
    # Drawn short, then repeated: drawing 2,000 characters one by one is slow.
    long = st.tuples(short, st.integers(2000, 2300)).map(lambda t: (t[0] * 2300)[: t[1]])
    return st.one_of(short, short, short, long)


def skip_without_twin(name: str) -> None:
    """At a native test module's top: skip it where no C compiler is (the Python
    reference runs alone there); where one is, the twin must have been built, which
    ``native_twin`` then checks in every test."""
    import shutil

    import pytest

    if not shutil.which("cc"):
        pytest.importorskip(name)


def native_twin(name: str) -> Any:
    """The built C twin ``name`` (e.g. ``jsonl_guard.engine._chat``): importing it fails
    the test where it was not built, and it must be the compiled extension for this
    interpreter, not a stray or stale file."""
    import importlib
    import sysconfig

    module = importlib.import_module(name)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert Path(module.__file__).name == name.rsplit(".", 1)[1] + suffix, module.__file__
    return module


def after_ctrl_c(process: Any) -> tuple[int, str]:
    """(exit code, standard error) of a ``subprocess.Popen`` sent SIGINT: it must end
    within 30 s, or its whole session is killed and the test fails as a hang."""
    import os
    import signal
    import subprocess

    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError("the check hung after Ctrl-C") from None
    return process.returncode, err.decode()


def git(repo: Path, *argv: str) -> str:
    """Run git in ``repo`` with a fixed identity and no user or system config; its output."""
    import os
    import subprocess

    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = subprocess.run(
        ["git", *argv], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


DocStep = tuple[list[tuple[list[str], int]], list[str]]


def assert_doc_steps(steps: list[DocStep], run: Callable[[list[str]], int], capsys: Any) -> None:
    """Each step's commands end with the exit its page names, and together print every
    line of the page's output block (``run``: argv -> exit code, output to capsys)."""
    for commands, shown in steps:
        printed = ""
        for argv, code in commands:
            assert run(argv) == code, argv
            captured = capsys.readouterr()
            printed += captured.out + captured.err
        lines = [line.strip() for line in printed.splitlines()]
        for line in shown:
            assert line.strip() in lines, (commands, line)


def doc_steps(page: Path, comment: str = "#") -> list[DocStep]:
    """Each ``sh`` block of a docs page: its ``jsonl-guard`` commands (argv, the exit a
    ``# exit N`` comment names, else 0; ``\\`` continues a line) and the lines of the
    ``text`` block right after it (none when prose stands between them)."""
    import re
    import shlex

    text = page.read_text("utf-8")
    blocks = list(re.finditer(r"```(sh|text)\n(.*?)```", text, re.S))
    steps: list[DocStep] = []
    for index, block in enumerate(blocks):
        if block.group(1) != "sh":
            continue
        commands = []
        for line in block.group(2).replace("\\\n", " ").splitlines():
            command, _, remark = line.partition(comment)
            if not command.strip():
                continue
            program, *argv = shlex.split(command)
            assert program == "jsonl-guard", line
            code = re.match(r"\s*exit (\d+)", remark)
            commands.append((argv, int(code.group(1)) if code else 0))
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        between = text[block.end() : after.start()] if after else ""
        shown = after.group(2).splitlines() if after and after.group(1) == "text" else []
        steps.append((commands, shown if not between.strip() else []))
    return steps


def shipped_examples() -> Iterator[tuple[bytes, object]]:
    """(line, its JSON value) of every line of the shipped examples and test fixtures
    that decodes: real data for tests that hold two implementations equal."""
    for path in [*EXAMPLES.glob("*.jsonl"), *ROOT.glob("tests/**/*.jsonl")]:
        for raw in path.read_bytes().splitlines():
            try:
                yield raw, msgspec.json.decode(raw)
            except (msgspec.DecodeError, RecursionError):
                continue
