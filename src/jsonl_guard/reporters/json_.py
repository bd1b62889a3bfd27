"""``--format json``: the stable machine contract (docs/json-report.md)."""

from __future__ import annotations

import json

from ..engine.report import Report, report_dict
from ._options import PLAIN, RenderOptions


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
