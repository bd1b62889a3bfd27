"""``jsonl-guard diff`` as text for a terminal or a CI log."""

from __future__ import annotations

from ..engine.diff import Diff, FileDiff
from ..engine.diff_gates import GateResult
from . import _diff_figures as figure
from . import _untrusted as shown

HOW = "examples compared by content hash: order does not matter"


def render(diff: Diff, gates: tuple[GateResult, ...] = ()) -> str:
    lines = [f"jsonl-guard diff: {len(diff.files)} file(s) ({HOW})", ""]
    for file in diff.files:
        lines += [*_file(file), ""]
    lines.append(
        f"total: examples {figure.change(diff.examples)}; tokens "
        f"{figure.change(diff.tokens_total)}; est. cost {figure.change(diff.cost_usd, money=True)}"
    )
    if gates:
        tripped = sum(g.tripped for g in gates)
        lines += ["", f"gates: {tripped} of {len(gates)} tripped" if tripped else "gates: passed"]
        for gate in gates:
            mark = "FAIL" if gate.tripped else "ok"
            lines.append(f"  {mark:4} {gate.gate}: {gate.message}")
    return "\n".join(lines) + "\n"


def _file(file: FileDiff) -> list[str]:
    title = shown.line(file.path)
    if file.after_path is not None and file.before_path not in (None, file.after_path):
        title += f" (base: {shown.line(file.before_path or '')})"
    lines = [f"{title}: {figure.status(file)}"]
    for side, error in (("base", file.before_error), ("head", file.after_error)):
        if error is not None:
            lines.append(f"  could not be read in the {side}: {shown.line(error)}")
    new, fixed = figure.findings(file, shown.line)
    lines += [
        f"  examples     {figure.examples(file)}",
        f"  tokens       {figure.change(file.tokens_total)}",
        f"    p50        {figure.change(file.tokens_p50)}",
        f"    p90        {figure.change(file.tokens_p90)}",
        f"    max        {figure.change(file.tokens_max)}",
        f"  est. cost    {figure.change(file.cost_usd, money=True)}"
        + (f" ({shown.line(file.model)})" if file.model else ""),
    ]
    for label, rules in (("new findings", new), ("fixed findings", fixed)):
        lines.append(f"  {label}" + ("" if rules else ": none"))
        lines += [f"    {rule}" for rule in rules]
    return lines
