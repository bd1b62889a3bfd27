"""Compare ``jsonl-guard check --format json`` byte for byte: this checkout against another.

A change on the hot path must not change a report. Each checkout runs in a child
process of its own (``jsonl_guard.cli.main`` in-process, cwd = the repository root),
over the same files, and the reports and exit codes are compared. Run from the
repository root, with the other checkout's ``src`` (``git archive <commit> src | tar
-x -C ../base``):

    python benchmarks/same_reports.py --baseline ../base/src                # every fixture
    python benchmarks/same_reports.py --baseline ../base/src benchmarks/data/chat-100000.jsonl

Without paths: every ``*.jsonl*`` file under ``examples/`` and ``tests/fixtures/``.
Exit status 1 when any report differs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forked import in_child

ROOT = Path(__file__).resolve().parent.parent


def _reports(src: str, paths: list[str], extra: list[str]) -> list[tuple[int, str]]:
    """(exit code, JSON report) for each path, with ``src``'s jsonl_guard (in a child)."""
    sys.path.insert(0, src)  # the child has imported nothing of jsonl_guard yet
    from jsonl_guard.cli import main

    results = []
    for path in paths:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["check", "--format", "json", *extra, path])
        results.append((code, out.getvalue()))
    return results


def reports(src: str, paths: list[str], extra: list[str]) -> list[tuple[int, str]]:
    """``_reports`` in a child of its own (two checkouts cannot share a process)."""
    found = in_child(_reports, src, paths, extra, name=f"the child for {src}")
    return [(code, text) for code, text in found]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--baseline", required=True, help="another checkout's src folder")
    parser.add_argument("--args", default="", help="more check arguments, space-separated")
    args = parser.parse_args()
    os.chdir(ROOT)
    paths = args.paths or sorted(
        str(p.relative_to(ROOT))
        for folder in ("examples", "tests/fixtures")
        for p in (ROOT / folder).rglob("*.jsonl*")
        if p.is_file()
    )
    extra = args.args.split()
    new = reports(str(ROOT / "src"), paths, extra)
    base = reports(args.baseline, paths, extra)
    different = [path for path, a, b in zip(paths, new, base, strict=True) if a != b]
    for path in different:
        print(f"DIFFERENT: {path}")
    findings = sum(text.count('"code"') for _, text in new)
    print(
        f"{len(paths) - len(different)} of {len(paths)} reports identical "
        f"({sum(len(t) for _, t in new):,} bytes of JSON, {findings:,} findings)"
    )
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
