"""Same numbers everywhere: one report rendered as HTML, text, JSON, the Markdown step
summary and the notebook view, each read back, says the same thing per file.

Each format is parsed the way a reader would read it (the text's summary lines, the
summary table's cells, the HTML's ``data-field`` cells, the JSON fields), never from
the report object, and each is compared with the JSON's numbers and the report's.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from helpers import EXAMPLES, FIXTURES
from jsonl_guard import Checker, CheckOptions, Report
from jsonl_guard.engine.checker import check_dataset
from jsonl_guard.reporters import REPORTERS, summary

FILES = [
    EXAMPLES / "support-bad.jsonl",
    EXAMPLES / "tiny.jsonl",
    FIXTURES / "html" / "hostile.jsonl",
]
KEYS = ("examples", "errors", "warnings", "tokens", "p50", "max", "epochs", "billed", "usd")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _report() -> Report:
    checker = Checker(CheckOptions())
    return check_dataset(FILES, checker_for=lambda _: checker, max_cost=0.05).report


def from_json(report: Report) -> list[dict[str, object]]:
    data = json.loads(REPORTERS["json"](report))
    return [
        {
            "examples": f["examples"],
            "errors": f["errors"],
            "warnings": f["warnings"],
            "tokens": f["tokens"]["total"],
            "p50": round(f["tokens"]["per_example"]["p50"]),
            "max": f["tokens"]["per_example"]["max"],
            "epochs": f["cost"]["epochs"],
            "billed": f["cost"]["billed_tokens"],
            "usd": f"{f['cost']['estimated_usd']:.2f}",
        }
        for f in data["files"]
    ]


def from_text(report: Report) -> list[dict[str, object]]:
    out = REPORTERS["text"](report)
    blocks = re.findall(
        r"^\S.*?: ([\d,]+) examples, (\d+) errors, (\d+) warnings\n"
        r".*?tokens \(.*?\): ([\d,]+) in .*?p50 ([\d,]+) / p90 [\d,]+ / max ([\d,]+).*?"
        r"cost: (\d+) epochs .*?= ([\d,]+) billed tokens, ≈ \$([\d.]+)",
        out,
        re.MULTILINE | re.DOTALL,
    )
    return [dict(zip(KEYS, [*map(_int, block[:8]), block[8]], strict=True)) for block in blocks]


def from_markdown(report: Report) -> list[dict[str, object]]:
    rows = []
    for line in summary.render(report).splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 9 or not cells[1].replace(",", "").isdigit():
            continue
        tokens = re.match(r"([\d,]+) \(p50 ([\d,]+), max ([\d,]+)\)", cells[4])
        assert tokens, cells[4]
        numbers = [_int(cells[1]), _int(cells[2]), _int(cells[3]), *map(_int, tokens.groups())]
        numbers += [_int(cells[5]), _int(cells[6]), cells[7].lstrip("$")]
        rows.append(dict(zip(KEYS, numbers, strict=True)))
    return rows


class _Fields(HTMLParser):
    """Each file section's ``data-field`` cells, as shown."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.files: list[dict[str, str]] = []
        self._field: str | None = None
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("class") == "file":
            self.files.append({})
        elif tag == "td" and found.get("data-field") and self.files:
            self._field = found["data-field"]

    def handle_data(self, data: str) -> None:
        if self._field is not None:
            self.files[-1].setdefault(self._field, data)
            self._field = None


def from_html(document: str) -> list[dict[str, object]]:
    return [
        {
            "examples": _int(f["examples"]),
            "errors": _int(f["errors"]),
            "warnings": _int(f["warnings"]),
            "tokens": _int(f["tokens"]),
            "p50": _int(f["p50"]),
            "max": _int(f["max_example"]),
            "epochs": _int(f["epochs"].split()[0]),
            "billed": _int(f["billed_tokens"]),
            "usd": f["estimated_usd"].lstrip("$"),
        }
        for f in _Fields(document).files
    ]


def test_every_view_of_one_report_has_the_same_numbers():
    report = _report()
    expected = from_json(report)
    assert len(expected) == len(FILES)
    assert expected[0]["errors"] == report.files[0].errors  # the budget finding counts
    views = {
        "text": from_text(report),
        "markdown": from_markdown(report),
        "html": from_html(REPORTERS["html"](report)),
        "notebook": from_html(report._repr_html_()),
    }
    for name, numbers in views.items():
        assert numbers == expected, name
    for file, numbers in zip(report.files, expected, strict=True):
        assert f"{numbers['examples']:,} examples" in repr(file)
        assert f"{numbers['errors']:,} error(s)" in repr(file)
        assert f"{numbers['tokens']:,} tokens" in repr(file)


def test_the_run_totals_agree_too():
    report = _report()
    data = json.loads(REPORTERS["json"](report))["summary"]
    page = REPORTERS["html"](report)
    totals = re.search(r'<table class="summary totals">(.*?)</table>', page, re.DOTALL)
    assert totals
    cells = dict(re.findall(r'data-field="(\w+)">([^<]*)<', totals.group(1)))
    assert _int(cells["examples"]) == data["examples"]
    assert _int(cells["errors"]) == data["errors"] == report.errors
    assert _int(cells["warnings"]) == data["warnings"]
    assert cells["estimated_usd"] == f"${data['estimated_usd']:,.2f}"
    text = REPORTERS["text"](report)
    assert f"Found {data['errors']} error(s) and {data['warnings']} warning(s)" in text
    assert f"{data['errors']} error(s), {data['warnings']} warning(s)" in summary.render(report)
    assert f"{data['errors']:,} error(s)" in repr(report)
