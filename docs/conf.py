"""Sphinx configuration for the statmech documentation.

Build: ``pip install -e ".[docs]"`` then ``sphinx-build -b html docs docs/_build/html``.
"""

from __future__ import annotations

import os
import re
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
sys.path.insert(0, ROOT)

# -- Project ------------------------------------------------------------------------------------
project = "statmech"
author = "the statmech authors"
copyright = "the statmech authors"
try:
    import statmech

    release = statmech.__version__
except Exception:  # the docs still build (without API pages) if JAX is missing
    release = "0.1.0"
version = release

# -- General ------------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# -- MyST (markdown pages) ----------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# -- autodoc / napoleon (Google-style docstrings) -----------------------------------------------
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# "Attributes:" sections become :ivar: fields, so NamedTuple fields are not described twice;
# their types are in the prose ("int32 [E, 2]"), not the runtime repr of jax.Array.
napoleon_use_ivar = True
napoleon_attr_annotations = False
# Types go into the Args descriptions; undocumented (NamedTuple constructor) args get none.
autodoc_typehints_description_target = "documented"

# -- HTML ---------------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = "statmech"
html_theme_options = {
    "description": "Differentiable statistical mechanics in JAX",
    "fixed_sidebar": True,
    "page_width": "1100px",
}

# -- The benchmark results page -----------------------------------------------------------------
# docs/benchmarks.md includes ../benchmarks/RESULTS.md, which `python -m benchmarks` writes. Until
# that file exists, the include is replaced by a note so that the build stays warning-free.
RESULTS = os.path.join(ROOT, "benchmarks", "RESULTS.md")
_INCLUDE = re.compile(r"```\{include\} \.\./benchmarks/RESULTS\.md\n.*?```\n", re.DOTALL)


def _missing_results(app, docname, source):
    if docname == "benchmarks" and not os.path.exists(RESULTS):
        source[0] = _INCLUDE.sub(
            "```{note}\n`benchmarks/RESULTS.md` has not been generated yet: run "
            "`python -m benchmarks` and rebuild the documentation.\n```\n",
            source[0],
        )


def _skip_namedtuple_aliases(app, what, name, obj, skip, options):
    """Hide the generated "Alias for field number k" members of NamedTuples (the class docstring's
    Attributes section already describes every field)."""
    if (getattr(obj, "__doc__", None) or "").startswith("Alias for field number"):
        return True
    return None


def _always_reread_benchmarks(app, env, added, changed, removed):
    """Re-read benchmarks.md on every build: RESULTS.md may have appeared or changed."""
    return ["benchmarks"] if "benchmarks" in env.found_docs else []


def setup(app):
    app.connect("source-read", _missing_results)
    app.connect("env-get-outdated", _always_reread_benchmarks)
    app.connect("autodoc-skip-member", _skip_namedtuple_aliases)
