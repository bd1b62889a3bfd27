"""CPU time a line of ``Checker.check_path`` in one process, this checkout against another.

Wall time on a shared 2-core machine moves with the other jobs; the CPU time of the
check itself (``time.process_time`` in the child, around ``check_path`` only, after a
warm-up that loads the vocab) moves much less. Each round runs every variant once, in
forked children, one after the other, so a slow minute hits all of them; the best
round of each is printed. Run from the repository root:

    python benchmarks/bench_cpu.py /tmp/chat-20k.jsonl --rounds 5 --baseline ../base/src

``--baseline SRC`` adds the variants run from another checkout's ``src`` (e.g.
``git archive <commit> src | tar -x -C ../base``). Each variant runs with every rule
on (``all``) and with the quality rules ignored (``noq``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forked import in_child

QUALITY = ("JG208", "JG228", "JG229", "JG280", "JG281", "JG311", "JG312", "JG313", "JG314", "JG315")
WARM_UP = b'{"messages": [{"role": "user", "content": "hi"}]}\n'


def _child(path: Path, src: str | None, ignore: tuple[str, ...], tokenizer: str) -> float:
    """CPU seconds of one check of ``path`` (run in a forked child)."""
    if src is not None:  # the child imports nothing of jsonl_guard before this
        sys.path.insert(0, src)
    from jsonl_guard import Checker, CheckOptions

    checker = Checker(CheckOptions(tokenizer=tokenizer, ignore=ignore))
    warm = path.with_name(f".warm-{os.getpid()}.jsonl")
    warm.write_bytes(WARM_UP)
    try:
        checker.check_path(warm, jobs=1)
    finally:
        warm.unlink()
    start = time.process_time()
    checker.check_path(path, jobs=1)
    return time.process_time() - start


def measure(path: Path, src: str | None, ignore: tuple[str, ...], tokenizer: str) -> float:
    name = f"the child for {src or 'this checkout'}"
    return float(in_child(_child, path, src, ignore, tokenizer, name=name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="another checkout's src folder")
    parser.add_argument("--tokenizer", default="tiktoken")
    args = parser.parse_args()
    with args.path.open("rb") as file:
        lines = sum(1 for _ in file)
    sources: dict[str, str | None] = {"new": None}
    if args.baseline:
        sources["base"] = args.baseline
    variants = [
        (f"{name} {config}", src, ignore)
        for config, ignore in (("all", ()), ("noq", QUALITY))
        for name, src in sources.items()
    ]
    best = dict.fromkeys((name for name, _, _ in variants), float("inf"))
    for round_ in range(args.rounds):
        for name, src, ignore in variants:
            seconds = measure(args.path, src, ignore, args.tokenizer)
            best[name] = min(best[name], seconds)
            print(f"round {round_ + 1} {name:10s} {seconds / lines * 1e6:8.2f} us/line", flush=True)
    print(f"{args.path.name}: {lines:,} lines, {args.tokenizer}, best of {args.rounds} round(s)")
    for name, seconds in best.items():
        print(f"{name:10s} {seconds / lines * 1e6:8.2f} us/line")
    if args.baseline:
        for config in ("all", "noq"):
            saved = (best[f"base {config}"] - best[f"new {config}"]) / lines * 1e6
            print(f"{config}: {saved:+.2f} us/line saved")


if __name__ == "__main__":
    main()
