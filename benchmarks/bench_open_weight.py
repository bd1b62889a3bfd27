"""Benchmark the open-weight preflight: a chat template's training preview against the
plain ``--tokenizer`` count of the same file.

Run from the repository root:

    python benchmarks/bench_open_weight.py                     # 10k examples
    python benchmarks/bench_open_weight.py --examples 100000 --rounds 3
    python benchmarks/bench_open_weight.py --examples 100000 --rounds 3 --baseline ../base/src

It uses bench_check.py's deterministic chat file (system, 1-3 user/assistant turns,
~2.7 kB an example) and builds, under benchmarks/data/, a byte-level BPE tokenizer.json
trained with the ``tokenizers`` library on the file's vocabulary (deterministic: the
same corpus, vocab size and special tokens every time, as the tests build theirs) in
three folders:

* ``plain``: the tokenizer.json alone, no chat template: the ChatML formula count
  (role + content + 4 tokens a message), no training preview;
* ``chatml``: with a tokenizer_config.json holding a ChatML template without
  ``{% generation %}`` tags: the preview renders growing prefixes to find each turn;
* ``tagged``: the same template with the tags, checked with ``--loss assistant-only``.

Each variant is ``Checker(...).check_path`` with every rule on, in a fresh forked child,
with one process (``-j1``) and every core (``-jN``); with ``--baseline SRC`` the template
variants also run from another checkout (``base ...``), e.g. the commit before a change,
in the same run. ``--rounds`` runs the variants round-robin and keeps each one's
fastest (this machine's speed drifts). Ratios are to the plain run with the same
number of jobs: compare ratios, not absolute times across machines or days.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_check import WORDS, _use_checkout, generate, measure  # noqa: E402

SPECIALS = ["<|bos|>", "<|im_start|>", "<|im_end|>", "<|endoftext|>"]
CHATML = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n"
    "{% if m.role == 'assistant' %}{gen}{{ m.content }}<|im_end|>\n{end}"
    "{% else %}{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WIDTHS = (10, 10, 13, 10, 14)
TAGS = {"untagged": ("", ""), "tagged": ("{% generation %}", "{% endgeneration %}")}


def build_tokenizer(folder: Path) -> None:
    """The three tokenizer folders (written once; the same bytes every time)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1000,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    corpus = [" ".join(WORDS), "You are Spokewise's support assistant. system user"] * 20
    tokenizer.train_from_iterator(corpus, trainer)
    config = {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}
    for name in ("plain", "chatml", "tagged"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        tokenizer.save(str(folder / name / "tokenizer.json"))
        if name != "plain":
            start, end = TAGS["tagged" if name == "tagged" else "untagged"]
            template = CHATML.replace("{gen}", start).replace("{end}", end)
            with_template = {**config, "chat_template": template}
            (folder / name / "tokenizer_config.json").write_text(json.dumps(with_template))


def check(folder: Path, jobs: int, loss: str | None, src: str | None) -> Callable[[Path], int]:
    def run(path: Path) -> int:
        if src is not None:  # another checkout's jsonl_guard (in the forked child only)
            _use_checkout(src)
        from jsonl_guard import Checker, CheckOptions

        options = CheckOptions(
            profile="trl-messages", tokenizer=str(folder / "tokenizer.json"), loss=loss
        )
        report = Checker(options).check_path(path, jobs=jobs)
        assert report.tokens is not None and report.tokens.total is not None
        return report.tokens.total

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--jobs", type=int, nargs="+", help="default: 1 and every core")
    parser.add_argument("--only", nargs="+", metavar="NAME")
    parser.add_argument("--baseline", metavar="SRC", help="another checkout's src folder")
    args = parser.parse_args(argv)
    data = HERE / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"chat-{args.examples}.jsonl"
    if not path.exists():
        generate(path, args.examples)
    folder = data / "open-weight-tokenizer"
    if not (folder / "tagged" / "tokenizer_config.json").exists():
        build_tokenizer(folder)
    cores = os.cpu_count() or 1
    jobs = args.jobs or sorted({1, cores})
    size_mb = path.stat().st_size / 1e6
    print(f"{path.name}: {args.examples:,} examples, {size_mb:,.1f} MB; python "
          f"{sys.version.split()[0]}, {cores} cpus, best of {args.rounds} round(s)")  # fmt: skip
    variants: list[tuple[str, Callable[[Path], int], str]] = []
    for n in jobs:
        for name, loss in (("plain", None), ("chatml", None), ("tagged", "assistant-only")):
            run = check(folder / name, n, loss, None)
            variants.append((f"{name} -j{n}", run, f"plain -j{n}"))
            if args.baseline:
                base = check(folder / name, n, loss, args.baseline)
                variants.append((f"base {name} -j{n}", base, f"plain -j{n}"))
    variants = [v for v in variants if not args.only or any(o in v[0] for o in args.only)]
    runs: dict[str, list[tuple[float, int, int]]] = {name: [] for name, _, _ in variants}
    for _ in range(args.rounds):  # round-robin: a slow minute slows every variant alike
        for name, variant, _ in variants:
            runs[name].append(measure(variant, path))
            wall, tokens, _ = runs[name][-1]  # as it goes: a long run on a busy machine
            print(f"  run {name}: {wall:.2f} s, {tokens:,} tokens", flush=True)
    best = {name: min(r[0] for r in results) for name, results in runs.items()}
    header = ("wall s", "MB/s", "peak RSS MB", "x plain", "tokens")
    print(f"{'variant':<20}" + "".join(f"{h:>{w}}" for h, w in zip(header, WIDTHS, strict=True)))
    for name, _, against in variants:
        wall, rss = best[name], max(r[2] for r in runs[name]) / 1024
        ratio = f"{wall / best[against]:.2f}" if against in best else ""
        print(f"{name:<20}{wall:>10.2f}{size_mb / wall:>10.1f}{rss:>13.0f}{ratio:>10}"
              f"{runs[name][0][1]:>14,}")  # fmt: skip
    print("x plain: wall time over the plain --tokenizer count with the same jobs, this run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
