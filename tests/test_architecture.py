"""The shape of the code, read from its imports (ast): no import cycle among the services, no private name
imported from another module, and only the engine adapter imports SpiffWorkflow."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bpmn_server"
SERVICES = PACKAGE / "services"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) of every import in `path`, wherever it is (late imports too)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, [alias.name for alias in node.names]))
    return found


def _service_graph() -> dict[str, set[str]]:
    services = {_module_name(p) for p in SERVICES.glob("*.py") if p.name != "__init__.py"}
    graph: dict[str, set[str]] = {name: set() for name in services}
    for path in SERVICES.glob("*.py"):
        if path.name == "__init__.py":
            continue
        me = _module_name(path)
        for module, names in _imports(path):
            targets = {module} | {f"{module}.{n}" for n in names}
            graph[me] |= {t for t in targets if t in services and t != me}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_among_services() -> None:
    cycle = _cycle(_service_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_no_private_name_imported_across_modules() -> None:
    offenders = []
    for path in _sources():
        for module, names in _imports(path):
            if not module.startswith("bpmn_server") and module != "models":
                continue
            offenders += [f"{_module_name(path)}: {module}.{n}" for n in names if n.startswith("_")
                          and not n.startswith("__")]
    assert offenders == []


def test_only_the_engine_imports_spiffworkflow() -> None:
    engine = PACKAGE / "engine"
    offenders = sorted({_module_name(p) for p in _sources() + sorted((ROOT / "models").rglob("*.py"))
                        if engine not in p.parents
                        and any(m.split(".")[0] == "SpiffWorkflow" for m, _ in _imports(p))})
    assert offenders == []


def _module_aliases(path: Path) -> dict[str, str]:
    """Local names bound to modules of the project by `from X import module` / `import X as name`."""
    known = {_module_name(p) for p in _sources()} | {_module_name(p) for p in (ROOT / "models").rglob("*.py")}
    aliases: dict[str, str] = {}
    for module, names in _imports(path):
        for name in names:
            if f"{module}.{name}" in known:
                aliases[name] = f"{module}.{name}"
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.asname and alias.name in aliases:
                    aliases[alias.asname] = aliases[alias.name]
    return aliases


def test_no_private_name_used_across_modules() -> None:
    offenders = []
    for path in _sources():
        aliases = _module_aliases(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                offenders.append(f"{_module_name(path)}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    assert offenders == []
