"""``--format json``: the stable machine contract (docs/json-report.md)."""

from __future__ import annotations

import json

from ..engine.report import Report, report_dict
from . import _untrusted as shown
from ._options import PLAIN, RenderOptions


def render(report: Report, options: RenderOptions = PLAIN) -> str:
    return shown.json_text(json.dumps(report_dict(report), indent=2, ensure_ascii=False)) + "\n"
