"""Architecture rules for ``statmech/`` (the engine) and ``models/`` (models built on it).

DESIGN.md: "test_architecture.py keeps the picture true (no cycles, no private imports)". The
picture is the package layout: an engine with sub-packages, and models on top of it. These tests
read every module's source with ``ast`` (nothing is imported, so they are fast and see imports
that never run) and fail on:

1. An import cycle. The graph has an edge module -> module for every import statement anywhere
   in a file, inside functions too (a function-level import is how cycles usually get hidden),
   except under ``if TYPE_CHECKING:``, which never runs. ``from a.b import c`` is an edge to
   ``a.b.c`` when that is a module or package of the tree, else to ``a.b``; ``import a.b.c`` is
   an edge to ``a.b.c``; relative imports are resolved; a package is its ``__init__.py``. As in
   import-linter, importing ``a.b.c`` adds no edges to the parents ``a`` and ``a.b`` (which
   Python also runs), or every ``__init__`` that re-exports its sub-modules would be a cycle.
   Cycles are found with Tarjan's strongly connected components; each is reported as a chain.
2. A ``_private`` name (module or attribute) imported from outside the package that owns it.
   The owner is the package holding the first component that starts with one underscore
   (dunders such as ``__version__`` are public): for ``statmech._validate`` it is
   ``statmech``; for ``statmech.exact.enumerate._states`` it is ``statmech.exact``, the
   package of the module ``enumerate``. Code inside the owner (its ``__init__`` included) may
   use it; everything else goes through the public API, so private code can change freely.
   Type-only imports count here, as they still couple the code. Only names of the tree count.
3. The engine importing the models: ``statmech`` must not depend on ``models``.
4. A source file over 400 lines: big modules are where the structure stops being visible.

The checker is plain functions (``scan``) so ``test_checker_can_fail`` can run it on a throwaway
package and prove that each rule fires, and does not fire on what is allowed.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("statmech", "models")
ENGINE, UPPER = "statmech", "models"
MAX_LINES = 400


@dataclass
class Module:
    name: str  # dotted; a package is named for its directory (its __init__.py)
    path: Path
    is_package: bool


@dataclass
class Import:
    target: str  # absolute dotted path, imported name included (``a.b.c`` for from a.b import c)
    module: str  # the module part (``a.b`` for from a.b import c; ``a.b.c`` for import a.b.c)
    line: int
    type_checking: bool


@dataclass
class Report:
    cycles: list[list[str]] = field(default_factory=list)  # chains, first == last
    private_imports: list[str] = field(default_factory=list)
    engine_imports_models: list[str] = field(default_factory=list)
    long_files: list[str] = field(default_factory=list)


def find_modules(root: Path, packages: Sequence[str]) -> dict[str, Module]:
    """Every ``.py`` file under ``root/<package>`` for each package, by dotted name."""
    modules: dict[str, Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if any(part == "__pycache__" or part.startswith(".") for part in parts):
                continue
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            modules[name] = Module(name, path, is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, type_checking: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below ``node``, each with whether it sits under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield stmt, True
                yield from _walk(stmt, True)
            for stmt in child.orelse:
                yield stmt, type_checking
                yield from _walk(stmt, type_checking)
        else:
            yield child, type_checking
            yield from _walk(child, type_checking)


def find_imports(module: Module) -> list[Import]:
    """The imports of ``module``, made absolute."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
    base = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    imports: list[Import] = []
    for node, type_checking in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imports.append(Import(alias.name, alias.name, node.lineno, type_checking))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 > len(base):
                    continue  # beyond the top package: an error Python reports on import
                parts = base[: len(base) - (node.level - 1)]
                parts += node.module.split(".") if node.module else []
                source = ".".join(parts)
            else:
                source = node.module or ""
            for alias in node.names:
                target = source if alias.name == "*" else f"{source}.{alias.name}".lstrip(".")
                imports.append(Import(target, source, node.lineno, type_checking))
    return imports


def _resolve(imp: Import, modules: dict[str, Module]) -> str | None:
    """The module of the tree that ``imp`` is an edge to, or None for an outside import."""
    if imp.target in modules:
        return imp.target
    parts = imp.module.split(".")
    for end in range(len(parts), 0, -1):  # longest prefix: ``import a.b.c`` is a.b.c if it exists
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return None


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _owner(prefix: list[str], modules: dict[str, Module]) -> str:
    """The package holding whatever follows ``prefix``: itself, or a module's package."""
    name = ".".join(prefix)
    found = modules.get(name)
    return name if found is None or found.is_package else name.rsplit(".", 1)[0]


