"""The package's layers, read from its imports (ast): no import circle, no private names
borrowed across modules. Imports under ``TYPE_CHECKING`` are for type hints only and do not
count (the agents and the model name each other that way)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "nsrsim"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_only_nodes(tree: ast.Module) -> set[int]:
    """Ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside.update(id(child) for child in ast.walk(node))
    return inside


def imports() -> dict[str, list[tuple[str, list[str]]]]:
    """Per module, the package modules it imports at run time, with the names taken
    (``from nsrsim import accounts`` imports the module nsrsim.accounts, not the package)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    found: dict[str, list[tuple[str, list[str]]]] = {m: [] for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = type_only_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                found[name] += [(a.name, []) for a in node.names if a.name in modules]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if not node.module.startswith("nsrsim"):
                    continue
                names = [a.name for a in node.names]
                inner = [f"{node.module}.{n}" for n in names]
                submodules = [s for s in inner if s in modules]
                if submodules:
                    found[name] += [(s, []) for s in submodules]
                else:
                    found[name].append((node.module, names))
    return found


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    result: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return result


def test_no_import_circles():
    found = imports()
    graph = {m: {t for t, _ in targets if t != m} for m, targets in found.items()}
    assert sum(len(t) for t in graph.values()) > 50  # the reader sees the imports
    assert circles(graph) == []


def test_no_private_names_across_modules():
    borrowed = [
        f"{m} imports {n} from {t}"
        for m, targets in imports().items()
        for t, names in targets
        for n in names
        if n.startswith("_") and not n.endswith("__") and t != m
    ]
    assert borrowed == []


def test_the_reader_finds_a_known_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
