"""CPU time of the line path's stages, and of the whole line check with the typed path
(``engine/typed.py``) on and off, in one process.

Two measures, both ``time.process_time`` (other jobs on a shared machine move wall time
far more than CPU time), best of ``--rounds``:

1. Each stage alone over the same lines: the full path's parse (``parse_line``), schema
   pass and feature scan, and the typed path's parse and feature test.
2. ``LineChecker.check`` with the typed path on and off (the same rules, tokenizer and
   caches), in alternating batches of 250 lines so a slow moment hits both; with every
   rule on (``all``) and the quality rules ignored (``noq``).

Run from the repository root on a plain chat file (e.g. the first 20,000 lines of the
benchmark's ``chat-100000.jsonl``)::

    python benchmarks/bench_stages.py /tmp/chat-20k.jsonl --lines 5000 --rounds 7
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from jsonl_guard import Checker, CheckOptions
from jsonl_guard.engine.gating import example_features, plain_chat_features
from jsonl_guard.engine.parse import encode_sorted, parse_line
from jsonl_guard.engine.schema import schema_findings
from jsonl_guard.engine.typed import parse_plain, typed_decoder

QUALITY = ("JG208", "JG228", "JG229", "JG280", "JG281", "JG311", "JG312", "JG313", "JG314", "JG315")
BATCH = 250
FORMAT = "openai-chat"


def _best(stages: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    best = dict.fromkeys(stages, float("inf"))
    for _ in range(rounds):
        for name, stage in stages.items():
            start = time.process_time()
            stage()
            best[name] = min(best[name], time.process_time() - start)
    return best


def stages(lines: list[bytes], rounds: int) -> dict[str, float]:
    parsed = [parse_line(raw, 1, []) for raw in lines]
    values = [p.value for p in parsed if p is not None]
    canonicals = [encode_sorted(value) for value in values]
    decode = typed_decoder(FORMAT)
    assert decode is not None and len(values) == len(lines)
    return _best(
        {
            "full: parse": lambda: [parse_line(raw, 1, []) for raw in lines],
            "full: schema": lambda: [schema_findings(value, FORMAT) for value in values],
            "full: features": lambda: [
                example_features(v, c) for v, c in zip(values, canonicals, strict=True)
            ],
            "typed: parse": lambda: [parse_plain(raw, decode) for raw in lines],
            "typed: features": lambda: [plain_chat_features(c) for c in canonicals],
            "both: digest": lambda: [hashlib.sha256(c).digest() for c in canonicals],
        },
        rounds,
    )


def line_checks(lines: list[bytes], rounds: int, ignore: tuple[str, ...]) -> dict[str, float]:
    run = Checker(CheckOptions(tokenizer="tiktoken", ignore=ignore)).open()
    run.detect_from(lines[:1])
    typed = run.line_checker
    full = typed.variant(typed=False)
    checkers = {"typed": typed, "full": full}
    for raw in lines[:BATCH]:  # warm the tokenizer's caches for both
        typed.check(raw, 2)
        full.check(raw, 2)
    best = dict.fromkeys(checkers, float("inf"))
    for _ in range(rounds):
        total = dict.fromkeys(checkers, 0.0)
        for index, start in enumerate(range(0, len(lines), BATCH)):
            batch = lines[start : start + BATCH]
            for name in sorted(checkers, reverse=bool(index % 2)):
                checker, begin = checkers[name], time.process_time()
                for raw in batch:
                    checker.check(raw, 2)
                total[name] += time.process_time() - begin
        best = {name: min(best[name], total[name]) for name in best}
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with args.path.open("rb") as file:
        lines = [raw.rstrip(b"\r\n") for raw, _ in zip(file, range(args.lines), strict=False)]
    per_line = 1e6 / len(lines)
    print(f"{args.path.name}: {len(lines):,} lines, best of {args.rounds} round(s), us a line")
    for name, seconds in stages(lines, args.rounds).items():
        print(f"  {name:18s} {seconds * per_line:8.2f}")
    for config, ignore in (("all", ()), ("noq", QUALITY)):
        best = line_checks(lines, args.rounds, ignore)
        saved = (best["full"] - best["typed"]) * per_line
        print(
            f"  check {config}: full {best['full'] * per_line:.2f}, "
            f"typed {best['typed'] * per_line:.2f}, saved {saved:.2f}"
        )


if __name__ == "__main__":
    main()
