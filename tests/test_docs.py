"""The documentation runs: every Python block of the guides, the index page and the README.

Each page runs in a fresh process (a page may enable x64 or write files), its ``python`` blocks
in order in one namespace, as a reader would paste them. Where a page shows what a block prints
(a ``text`` block right after the ``python`` block), the printed output must match it, compared
as doctest compares (whitespace normalised; ``...`` matches anything).
"""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs" / "guides").glob("*.md")) + [ROOT / "docs" / "index.md",
                                                          ROOT / "README.md"]
_FENCE = re.compile(r"^```([\w{}-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)

_RUNNER = r'''
import contextlib, io, json, sys, traceback
namespace = {"__name__": "__docs__"}
outputs = []
for code in json.load(sys.stdin):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(code, f"{sys.argv[1]} block {len(outputs) + 1}", "exec"), namespace)
    except Exception:
        sys.stdout.write(buf.getvalue())
        traceback.print_exc()
        sys.exit(1)
    outputs.append(buf.getvalue())
print("\n@@OUTPUTS@@" + json.dumps(outputs))
'''


def blocks(text: str) -> list[tuple[str, str | None]]:
    """(code, shown output or None) for each python block of a page: the output is the text
    block that immediately follows it."""
    fences = _FENCE.findall(text)
    out = []
    for i, (lang, code) in enumerate(fences):
        if lang == "python":
            shown = fences[i + 1][1] if i + 1 < len(fences) and fences[i + 1][0] == "text" \
                else None
            out.append((code, shown))
    return out


def test_blocks_pairs_code_with_its_shown_output():
    page = "```python\nprint(1)\n```\n\n```text\n1\n```\n```python\nx = 2\n```\n```bash\nls\n```\n"
    assert blocks(page) == [("print(1)\n", "1\n"), ("x = 2\n", None)]


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_page_runs_and_prints_what_it_shows(page, tmp_path):
    expected = blocks(page.read_text(encoding="utf-8"))
    assert expected, f"{page.name} has no python block"
    proc = subprocess.run([sys.executable, "-c", _RUNNER, page.name], cwd=tmp_path,
                          input=json.dumps([code for code, _ in expected]),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{page.name} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    outputs = json.loads(proc.stdout.split("@@OUTPUTS@@")[-1])
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for k, ((_, shown), got) in enumerate(zip(expected, outputs, strict=True), start=1):
        if shown is not None:
            assert checker.check_output(shown, got, flags), (
                f"{page.name}, python block {k}: the page shows\n{shown}\nbut it prints\n{got}")
