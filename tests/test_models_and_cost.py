"""The model table, model-name resolution, the epoch heuristic and the cost estimate."""

from __future__ import annotations

import json

import pytest

from helpers import example
from jsonl_guard import (
    CheckOptions,
    UnknownModelError,
    check_examples,
    default_epochs,
    model_table,
    resolve_model,
)
from jsonl_guard.engine.models import ModelTableError

LIMITS = {
    "gpt-3.5-turbo-0613": 4096,
    "gpt-3.5-turbo-1106": 16385,
    "gpt-3.5-turbo-0125": 16385,
    "gpt-4o-mini-2024-07-18": 65536,
    "gpt-4o-2024-08-06": 65536,
    "gpt-4.1-2025-04-14": 65536,
    "gpt-4.1-mini-2025-04-14": 65536,
    "gpt-4.1-nano-2025-04-14": 32768,
}


@pytest.mark.parametrize(("name", "limit"), LIMITS.items())
def test_token_limits_from_the_reference(name, limit):
    assert resolve_model(name).token_limit == limit


def test_every_model_names_its_source_and_a_known_encoding():
    """OpenAI models count with tiktoken; the others have no offline tokenizer ("")."""
    for spec in model_table().values():
        assert spec.source
        if spec.provider in ("openai", "azure"):
            assert spec.encoding in ("cl100k_base", "o200k_base"), spec.name
        else:
            assert spec.encoding == "", spec.name


@pytest.mark.parametrize(
    ("name", "base", "encoding"),
    [
        ("ft:gpt-4.1-mini-2025-04-14:acme::abc123", "gpt-4.1-mini-2025-04-14", "o200k_base"),
        ("ft:gpt-3.5-turbo-0125:acme:support:xyz", "gpt-3.5-turbo-0125", "cl100k_base"),
        ("ft:gpt-4o-mini-2024-07-18:org::id:ckpt-step-20", "gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-3.5-turbo", "gpt-3.5-turbo-0125", "cl100k_base"),
        ("ft:o4-mini-2025-04-16:acme::x", "o4-mini-2025-04-16", "o200k_base"),
    ],
)
def test_fine_tuned_names_and_aliases_resolve_through_the_base(name, base, encoding):
    spec = resolve_model(name)
    assert (spec.name, spec.table_name, spec.encoding) == (name, base, encoding)


def test_unknown_model_message_lists_models_and_the_fix():
    with pytest.raises(UnknownModelError) as error:
        resolve_model("claude-9")
    assert "gpt-4o-mini-2024-07-18" in str(error.value)
    assert '[tool.jsonl-guard.models."claude-9"]' in str(error.value)


def test_user_models_add_and_override():
    table = model_table({"acme": {"encoding": "o200k_base", "token_limit": 100}})
    assert table["acme"].token_limit == 100
    table = model_table({"gpt-4o-mini-2024-07-18": {"price_per_million": 4}})
    assert table["gpt-4o-mini-2024-07-18"].price_per_million == 4
    assert table["gpt-4o-mini-2024-07-18"].token_limit == 65536
    with pytest.raises(ModelTableError, match="unknown field"):
        model_table({"acme": {"encoding": "o200k_base", "token_limit": 1, "colour": "red"}})


@pytest.mark.parametrize(
    ("examples", "epochs"),
    # The cookbook's heuristic: target 3 epochs; below 100 or above 25,000
    # example-passes, floor division clamped to 1..25.
    [(1, 25), (3, 25), (5, 20), (10, 10), (33, 3), (34, 3), (8333, 3), (8334, 2), (12500, 2),
     (12501, 1), (100_000, 1)],
)  # fmt: skip
def test_default_epochs_match_the_cookbook(examples, epochs):
    assert default_epochs(examples) == epochs


def test_billed_tokens_cap_each_example_at_the_limit():
    rows = [example(i) for i in range(10)]
    rows[0]["messages"][2]["content"] = "spoke " * 6000  # type: ignore[index]
    report = check_examples(rows, CheckOptions(model="gpt-3.5-turbo-0613", epochs=2))
    assert report.tokens is not None and report.cost is not None
    assert report.tokens.max_example > 4096
    expected = sum(min(t, 4096) for t in _totals(rows, "gpt-3.5-turbo-0613")) * 2
    assert report.cost.billed_tokens == expected
    assert report.cost.estimated_usd == round(expected * 8.0 / 1e6, 4)


def test_guide_price_example_holds():
    # OpenAI's guide: 100,000 tokens x 3 epochs on gpt-3.5-turbo-0125 cost $2.40.
    spec = resolve_model("gpt-3.5-turbo-0125")
    assert spec.price_per_million is not None
    assert round(100_000 * 3 * spec.price_per_million / 1e6, 2) == 2.40


def test_unknown_price_gives_no_estimate_and_warns_on_budget():
    rows = [example(i) for i in range(60)]
    report = check_examples(rows, CheckOptions(model="gpt-4.1-mini-2025-04-14", max_cost=5))
    assert report.cost is not None and report.cost.estimated_usd is None
    assert [d.code for d in report.diagnostics] == ["JG502"]


def test_rft_only_model_rejects_chat_sft_data():
    report = check_examples([example(i) for i in range(60)], CheckOptions(model="o4-mini"))
    assert [d.code for d in report.diagnostics] == ["JG310"]


def _totals(rows, model):
    report_rows = [check_examples([r], CheckOptions(model=model)).tokens for r in rows]
    return [t.total for t in report_rows if t is not None]


def test_models_doc_lists_every_model_with_its_limit():
    from helpers import ROOT

    doc = (ROOT / "docs" / "models.md").read_text("utf-8")
    for name, spec in model_table().items():
        assert f"| `{name}` |" in doc
        limit = spec.known_token_limit
        assert (f"| {limit:,} |" if limit is not None else "| no known limit |") in doc


def test_a_provider_default_replaces_openais_epoch_heuristic():
    from jsonl_guard import check_lines

    rows = [
        {
            "contents": [
                {"role": "user", "parts": [{"text": f"Where is order SW-{i}?"}]},
                {"role": "model", "parts": [{"text": "It ships today."}]},
            ]
        }
        for i in range(5)
    ]
    lines = [json.dumps(r).encode() for r in rows]
    cost = check_lines(lines, CheckOptions(model="gemini-2.5-flash")).cost
    assert cost is not None and (cost.epochs, cost.epochs_source) == (4, "provider default")
    chosen = check_lines(lines, CheckOptions(model="gemini-2.5-flash", epochs=2)).cost
    assert chosen is not None and (chosen.epochs, chosen.epochs_source) == (2, "option")
