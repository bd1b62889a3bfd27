"""Regenerate the README's pictures of the HTML report and of a notebook cell.

    python docs/make_screenshots.py

Draws ``docs/img/report-good.png`` and ``docs/img/report-bad.png`` (the HTML report of
``examples/support-good.jsonl`` and ``examples/support-bad.jsonl``, as
``jsonl-guard check FILE --format html --output report.html`` writes it) and
``docs/img/notebook.png`` (a notebook cell showing ``check_path``'s report, its
``_repr_html_``), in the distribution's headless Chromium (``/usr/bin/chromium``,
``apt-get install chromium``) driven by Playwright, as ``tests/test_html_browser.py``
does. Nothing is downloaded; the pages load nothing.
"""

from __future__ import annotations

import html
import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from jsonl_guard import Report, check_path
from jsonl_guard.reporters import REPORTERS

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("JSONL_GUARD_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1000, "height": 1300}

NOTEBOOK_CELL = """from jsonl_guard import check_path

report = check_path("examples/support-bad.jsonl", progress=True)
report"""

# A plain stand-in for a notebook's cell frame (the report's own HTML is the output).
NOTEBOOK_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 16px; font: 14px system-ui, sans-serif; }}
.cell {{ display: flex; gap: 8px; }} .prompt {{ width: 64px; color: #303f9f;
  font: 13px monospace; text-align: right; padding-top: 6px; }}
.prompt.out {{ color: #d84315; }}
.input {{ flex: 1; background: #f7f7f7; border: 1px solid #cfcfcf; padding: 6px 8px;
  font: 13px/1.4 monospace; white-space: pre; }}
.output {{ flex: 1; padding: 6px 0; }}
.bar {{ font: 12px monospace; color: #444; margin-bottom: 8px; }}
</style></head><body>
<div class="cell"><div class="prompt">In&nbsp;[1]:</div><div class="input">{cell}</div></div>
<div class="cell"><div class="prompt out">Out[1]:</div><div class="output">
<div class="bar">{bar}</div>{output}</div></div>
</body></html>"""


def _pages(workdir: Path) -> dict[str, Path]:
    os.chdir(ROOT)  # paths shown as the README's commands show them
    pages = {}
    for name, data in (("report-good", "support-good"), ("report-bad", "support-bad")):
        report = Report((check_path(f"examples/{data}.jsonl"),))
        pages[name] = workdir / f"{name}.html"
        pages[name].write_text(REPORTERS["html"](report), encoding="utf-8")
    report = Report((check_path("examples/support-bad.jsonl"),))
    size = (ROOT / "examples" / "support-bad.jsonl").stat().st_size
    bar = f"examples/support-bad.jsonl: 100%|██████████| {size / 1000:.1f}k/{size / 1000:.1f}k"
    pages["notebook"] = workdir / "notebook.html"
    pages["notebook"].write_text(
        NOTEBOOK_PAGE.format(
            cell=html.escape(NOTEBOOK_CELL), bar=html.escape(bar), output=report._repr_html_()
        ),
        encoding="utf-8",
    )
    return pages


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport=VIEWPORT)
        for name, path in _pages(Path(workdir)).items():
            page.goto(path.as_uri())
            page.screenshot(path=str(IMAGES / f"{name}.png"))
            print(f"wrote docs/img/{name}.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
