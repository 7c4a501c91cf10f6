"""Package layout rules: no import circle, no module over 500 lines (standard library only)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "hhikit"
MAX_LINES = 500

# Modules other open issues are rewriting right now may be listed here with the issue that
# splits them; a listed module that is short again must leave the list (checked below).
BEING_SPLIT: dict[str, str] = {}
# Circles inside areas being rewritten elsewhere (listed by their modules).
KNOWN_CIRCLES: dict[frozenset[str], str] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """hhikit modules ``name`` imports anywhere (module level or inside a function: a lazy
    import only postpones a circle), except under ``if TYPE_CHECKING``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__" and node in tree.body:
            return  # a module-level __getattr__ re-exports old names for one release: not a dependency
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if sub in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[set[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    found = circles(import_graph())
    new = [c for c in found if frozenset(c) not in KNOWN_CIRCLES]
    assert new == [], "import circles: " + "; ".join(" <-> ".join(sorted(c)) for c in new)
    stale = set(KNOWN_CIRCLES) - {frozenset(c) for c in found}
    assert not stale, f"fixed circles still listed as known (remove them): {stale}"


def test_no_module_over_500_lines():
    long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and rel not in BEING_SPLIT:
            long[rel] = n
    assert long == {}, f"modules over {MAX_LINES} lines (split them): {long}"
    stale = [
        m
        for m in BEING_SPLIT
        if not (PACKAGE.parent / m).exists() or len((PACKAGE.parent / m).read_text().splitlines()) <= MAX_LINES
    ]
    assert not stale, f"split already: remove from BEING_SPLIT: {stale}"


PREPARATION = {
    "hhikit.models.setup",
    "hhikit.perception.mediapipe.prepare",
    "hhikit.perception.tfjs.graph",
    "hhikit.perception.tfjs.reference",
    "hhikit.perception.tfjs.onnx_ops",
    "hhikit.perception.tfjs.convert",
    "hhikit.perception.tfjs.int8",
    "hhikit.perception.tfjs.prepare",
}
RUNTIME = [
    "hhikit.pipeline",
    "hhikit.perception.fusion",
    "hhikit.perception.mediapipe.pose",
    "hhikit.perception.mediapipe.faces",
    "hhikit.perception.mediapipe.hands",
    "hhikit.perception.tfjs.movenet",
    "hhikit.perception.tfjs.centernet",
]


def test_run_time_modules_never_import_preparation_modules():
    graph = import_graph()
    for start in RUNTIME:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo.extend(graph.get(m, ()))
        assert not (seen & PREPARATION), f"{start} imports preparation code: {sorted(seen & PREPARATION)}"
