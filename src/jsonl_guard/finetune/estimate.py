"""What a run will cost, as ``finetune`` shows it before anything is uploaded."""

from __future__ import annotations

from ..engine.report import FileReport


def _model_note(source: str) -> str:
    if source == "format":  # no --model: the detected format's default (model_choice)
        return " (the format's default model; pass --model to choose)"
    return ""


def estimate_lines(report: FileReport) -> list[str]:
    cost, tokens = report.cost, report.tokens
    assert cost is not None and tokens is not None
    usd = "unknown (no price in the model table)"
    if cost.estimated_usd is not None:
        usd = f"${cost.estimated_usd:,.2f}"
    return [
        f"training file: {report.path} ({report.examples:,} examples, {tokens.total:,} tokens)",
        f"model: {cost.model}"
        + (
            " (the format's default model; pass --model to choose)"
            if cost.model_source == "format"
            else ""
        ),
        f"epochs: {cost.epochs} ({cost.epochs_source})",
        f"billed tokens: {cost.billed_tokens:,}",
        f"estimated cost: {usd}",
    ]


__all__ = ["estimate_lines"]