def private_violation(
    importer: str, target: str, modules: dict[str, Module]
) -> tuple[str, str, str] | None:
    """(private thing, owning package, rest of ``target``) if ``importer`` may not import it."""
    parts = target.split(".")
    index = next((i for i, part in enumerate(parts) if _is_private(part)), None)
    if not index or parts[0] not in modules:  # none, or not this tree's (``jax._src``)
        return None
    package = _owner(parts[:index], modules)
    if importer == package or importer.startswith(package + "."):
        return None
    return ".".join(parts[: index + 1]), package, ".".join(parts[index + 1 :])


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each sorted, of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def _shortest_cycle(graph: dict[str, set[str]], start: str, within: set[str]) -> list[str]:
    """The shortest chain start -> ... -> start inside ``within`` (a strong component)."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(graph[node] & within):
            if succ == start:
                chain = [node]
                while chain[-1] != start:
                    chain.append(parent[chain[-1]])
                return [start, *reversed(chain[:-1]), start]
            if succ not in parent:
                parent[succ] = node
                queue.append(succ)
    raise AssertionError(f"{start} is on no cycle in {sorted(within)}")


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles covering every module of every strong component, shortest first per component."""
    cycles: list[list[str]] = []
    for component in strongly_connected(graph):
        covered: set[str] = set()
        for node in component:
            if node not in covered:
                cycle = _shortest_cycle(graph, node, set(component))
                covered.update(cycle)
                cycles.append(cycle)
    return cycles


def scan(
    root: Path,
    packages: Sequence[str] = PACKAGES,
    engine: str = ENGINE,
    upper: str = UPPER,
    max_lines: int = MAX_LINES,
) -> Report:
    """Check the packages under ``root`` against the four rules of the module docstring."""
    modules = find_modules(root, packages)
    report = Report()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    private: dict[tuple[str, str, str], list[str]] = {}  # (importer, thing, package) -> names
    for name, module in modules.items():
        lines = len(module.path.read_text(encoding="utf-8").splitlines())
        if lines > max_lines:
            report.long_files.append(f"{module.path.relative_to(root)}: {lines} lines")
        for imp in find_imports(module):
            edge = _resolve(imp, modules)
            if edge is not None and edge != name and not imp.type_checking:
                graph[name].add(edge)
            violation = private_violation(name, imp.target, modules)
            if violation is not None:
                names = private.setdefault((name, *violation[:2]), [])
                names += [violation[2]] if violation[2] and violation[2] not in names else []
            in_engine = name == engine or name.startswith(engine + ".")
            if in_engine and (imp.target == upper or imp.target.startswith(upper + ".")):
                report.engine_imports_models.append(f"{name}:{imp.line}: imports {imp.target}")
    for (importer, thing, package), names in private.items():
        listed = f" ({', '.join(names)})" if names else ""
        report.private_imports.append(
            f"{importer}: imports private {thing}{listed} from package {package}"
        )
    report.cycles = find_cycles(graph)
    return report


def _listing(violations: Sequence[str]) -> str:
    return "\n  " + "\n  ".join(violations)


@pytest.fixture(scope="module")
def report() -> Report:
    return scan(ROOT)


def test_no_import_cycles(report: Report) -> None:
    chains = [" -> ".join(cycle) for cycle in report.cycles]
    assert not chains, f"import cycles:{_listing(chains)}"


def test_no_private_imports_across_packages(report: Report) -> None:
    assert not report.private_imports, (
        f"private names imported from outside their package:{_listing(report.private_imports)}"
    )


def test_engine_does_not_import_models(report: Report) -> None:
    assert not report.engine_imports_models, (
        f"{ENGINE} must not import {UPPER}:{_listing(report.engine_imports_models)}"
    )


def test_no_long_files(report: Report) -> None:
    assert not report.long_files, f"files over {MAX_LINES} lines:{_listing(report.long_files)}"


def test_checker_can_fail(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "from pkg.a import f\nfrom pkg import sub\n",  # re-exports: no cycle
        "pkg/a.py": "import pkg.b\n\ndef f():\n    return pkg.b\n",
        "pkg/b.py": "from pkg import a\n",
        "pkg/c.py": "from pkg.sub._hidden import x\nfrom .sub import d\n",
        "pkg/e.py": "def g():\n    from . import f\n    return f\n",  # function level
        "pkg/f.py": "import pkg.e\nimport os\nfrom jax._src import core\n",
        "pkg/g.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import pkg.h\n",
        "pkg/h.py": "from pkg import g\nfrom pkg.sub.d import _y\nfrom pkg import __version__\n",
        "pkg/sub/__init__.py": "from pkg.sub._hidden import x\n",
        "pkg/sub/_hidden.py": "x = 1\n",
        "pkg/sub/d.py": "from ._hidden import x\nfrom pkg.sub import _hidden\n_y = x\n",
        "pkg/long.py": "x = 1\n" * 401,
        "pkg/just_fits.py": "x = 1\n" * 400,
        "upper/__init__.py": "import pkg._secret\n",
        "upper/top.py": "import pkg\n",
        "pkg/_secret.py": "import upper.top\n\ndef k():\n    from upper import top\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    found = scan(tmp_path, ("pkg", "upper"), engine="pkg", upper="upper")

    assert found.cycles == [["pkg.a", "pkg.b", "pkg.a"], ["pkg.e", "pkg.f", "pkg.e"]]
    assert found.private_imports == [
        "pkg.c: imports private pkg.sub._hidden (x) from package pkg.sub",
        "pkg.h: imports private pkg.sub.d._y from package pkg.sub",
        "upper: imports private pkg._secret from package pkg",
    ]
    assert found.engine_imports_models == [
        "pkg._secret:1: imports upper.top",
        "pkg._secret:4: imports upper.top",
    ]
    assert found.long_files == [f"{Path('pkg/long.py')}: 401 lines"]
