"""``jsonl-guard diff --format markdown``: for a pull request comment or the GitHub job
summary. Paths, models and rule names come from the data or a report file: they go
through ``_untrusted.markdown`` (inert inline code); rule codes and names are
checked when a report is read. Our own "$" amounts are written
``&#36;``: two of them in a line would otherwise open GitHub's inline math.
"""

from __future__ import annotations

import html

from ..engine.diff import Diff, FileDiff
from ..engine.diff_gates import GateResult
from . import _diff_figures as figure
from . import _untrusted as shown


def _cell(text: str) -> str:
    return text.replace("$", "&#36;").replace("|", "&#124;")


def render(diff: Diff, gates: tuple[GateResult, ...] = ()) -> str:
    tripped = [g for g in gates if g.tripped]
    if not gates:
        verdict = "what changed"
    elif tripped:
        verdict = f"❌ {len(tripped)} gate(s) tripped"
    else:
        verdict = "✅ gates passed"
    lines = [
        f"## jsonl-guard diff: {verdict}",
        "",
        "| file | status | examples | tokens | p50 | p90 | max | est. cost | new findings "
        "| fixed findings |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(_row(file) for file in diff.files),
        "",
        _cell(
            f"Total: examples {figure.change(diff.examples)}; tokens "
            f"{figure.change(diff.tokens_total)}; est. cost "
            f"{figure.change(diff.cost_usd, money=True)}. Examples are compared by content "
            "hash, so reordering them is no change."
        ),
    ]
    if gates:
        lines.append("")
        for gate in gates:
            mark = "❌" if gate.tripped else "✅"
            lines.append(f"- {mark} `{gate.gate}`: {_cell(gate.message)}")
    return "\n".join(lines) + "\n\n"


def _row(file: FileDiff) -> str:
    path = shown.markdown(file.path)
    if file.after_path is not None and file.before_path not in (None, file.after_path):
        path += f" (base: {shown.markdown(file.before_path or '')})"
    status = figure.status(file)
    for side, error in (("base", file.before_error), ("head", file.after_error)):
        if error is not None:
            status += f"; unreadable in the {side}: {shown.markdown(error)}"
    # Rule codes, names and severities were checked to be [A-Za-z0-9-] when the report
    # was read (engine/diff_input.py); escaping them again costs nothing.
    new, fixed = figure.findings(file, html.escape)
    cost = figure.change(file.cost_usd, money=True)
    cells = [
        path,
        status,
        _cell(figure.examples(file)),
        _cell(figure.change(file.tokens_total)),
        _cell(figure.change(file.tokens_p50)),
        _cell(figure.change(file.tokens_p90)),
        _cell(figure.change(file.tokens_max)),
        _cell(cost) + (f" ({shown.markdown(file.model)})" if file.model else ""),
        "<br>".join(new) or "-",
        "<br>".join(fixed) or "-",
    ]
    return "| " + " | ".join(cells) + " |"
