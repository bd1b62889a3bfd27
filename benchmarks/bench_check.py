"""Benchmark `jsonl-guard check` against the OpenAI cookbook's data-prep flow.

Run from the repository root:

    python benchmarks/bench_check.py                 # 10k examples (~27 MB)
    python benchmarks/bench_check.py --examples 100000 --rounds 3
    python benchmarks/bench_check.py --examples 800000 --only "jg quicktok"  # 2.2 GB

It generates a deterministic synthetic chat SFT file under benchmarks/data/,
then runs, each in a fresh forked child (so peak RSS is per variant):

* ``cookbook``: load the whole file, the notebook's format checks, per-message
  token counting, the epoch heuristic (written from the notebook's description;
  with the same o200k encoding so counts are comparable);
* ``ceiling TOKENIZER``: only parse and encode every message text, on every core,
  with tiktoken and with quicktok (the ceiling for any exact counter built on that
  tokenizer on this machine); each jsonl-guard run is compared with its own;
* ``jg TOKENIZER -jN``: ``Checker().check_path`` with all rules on, with tiktoken in
  one process and in forked workers over byte ranges (N = every core), and with
  the optional quicktok tokenizer (``pip install "jsonl-guard[fast]"``);
* ``base TOKENIZER -jN`` (with ``--baseline SRC``): the same, from another checkout,
  e.g. ``git worktree add ../base v0.1.0`` then ``--baseline ../base/src``, so a
  change is measured against what it replaces in one run, round-robin;
* ``ign TOKENIZER -jN`` (with ``--ignore CODES``): the same with those rules ignored,
  e.g. ``--ignore JG314,JG315``, so a rule's cost is measured in the same run (the
  ratio of each ``jg`` run to its ``ign`` run is printed at the end).

Ratios are to the cookbook run of the same invocation: compare ratios, not
absolute times across machines or days.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "the bike chain gear wheel brake cable saddle pedal order ship return size frame "
    "la bicicleta cadena rueda freno pedido envío talla cuadro sillín manillar "
    "please thanks today tomorrow warehouse stock refund warranty tubeless sealant"
).split()


# The tools of a tools-heavy file (--tools): every example defines them and calls one.
TOOL_NAMES = ("track_order", "refund_order", "book_service")
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name.replace('_', ' ')} for a customer",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string"},
                    "speed": {"enum": ["standard", "express"]},
                    "quantity": {"type": "integer", "minimum": 1},
                },
                "required": ["order_id"],
            },
        },
    }
    for name in TOOL_NAMES
]


def _tool_turns(rng: random.Random, i: int) -> list[dict[str, object]]:
    """A call of one of ``TOOLS`` with valid arguments, and its answer."""
    name = rng.choice(TOOL_NAMES)
    arguments = {"order_id": f"SW-{i}", "speed": rng.choice(["standard", "express"])}
    call = {"id": f"call_{i}", "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}  # fmt: skip
    return [
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"call_{i}", "content": "done"},
    ]


def generate(path: Path, examples: int, seed: int = 7, *, tools: bool = False) -> None:
    rng = random.Random(seed)

    def text(low: int, high: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize()

    with path.open("w", encoding="utf-8") as out:
        for i in range(examples):
            messages = [{"role": "system", "content": "You are Spokewise's support assistant."}]
            for _ in range(rng.randint(1, 3)):
                messages.append({"role": "user", "content": f"#{i} " + text(5, 60)})
                if tools:
                    messages += _tool_turns(rng, i)
                messages.append({"role": "assistant", "content": text(10, 300)})
            example = {"tools": TOOLS, "messages": messages} if tools else {"messages": messages}
            out.write(json.dumps(example, ensure_ascii=False) + "\n")


def cookbook_flow(path: Path) -> int:
    import tiktoken  # noqa: F401 - loaded the same way jsonl-guard loads it

    from jsonl_guard.tokens.encodings import load_encoding

    encoding = load_encoding("o200k_base")
    with path.open(encoding="utf-8") as stream:
        dataset = [json.loads(line) for line in stream]
    errors: dict[str, int] = {}
    for ex in dataset:
        if not isinstance(ex, dict):
            errors["data_type"] = errors.get("data_type", 0) + 1
            continue
        messages = ex.get("messages")
        if not messages:
            errors["missing_messages_list"] = errors.get("missing_messages_list", 0) + 1
            continue
        for message in messages:
            if "role" not in message or "content" not in message:
                errors["message_missing_key"] = errors.get("message_missing_key", 0) + 1
            if message.get("role") not in ("system", "user", "assistant", "function"):
                errors["unrecognized_role"] = errors.get("unrecognized_role", 0) + 1
    totals, assistant = [], []
    for ex in dataset:
        count = 3
        for message in ex["messages"]:
            count += 3
            for key, value in message.items():
                count += len(encoding.encode(value))
                if key == "name":
                    count += 1
        totals.append(count)
        assistant.append(
            sum(
                len(encoding.encode(m["content"]))
                for m in ex["messages"]
                if m["role"] == "assistant"
            )
        )
    n = len(dataset)
    epochs = 3
    if n * 3 < 100:
        epochs = min(25, 100 // n)
    elif n * 3 > 25000:
        epochs = max(1, 25000 // n)
    return epochs * sum(min(65536, t) for t in totals)


def _counter(tokenizer: str) -> Callable[[str], int]:
    if tokenizer == "quicktok":
        import quicktok

        count: Callable[[str], int] = quicktok.get_encoding("o200k_base").count
        return count
    from jsonl_guard.tokens.encodings import load_encoding

    encoding = load_encoding("o200k_base")
    return lambda text: len(encoding.encode_ordinary(text))


_CEILING_COUNT: Callable[[str], int] | None = None


def _encode_range(task: tuple[str, int, int]) -> int:
    from jsonl_guard.engine.parallel import range_lines

    assert _CEILING_COUNT is not None
    count, total = _CEILING_COUNT, 0
    for line in range_lines(Path(task[0]), task[1], task[2]):
        example = json.loads(line)
        for message in example["messages"]:
            content = message.get("content")
            if isinstance(content, str):
                total += count(content)
            for call in message.get("tool_calls") or ():  # a --tools file's calls
                total += count(call["function"]["name"]) + count(call["function"]["arguments"])
        if "tools" in example:  # and its definitions, as the chat formula counts them
            total += count(json.dumps(example["tools"], sort_keys=True, separators=(",", ":")))
    return total


def tokenizer_only(tokenizer: str) -> Callable[[Path], int]:
    """The ceiling: parse and encode every message text on every core, nothing else."""

    def run(path: Path) -> int:
        import multiprocessing

        from jsonl_guard.engine.parallel import byte_ranges, range_count

        global _CEILING_COUNT
        _CEILING_COUNT = _counter(tokenizer)  # once, before forking, as jsonl-guard does
        cores = os.cpu_count() or 1
        # The same ranges as jsonl-guard's, so the ceiling's tail is as short.
        ranges = byte_ranges(path, range_count(path.stat().st_size, cores))
        tasks = [(str(path), a, b) for a, b in ranges]
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            return sum(pool.map(_encode_range, tasks))

    return run


def _use_checkout(src: str) -> None:
    """Import jsonl_guard from another checkout's ``src`` (in a forked child only)."""
    for name in [m for m in sys.modules if m == "jsonl_guard" or m.startswith("jsonl_guard.")]:
        del sys.modules[name]
    sys.path.insert(0, src)


