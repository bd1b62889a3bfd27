"""``--format json``: the stable machine contract (docs/json-report.md)."""

from __future__ import annotations

import json

from .._report import Report, report_dict


def render(report: Report, color: bool = False) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
