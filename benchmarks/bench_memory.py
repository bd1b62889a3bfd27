"""Peak memory of `jsonl-guard check` over its whole process tree.

Run from the repository root:

    python benchmarks/bench_memory.py                          # the 100k file (~274 MB)
    python benchmarks/bench_memory.py --examples 800000 --only "quicktok -j2"
    python benchmarks/bench_memory.py --baseline ../base/src   # the old checkout too
    python benchmarks/bench_memory.py --first examples/support-good.jsonl --tokenizers auto

Each variant runs ``python -m jsonl_guard check FILE --tokenizer T --jobs N --format
json`` in a child process (every rule on, unless ``--ignore``) and samples, every
``--interval`` seconds, every process of the tree under it: the check itself, its
forked ``--jobs`` workers and quicktok's verifier process. It reports:

* ``peak PSS``: the largest sum of the tree's proportional set sizes
  (/proc/PID/smaps_rollup). A page shared by n processes counts 1/n in each, so the
  sum is what the tree costs the machine: forked workers share the parent's pages
  copy-on-write until either side writes to them;
* ``peak RSS``: the largest sum of resident sets, which counts each shared page once
  per process that maps it (an upper bound, what a naive ``ps`` sum shows);
* ``max HWM``: the largest single process's high-water mark (VmHWM, exact: the
  kernel keeps it), so a spike between two samples still shows in one process;
* ``CPU s``: user + system time of the tree (the reaped workers included), which
  another job on the machine inflates far less than wall time;
* ``report``: a hash of the JSON report, equal for the runs of one tokenizer (the
  report names the tokenizer) whatever ``--jobs`` is and whichever checkout ran it.

The budget is 150 MB of ``peak PSS`` (issue 17). psutil is not needed: /proc is read
directly (Linux only).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUALITY_RULES = "JG208,JG228,JG229,JG280,JG281,JG311,JG312,JG313,JG314,JG315"


@dataclass
class Peak:
    pss_kib: int = 0
    rss_kib: int = 0
    hwm_kib: int = 0
    processes: int = 0
    # (seconds since the start, the tree's PSS in KiB) of every sample, for --timeline.
    timeline: list[tuple[float, int]] = field(default_factory=list)


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name may hold spaces and parentheses: split after the last ')'.
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # exited between the listing and the read
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _tree(root: int) -> list[int]:
    tree, found, stack = _children(), [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += tree.get(pid, [])
    return found


def _kib(path: str, keys: tuple[bytes, ...]) -> dict[bytes, int]:
    values: dict[bytes, int] = {}
    try:
        text = Path(path).read_bytes()
    except OSError:
        return values  # the process ended
    for line in text.splitlines():
        key = line.split(b":", 1)[0]
        if key in keys:
            values[key] = int(line.split()[1])
    return values


def sample(root: int, peak: Peak, at: float) -> None:
    """Add one sample of the tree under ``root``, ``at`` seconds in, to ``peak``."""
    pss = rss = 0
    pids = _tree(root)
    for pid in pids:
        rollup = _kib(f"/proc/{pid}/smaps_rollup", (b"Pss", b"Rss"))
        pss += rollup.get(b"Pss", 0)
        rss += rollup.get(b"Rss", 0)
        status = _kib(f"/proc/{pid}/status", (b"VmHWM",))
        peak.hwm_kib = max(peak.hwm_kib, status.get(b"VmHWM", 0))
    peak.pss_kib, peak.rss_kib = max(peak.pss_kib, pss), max(peak.rss_kib, rss)
    peak.processes = max(peak.processes, len(pids))
    peak.timeline.append((at, pss))


@dataclass
class Run:
    wall: float
    cpu: float
    peak: Peak
    report: str
    status: int


def run_check(
    paths: list[Path], tokenizer: str, jobs: int, ignore: str, src: str | None, interval: float
) -> Run:
    """One check of ``paths`` in a child process, its tree sampled until it exits."""
    env = dict(os.environ)
    imports = (src or str(ROOT / "src"), env.get("PYTHONPATH"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in imports if p)
    command = [sys.executable, "-m", "jsonl_guard", "check", *map(str, paths),
               "--tokenizer", tokenizer, "--jobs", str(jobs), "--format", "json",
               "--no-progress"]  # fmt: skip
    if ignore:
        command += ["--ignore", ignore]
    peak = Peak()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, env=env)
        while child.poll() is None:
            sample(child.pid, peak, time.perf_counter() - start)
            time.sleep(interval)
        wall = time.perf_counter() - start
        out.seek(0)
        report = hashlib.sha256(out.read()).hexdigest()[:12]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(wall, cpu, peak, report, child.returncode)


def tenths(run: Run) -> str:
    """The tree's largest PSS in each tenth of the run, in MB: which phase peaks."""
    peaks = [0] * 10
    for at, pss in run.peak.timeline:
        tenth = min(9, int(at / run.wall * 10))
        peaks[tenth] = max(peaks[tenth], pss)
    return " ".join(f"{kib / 1024:.0f}" for kib in peaks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--file", type=Path, help="check this file instead of the generated one")
    parser.add_argument("--rounds", type=int, default=1, help="keep each variant's largest peak")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between samples")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="variants whose name has one")
    parser.add_argument("--ignore", default="", help=f"rules to ignore, e.g. {QUALITY_RULES}")
    parser.add_argument("--baseline", metavar="SRC", help="also run another checkout's src")
    parser.add_argument(
        "--first",
        type=Path,
        help="a file checked before the big one in the same run (e.g. a small validation "
        "file, which --tokenizers auto counts with tiktoken)",
    )
    parser.add_argument("--tokenizers", default="tiktoken,quicktok", help="tiktoken,quicktok,auto")
    parser.add_argument(
        "--timeline", action="store_true", help="also print each run's PSS per tenth of its time"
    )
    args = parser.parse_args(argv)
    path = args.file
    if path is None:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_check import generate

        path = ROOT / "benchmarks" / "data" / f"chat-{args.examples}.jsonl"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            generate(path, args.examples)
    print(f"{path.name}: {path.stat().st_size / 1e6:,.1f} MB; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cpus; rules ignored: {args.ignore or 'none'}")  # fmt: skip
    sources = [("jg", None)] + ([("base", args.baseline)] if args.baseline else [])
    variants = [
        (f"{label} {tokenizer} -j{jobs}", tokenizer, jobs, src)
        for tokenizer in args.tokenizers.split(",")
        for jobs in (1, 2)
        for label, src in sources
    ]
    variants = [v for v in variants if not args.only or any(o in v[0] for o in args.only)]
    runs: dict[str, list[Run]] = {name: [] for name, *_ in variants}
    for _ in range(args.rounds):  # round-robin: a busy minute hits every variant alike
        for name, tokenizer, jobs, src in variants:
            paths = [args.first, path] if args.first else [path]
            runs[name].append(run_check(paths, tokenizer, jobs, args.ignore, src, args.interval))
    header = ("variant", "peak PSS MB", "peak RSS MB", "max HWM MB", "procs", "wall s", "CPU s")
    print(f"{header[0]:<18}" + "".join(f"{h:>12}" for h in header[1:]) + "  report")
    for name, *_ in variants:
        done = runs[name]
        worst = max(done, key=lambda r: r.peak.pss_kib)
        keys = ("pss_kib", "rss_kib", "hwm_kib")
        mb = [max(getattr(r.peak, key) for r in done) / 1024 for key in keys]
        statuses = {r.status for r in done}
        reports = ",".join(sorted({r.report for r in done}))
        print(f"{name:<18}{mb[0]:>12.0f}{mb[1]:>12.0f}{mb[2]:>12.0f}{worst.peak.processes:>12}"
              f"{min(r.wall for r in done):>12.1f}{min(r.cpu for r in done):>12.1f}"
              f"  {reports} exit {','.join(map(str, sorted(statuses)))}")  # fmt: skip
        if args.timeline:
            print(f"{'':<18}PSS MB per tenth of the run: {tenths(worst)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
