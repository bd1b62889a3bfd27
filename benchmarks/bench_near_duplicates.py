"""Measure the near-duplicate sketch on generated paraphrases: where to put the threshold.

Run from the repository root (numbers in docs/near-duplicates.md; with PYTHONPATH=src
to measure this checkout rather than an installed one):

    python benchmarks/bench_near_duplicates.py                 # ~270 conversations
    python benchmarks/bench_near_duplicates.py --conversations 100 --seed 3

Conversations are cut from real English prose (Python's own documentation,
``pydoc_data.topics``, in the standard library), one after the other so no two share a
passage: a user turn of 8-60 words and an assistant turn of 20-400. Each is
paraphrased at an edit rate: every word, with that probability, is replaced by
another word of the corpus (60%), deleted (20%) or followed by an inserted word
(20%); the case of some words flips and commas come and go (what normalising
removes). For each rate the script prints the
true Jaccard similarity of word 3-grams (the textbook shingles) and of jsonl-guard's
shingles (``engine/minhash.py``), the sketch's estimate, and the share of pairs the
candidate search pairs with their source at or above each threshold (in one file
holding every conversation and every paraphrase); then the same for unrelated pairs
(two different conversations), whose estimates a threshold must stay above; then the
CPU cost per conversation of jsonl-guard's sketch and of a bottom-k sketch of word n-grams.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import zlib
from itertools import pairwise

from jsonl_guard.engine.minhash import K, shingles, similarity, sketch
from jsonl_guard.engine.near_pairs import Sketches, pairs_within

RATES = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


def corpus() -> list[str]:
    import pydoc_data.topics

    # Topics repeat whole sections of each other: each line once, so that conversations
    # cut from different stretches are unrelated.
    lines = dict.fromkeys(
        line.strip() for topic in pydoc_data.topics.topics.values() for line in topic.splitlines()
    )
    return " ".join(lines).split()


def conversations(words: list[str], count: int, rng: random.Random) -> list[str]:
    """Up to ``count`` conversations from disjoint stretches of the corpus (so that two
    of them are unrelated unless the documentation repeats itself)."""
    texts: list[str] = []
    start = 0
    while len(texts) < count:
        user, assistant = rng.randint(8, 60), rng.randint(20, 400)
        if start + user + assistant > len(words):
            break
        middle = start + user
        user_turn = " ".join(words[start:middle])
        texts.append(user_turn + "\n" + " ".join(words[middle : middle + assistant]))
        start = middle + assistant
    return texts


def paraphrase(text: str, rate: float, words: list[str], rng: random.Random) -> str:
    out: list[str] = []
    for word in text.split(" "):
        if rng.random() < rate:
            edit = rng.random()
            if edit < 0.6:
                out.append(rng.choice(words))
            elif edit < 0.8:
                continue
            else:
                out += [word, rng.choice(words)]
        else:
            if rng.random() < 0.05:  # normalising removes these
                word = word.swapcase() if rng.random() < 0.5 else word + ","
            out.append(word)
    return " ".join(out)


def ngrams(text: str, n: int) -> set[str]:
    words = text.lower().split()
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(one: set[object], other: set[object]) -> float:
    return len(one & other) / len(one | other) if one | other else 1.0


def found(pairs: list[tuple[str, str]], threshold: float) -> float:
    """The share of paraphrases the candidate search pairs with their source at
    ``threshold``, in one file of every source followed by every paraphrase (so that
    the search meets the crowd of other lines it meets in a real file)."""
    sketches = Sketches()
    texts = [one for one, _ in pairs] + [other for _, other in pairs]
    for line, text in enumerate(texts, 1):
        values = sketch(text)
        if values is not None:
            sketches.add(values, line)
    count = len(pairs)
    right = sum(
        1 for line, source, _ in pairs_within(sketches, threshold) if line - source == count
    )
    return right / count


def quantiles(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=10)
    return f"p10 {cuts[0]:.2f}  median {statistics.median(values):.2f}  p90 {cuts[-1]:.2f}"


def word_ngram_sketch(text: str, n: int) -> list[int]:
    """The textbook alternative: bottom-k of every word n-gram's CRC (normalised alike)."""
    words = text.lower().split()
    grams = map(" ".join, zip(*(words[i:] for i in range(n)), strict=False))
    return sorted(set(map(zlib.crc32, map(str.encode, grams))))[:K]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    words = corpus()
    texts = conversations(words, args.conversations, rng)
    print(f"{len(texts):,} conversations from {len(words):,} words of prose; K = {K}")
    header = "rate  3-gram J  shingle J  estimate (p10 / median / p90)       found at"
    print(header + "".join(f" {t:>4}" for t in THRESHOLDS))
    for rate in RATES:
        pairs = [(text, paraphrase(text, rate, words, rng)) for text in texts]
        trigram = [jaccard(ngrams(a, 3), ngrams(b, 3)) for a, b in pairs]
        ours = [jaccard(set(shingles(a)), set(shingles(b))) for a, b in pairs]
        sketches = [(sketch(a), sketch(b)) for a, b in pairs]
        estimates = [similarity(x, y) for x, y in sketches if x is not None and y is not None]
        recall = [found(pairs, t) for t in THRESHOLDS]
        print(f"{rate:4.0%}  {statistics.median(trigram):8.2f}  {statistics.median(ours):9.2f}  "
              f"{quantiles(estimates):34}" + "".join(f" {r:4.0%}" for r in recall))  # fmt: skip
    unrelated = [sketch(text) for text in texts]
    estimates = sorted(
        similarity(x, y)
        for x, y in zip(unrelated, unrelated[1:] + unrelated[:1], strict=True)
        if x is not None and y is not None
    )
    p99 = estimates[int(len(estimates) * 0.99)]
    print(f"unrelated pairs: max {estimates[-1]:.2f}, p99 {p99:.2f}")
    sketches = Sketches()
    for line, values in enumerate(unrelated, 1):
        if values is not None:
            sketches.add(values, line)
    for threshold in THRESHOLDS:
        count = sum(1 for _ in pairs_within(sketches, threshold))
        print(f"  {len(texts):,} unrelated conversations at threshold {threshold}: {count} pair(s)")
    costs = {"jsonl-guard shingles": lambda text: sketch(text)}
    for n in (2, 3, 5):
        costs[f"word {n}-grams"] = lambda text, n=n: word_ngram_sketch(text, n)
    for name, make in costs.items():
        start = time.process_time()  # CPU time: other jobs on the machine do not count
        for text in texts:
            make(text)
        spent = (time.process_time() - start) / len(texts) * 1e6
        print(f"cost, {name}: {spent:.1f} us of CPU a conversation")
    separation = {}
    for n in (2, 3, 5):
        near = [jaccard(ngrams(a, n), ngrams(paraphrase(a, 0.1, words, rng), n)) for a in texts]
        far = [jaccard(ngrams(a, n), ngrams(b, n)) for a, b in pairwise(texts)]
        separation[n] = (statistics.median(near), max(far))
    for n, (near, far) in separation.items():
        print(f"word {n}-grams: 10% edits median J {near:.2f}, unrelated max J {far:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
