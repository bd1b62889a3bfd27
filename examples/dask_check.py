"""Check a corpus of many JSONL shards on a Dask cluster and merge the results.

Each shard is checked where Dask runs it (one task per file); the small
per-shard results (stats and findings, no examples) come back and merge into
one report, as if the shards were one file: counts, token statistics, cost and
the dataset-level rules are computed on the merged totals.

    pip install "dask[distributed]" jsonl-guard
    python examples/dask_check.py "data/shards/*.jsonl" --model gpt-4o-mini-2024-07-18
    python examples/dask_check.py "data/shards/*.jsonl" --scheduler tcp://scheduler:8786

Without --scheduler it runs on a local cluster (processes on this machine) when
dask.distributed is installed, else on Dask's local threaded scheduler.
"""

from __future__ import annotations

import argparse
import glob
import sys
from typing import Any

import dask

from jsonl_guard import (
    Checker,
    CheckOptions,
    Report,
    Shard,
    check_shard_path,
    merge_shards,
    shard_report,
)
from jsonl_guard.cli import exit_code
from jsonl_guard.reporters import REPORTERS


def check_one(path: str, options: CheckOptions) -> Shard:  # runs on a Dask worker
    return check_shard_path(Checker(options), path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pattern", help='shards, e.g. "data/shards/*.jsonl"')
    parser.add_argument("--model", default="gpt-4o-mini-2024-07-18")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--format", choices=sorted(REPORTERS), default="text")
    args = parser.parse_args()
    paths = sorted(glob.glob(args.pattern))  # noqa: PTH207 - patterns may be absolute
    if not paths:
        print(f"no files match {args.pattern}", file=sys.stderr)
        return 2
    options = CheckOptions(model=args.model, model_source="cli")
    tasks = [dask.delayed(check_one)(path, options) for path in paths]
    shards = compute(tasks, args.scheduler)
    merged = shard_report(Checker(options), merge_shards(shards), path=args.pattern)
    report = Report((merged,))
    sys.stdout.write(REPORTERS[args.format](report))
    return exit_code(report)


def compute(tasks: list[Any], scheduler: str | None) -> list[Shard]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        return list(dask.compute(*tasks, scheduler="threads"))
    cluster = None if scheduler else LocalCluster(n_workers=2, threads_per_worker=1)
    with Client(scheduler or cluster) as client:
        results = list(client.compute(tasks, sync=True))
    if cluster is not None:
        cluster.close()
    return results


if __name__ == "__main__":
    raise SystemExit(main())
