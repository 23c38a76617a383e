"""The documentation runs: every Python block of the guides, the index page and the README.

All pages run in one process started for them, each page in a fresh namespace and its own
working directory (a page may write files), its ``python`` blocks in order, as a reader would
paste them; one test runs them all, so that process starts once. Where a page
shows what a block prints (a ``text`` block right after the ``python`` block), the printed
output must match it, compared as doctest compares (whitespace normalised; ``...`` matches
anything).
"""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs" / "guides").glob("*.md")) + [ROOT / "docs" / "index.md",
                                                          ROOT / "README.md"]
_FENCE = re.compile(r"^```([\w{}-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)

_RUNNER = r'''
import contextlib, io, json, os, sys, traceback
results = {}
for page, codes in json.load(sys.stdin).items():
    os.makedirs(page, exist_ok=True)
    os.chdir(page)
    namespace = {"__name__": "__docs__"}
    outputs = []
    for code in codes:
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, f"{page} block {len(outputs) + 1}", "exec"), namespace)
        except Exception:
            results[page] = {"error": buf.getvalue() + traceback.format_exc()}
            break
        outputs.append(buf.getvalue())
    else:
        results[page] = {"outputs": outputs}
    os.chdir("..")
print("\n@@OUTPUTS@@" + json.dumps(results))
'''
"""Runs pages given as {name: [code, ...]} in one process, each page in a fresh namespace and
its own working directory: one interpreter start and one set of compiled programs for all
pages (a page that changes global state, such as enabling x64 for good, would need its own)."""


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


def test_every_page_runs_and_prints_what_it_shows(tmp_path):
    """All pages in one process (one test, so one interpreter start under xdist too); the
    failure message names every page that failed and why."""
    pages = {p.relative_to(ROOT).as_posix(): blocks(p.read_text(encoding="utf-8"))
             for p in PAGES}
    empty = [name for name, expected in pages.items() if not expected]
    assert not empty, f"pages without a python block: {empty}"
    proc = subprocess.run([sys.executable, "-c", _RUNNER], cwd=tmp_path,
                          input=json.dumps({name: [code for code, _ in expected]
                                            for name, expected in pages.items()}),
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, f"the docs runner failed:\n{proc.stdout[-3000:]}" \
                                 f"{proc.stderr[-3000:]}"
    results = json.loads(proc.stdout.split("@@OUTPUTS@@")[-1])
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    failures = []
    for name, expected in pages.items():
        result = results[name]
        if "error" in result:
            failures.append(f"{name} failed:\n{result['error'][-3000:]}")
            continue
        for k, ((_, shown), got) in enumerate(zip(expected, result["outputs"], strict=True),
                                              start=1):
            if shown is not None and not checker.check_output(shown, got, flags):
                failures.append(f"{name}, python block {k}: the page shows\n{shown}\nbut it "
                                f"prints\n{got}")
    assert not failures, "\n\n".join(failures)
