"""Benchmark `jsonl-guard convert` against `check` on the same file (issue 12: convert
must run at >= 50% of check's throughput and stream in flat memory).

Run from the repository root:

    python benchmarks/bench_convert.py                    # 10k examples
    python benchmarks/bench_convert.py --examples 100000 --to vertex-gemini

It reuses bench_check.py's deterministic synthetic chat SFT file under
benchmarks/data/, then times, each in a fresh forked child (peak RSS per run):
``check`` of the source (openai-chat, one process) and ``convert`` to the target
(which reads, converts, writes a temporary file and checks it with the target).
Not a timed test: compare the ratio, not absolute times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import ROOT, generate, measure


def _check(path: Path) -> int:
    from jsonl_guard import Checker

    return Checker().check_path(path).examples


def _convert(to: str) -> Callable[[Path], int]:
    def run(path: Path) -> int:
        from jsonl_guard import convert

        with tempfile.TemporaryDirectory(dir=path.parent) as folder:
            result = convert(path, Path(folder) / "out.jsonl", to=to, skip_invalid=True)
        return result.examples

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--to", default="vertex-gemini")
    args = parser.parse_args(argv)
    path = ROOT / "benchmarks" / "data" / f"chat-{args.examples}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(path, args.examples)
    check_seconds, _, check_rss = measure(_check, path)
    convert_seconds, _, convert_rss = measure(_convert(args.to), path)
    print(f"check   {check_seconds:7.2f} s  peak RSS {check_rss / 1024:7.1f} MB")
    print(
        f"convert {convert_seconds:7.2f} s  peak RSS {convert_rss / 1024:7.1f} MB  (-> {args.to})"
    )
    print(f"convert throughput = {check_seconds / convert_seconds:.0%} of check's")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
