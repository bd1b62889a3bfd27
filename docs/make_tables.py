"""Regenerate the tables in docs/models.md and docs/profiles.md from the provider table.

    python docs/make_tables.py          # rewrite the tables in place
    python docs/make_tables.py --check  # exit 1 if a table is out of date (tests run this)

Each table sits between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->`` markers;
the prose around it is written by hand.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

from jsonl_guard.cli.rules import token_counting
from jsonl_guard.engine.models import ModelSpec, model_table
from jsonl_guard.engine.profiles import models_of, profile_table

DOCS = Path(__file__).resolve().parent


def _price(spec: ModelSpec) -> str:
    return "—" if spec.price_per_million is None else f"${spec.price_per_million:,.2f}"


def _limit(spec: ModelSpec) -> str:
    limit = spec.known_token_limit
    return "no known limit" if limit is None else f"{limit:,}"


def _megabytes(value: float) -> str:
    return "no known limit" if math.isinf(value) else f"{value:,g}"


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def models_table() -> str:
    rows = [
        "| model | aliases | provider | tokens per example | min / max examples "
        "| validation max | file MB | training $/1M | tokens | source |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, spec in model_table().items():
        counted = spec.encoding or f"estimate ({spec.chars_per_token or 4:g} chars/token)"
        aliases = ", ".join(f"`{a}`" for a in spec.aliases) or "—"
        rows.append(
            f"| `{name}` | {aliases} | {spec.provider} | {_limit(spec)} | "
            f"{spec.min_examples:,} / {_count(spec.max_examples)} | "
            f"{_count(spec.max_validation_examples)} | {_megabytes(spec.max_file_mb)} | "
            f"{_price(spec)} | {counted} | {spec.source} |"
        )
    return "\n".join(rows)


def profiles_table() -> str:
    rows = [
        "| profile | provider | method | detected by | tokens | models | held to (docs/peers.md) "
        "| source |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    models = list(model_table().values())
    for profile in profile_table().values():
        keys = [f"`{k}`" for k in profile.detect]
        keys += [f"`{k}` = `{v}`" for k, v in profile.detect_values.items()]
        if profile.detect_roles:
            keys.append("a message with role " + " / ".join(f"`{r}`" for r in profile.detect_roles))
        served = models_of(profile, models)
        counted = token_counting(profile, served)  # as check counts each model
        names = ", ".join(f"`{m.name}`" for m in served) or "—"
        rows.append(
            f"| `{profile.name}` | {profile.provider} | {profile.method} | {', '.join(keys)} | "
            f"{counted} | {names} | {profile.peer or '—'} | {profile.source} |"
        )
    return "\n".join(rows)


TABLES = {"models.md": ("models", models_table), "profiles.md": ("profiles", profiles_table)}


def render(text: str, name: str, table: str) -> str:
    pattern = re.compile(rf"(<!-- table:{name} -->\n)(?:.*?\n)?(<!-- /table:{name} -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"no <!-- table:{name} --> markers")
    return pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)


def main(argv: list[str]) -> int:
    stale = []
    for file_name, (name, make) in TABLES.items():
        path = DOCS / file_name
        text = path.read_text("utf-8")
        updated = render(text, name, make())
        if updated != text:
            stale.append(file_name)
            if "--check" not in argv:
                path.write_text(updated, "utf-8")
    if stale and "--check" in argv:
        print(f"out of date: {', '.join(stale)}; run python docs/make_tables.py")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
