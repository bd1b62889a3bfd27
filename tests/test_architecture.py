"""The package's architecture, checked on the source (AST only, nothing is imported).

1. No import cycle at module level: imports inside functions and under
   ``if TYPE_CHECKING:`` are left out (they run later, or never); everything that runs on
   import counts, class bodies and ``try``/``if`` blocks included. Nor any cycle once
   the imports deferred into functions count too: a deferred import may keep a module
   cheap to import, never hide a dependency knot (break the cycle: an interface module
   apart from its registry, e.g. ``finetune.backend`` and ``finetune.backends``, or
   ``rules.registry`` and ``rules.catalogue``).
2. Layering: the core (``engine``, ``rules``, ``tokens``, ``providers``) never imports
   the front ends (``cli``, ``finetune``, ``smoke``, ``reporters``) at module level;
   ``reporters`` never import ``cli``; no provider package imports another provider's
   modules (at any level: what providers share goes to a neutral module).
3. No module is longer than ``MAX_LINES``: split it along a seam.

An import names one module: ``from .a import b`` is an edge to ``a``, or to ``a.b`` when
that is a module. The package ``__init__`` files Python runs on the way are not edges:
they only re-export, and the package's own code imports submodules directly.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "jsonl_guard"
MAX_LINES = 450

CORE = ("engine", "rules", "tokens", "providers")
FRONT_ENDS = ("cli", "finetune", "smoke", "reporters")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(
    node: ast.AST, *, functions: bool, type_checking: bool
) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements under ``node``, with or without those in functions and
    those under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif not functions and isinstance(
            child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        ):
            continue
        elif not type_checking and isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.orelse:
                yield from _imports(statement, functions=functions, type_checking=type_checking)
                if isinstance(statement, (ast.Import, ast.ImportFrom)):
                    yield statement
        else:
            yield from _imports(child, functions=functions, type_checking=type_checking)


def _targets(module: str, statement: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The package's modules one import statement of ``module`` names."""
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            name = alias.name
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name:
                yield name
        return
    if statement.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(statement.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{statement.module}" if statement.module else package
    else:
        base = statement.module or ""
    for alias in statement.names:
        if f"{base}.{alias.name}" in MODULES:
            yield f"{base}.{alias.name}"
        elif base in MODULES:
            yield base


def _graph(*, functions: bool, type_checking: bool = False) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        statements = _imports(tree, functions=functions, type_checking=type_checking)
        graph[module] = {
            target
            for statement in statements
            for target in _targets(module, statement)
            if target != module
        }
    return graph


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(graph[root])))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
                    found.append(sorted(component))
    return found


def _cycle(graph: dict[str, set[str]], members: list[str]) -> list[str]:
    """One cycle through the first member of a component, as a path (breadth-first)."""
    start, inside = members[0], set(members)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & inside):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    return members


def module_cycles() -> list[list[str]]:
    """The modules of each cycle among imports that run on import (a component each)."""
    return _components(_graph(functions=False))


def deferred_cycles() -> list[list[str]]:
    """The same once imports deferred into functions count too (not TYPE_CHECKING ones)."""
    return _components(_graph(functions=True))


def _show(members: list[str], *, functions: bool) -> str:
    return " -> ".join(_cycle(_graph(functions=functions), members))


def long_modules() -> dict[str, int]:
    lengths = {
        module: len(path.read_text("utf-8").splitlines()) for module, path in MODULES.items()
    }
    return {module: lines for module, lines in lengths.items() if lines > MAX_LINES}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _provider(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "providers" else None


def test_the_scan_sees_the_package():
    assert "jsonl_guard" in MODULES
    assert any(module.startswith("jsonl_guard.engine.") for module in MODULES)


def test_no_import_cycle_at_module_level():
    cycles = [_show(members, functions=False) for members in module_cycles()]
    assert not cycles, "import cycle(s) at module level:\n  " + "\n  ".join(cycles)


def test_no_import_cycle_through_deferred_imports_either():
    cycles = [_show(members, functions=True) for members in deferred_cycles()]
    assert not cycles, "import cycle(s) through imports in functions:\n  " + "\n  ".join(cycles)


def test_the_core_never_imports_the_front_ends():
    bad = [
        f"{module} imports {target}"
        for module, targets in sorted(_graph(functions=False).items())
        for target in sorted(targets)
        if (_layer(module) in CORE and _layer(target) in FRONT_ENDS)
        or (_layer(module) == "reporters" and _layer(target) == "cli")
    ]
    assert not bad, "layering broken:\n  " + "\n  ".join(bad)


def test_no_provider_imports_another_providers_modules():
    graph = _graph(functions=True, type_checking=True)
    bad = [
        f"{module} imports {target}"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if _provider(module) and _provider(target) and _provider(module) != _provider(target)
    ]
    assert not bad, "move what providers share to a neutral module:\n  " + "\n  ".join(bad)


def test_no_module_is_too_long():
    long = sorted(f"{module} ({lines} lines)" for module, lines in long_modules().items())
    assert not long, f"over {MAX_LINES} lines, split them: {long}"