def jsonl_guard(
    tokenizer: str, jobs: int, src: str | None = None, ignore: tuple[str, ...] = ()
) -> Callable[[Path], int]:
    def run(path: Path) -> int:
        if src is not None:
            _use_checkout(src)
        from jsonl_guard import Checker, CheckOptions

        options = CheckOptions(tokenizer=tokenizer, ignore=ignore)
        report = Checker(options).check_path(path, jobs=jobs)
        assert report.cost is not None
        return report.cost.billed_tokens

    run.__name__ = f"jsonl-guard {tokenizer} -j{jobs}"
    return run


def measure(
    variant: Callable[[Path], int], path: Path, cpu: list[float] | None = None
) -> tuple[float, int, int]:
    """Run ``variant`` in a forked child; return wall seconds, result, peak RSS (KiB).
    ``cpu`` gets the child's CPU seconds (its workers' too): on a shared machine the
    other jobs inflate wall time, much less the CPU time of the work itself."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        start = time.perf_counter()
        result = variant(path)
        elapsed = time.perf_counter() - start
        os.write(write, json.dumps([elapsed, result]).encode())
        os._exit(0)
    os.close(write)
    payload = b""
    while chunk := os.read(read, 65536):
        payload += chunk
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise SystemExit(f"{variant.__name__} failed")
    if cpu is not None:  # the child's own rusage leaves out its reaped workers
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    elapsed, result = json.loads(payload)
    return elapsed, result, usage.ru_maxrss


def _variants(
    cores: int, baseline: str | None = None, ignore: tuple[str, ...] = ()
) -> list[tuple[str, Callable[[Path], int], str]]:
    """(name, variant, tokenizer whose ceiling it is measured against); with ``baseline``
    (another checkout's src folder) each jsonl-guard variant also runs from there, with
    ``ignore`` (rule codes) also with those rules off ('ign ...')."""
    checks = [("tiktoken", 1), ("tiktoken", cores), ("quicktok", cores)]
    variants = [
        ("cookbook", cookbook_flow, ""),
        ("ceiling tiktoken", tokenizer_only("tiktoken"), "tiktoken"),
        ("ceiling quicktok", tokenizer_only("quicktok"), "quicktok"),
    ]
    for tokenizer, jobs in checks:
        variants.append((f"jg {tokenizer} -j{jobs}", jsonl_guard(tokenizer, jobs), tokenizer))
        if ignore:
            run = jsonl_guard(tokenizer, jobs, ignore=ignore)
            variants.append((f"ign {tokenizer} -j{jobs}", run, tokenizer))
        if baseline is not None:
            run = jsonl_guard(tokenizer, jobs, baseline)
            variants.append((f"base {tokenizer} -j{jobs}", run, tokenizer))
    return variants


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every variant this many times, round-robin; report each one's fastest",
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only variants whose name has one of these"
    )
    parser.add_argument(
        "--baseline",
        metavar="SRC",
        help="also run each jsonl-guard variant from this checkout's src folder ('base ...'), "
        "e.g. a git worktree of the last release, to compare in the same run",
    )
    parser.add_argument(
        "--ignore",
        metavar="CODES",
        default="",
        help="also run each jsonl-guard variant with these rules ignored ('ign ...'), "
        "e.g. JG280,JG281, to measure what they cost in the same run",
    )
    parser.add_argument(
        "--tools",
        action="store_true",
        help="a tools-heavy file: every example defines three tools and calls one per turn",
    )
    args = parser.parse_args(argv)
    ignore = tuple(code.strip() for code in args.ignore.split(",") if code.strip())
    data = ROOT / "benchmarks" / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"chat-{'tools-' if args.tools else ''}{args.examples}.jsonl"
    if not path.exists():
        generate(path, args.examples, tools=args.tools)
    size_mb = path.stat().st_size / 1e6
    print(f"{path.name}: {args.examples:,} examples, {size_mb:,.1f} MB; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"best of {args.rounds} round(s)")  # fmt: skip
    variants = [
        v
        for v in _variants(os.cpu_count() or 1, args.baseline, ignore)
        if not args.only or any(o in v[0] for o in args.only)
        # The notebook counts every message value as text, so a tool call's list fails it.
        if not (args.tools and v[0] == "cookbook")
    ]
    # Round-robin, so a machine that slows down for a while slows every variant alike.
    runs: dict[str, list[tuple[float, int, int]]] = {name: [] for name, _, _ in variants}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for _ in range(args.rounds):
        for name, variant, _ in variants:
            runs[name].append(measure(variant, path, cpu[name]))
    rows = [
        (name, min(r[0] for r in runs[name]), runs[name][0][1], max(r[2] for r in runs[name]), tok)
        for name, _, tok in variants
    ]
    baseline = next((row[1] for row in rows if row[0] == "cookbook"), None)
    ceilings = {row[4]: row[1] for row in rows if row[0].startswith("ceiling")}
    header = ("variant", "wall s", "MB/s", "peak RSS MB", "x cookbook", "of ceiling")
    print(f"{header[0]:<18}" + "".join(f"{h:>12}" for h in header[1:]))
    for name, wall, _, rss, tokenizer in rows:
        ratio = f"{wall / baseline:.2f}" if baseline else ""
        share = f"{ceilings[tokenizer] / wall:.0%}" if tokenizer in ceilings else ""
        print(f"{name:<18}{wall:>12.2f}{size_mb / wall:>12.1f}{rss / 1024:>12.0f}"
              f"{ratio:>12}{share:>12}")  # fmt: skip
    billed = ", ".join(f"{row[0]} {row[2]:,}" for row in rows if not row[0].startswith("ceiling"))
    print(f"billed tokens: {billed}")
    print("of ceiling: the tokenizer-only run with the same tokenizer and cores, over this run")
    walls = {row[0]: row[1] for row in rows}
    # Each jg run and its ign twin (--ignore), compared in wall time and in CPU time.
    pairs = [(name, "ign" + name[2:]) for name in walls if name.startswith("jg ")]
    pairs = [(on, off) for on, off in pairs if off in walls]
    if pairs:
        costs = [f"{on} {walls[on] / walls[off]:.3f}x" for on, off in pairs]
        print(f"with {','.join(ignore)} on / ignored: " + ", ".join(costs))
        best = {name: min(seconds) for name, seconds in cpu.items()}
        cpu_costs = [
            f"{on} {best[on]:.1f} / {best[off]:.1f} CPU s = {best[on] / best[off]:.3f}x"
            for on, off in pairs
        ]
        print("in CPU time (fastest of each, workers included): " + ", ".join(cpu_costs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
