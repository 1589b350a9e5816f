"""The apps' imports point down the layers: core imports no app, and no two apps import each other.

The layers, lowest first: core ← people ← integrations ← policy ← customers ← value ← decisions. Value
sits above customers because refitting values reads the customers' purchases and writes their predicted value;
the customer page learns from value only why a value is missing, through a hook (core.hooks). Where
a lower app shows what a higher one knows, the higher app provides it from its AppConfig.ready().

Every import counts, also one inside a function. Tests and migrations are left out (tests build
data with any app's factories; migrations name other apps by label), and so are the project's own
modules (settings, urls, api, wsgi, the `leeway` command), which put the apps together.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the leeway package
LAYERS = [
    "core",
    "people",
    "integrations",
    "policy",
    "customers",
    "value",
    "decisions",
    "recognition",
    "alignment",
    "reports",
    "training",
    "insights",
]


def module_name(path: Path, package_root: Path) -> str:
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, package_root: Path) -> list[tuple[str, int]]:
    """Every module `path` imports (absolute names, relative imports resolved) with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path, package_root).split(".")
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_package else here[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((name, node.lineno))
            # `from leeway import customers` imports an app too.
            found += [(f"{name}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"]
    return found


def app_imports(package_root: Path) -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) → where, for every import from one app into another."""
    package = package_root.name
    apps = {child.name for child in package_root.iterdir() if (child / "apps.py").is_file()}
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(package_root.rglob("*.py")):
        parts = path.relative_to(package_root).parts
        if len(parts) < 2 or parts[0] not in apps or "tests" in parts or "migrations" in parts:
            continue
        source = parts[0]
        for name, line in imported_modules(path, package_root):
            pieces = name.split(".")
            if len(pieces) >= 2 and pieces[0] == package and pieces[1] in apps and pieces[1] != source:
                where = f"{path.relative_to(package_root.parent)}:{line}"
                # `from a.b import c` is both a.b and a.b.c: name the line once.
                if not any(seen.startswith(f"{where} ") for seen in edges[(source, pieces[1])]):
                    edges[(source, pieces[1])].append(f"{where} imports {name}")
    return dict(edges)


def cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """The groups of apps that reach each other through imports (Tarjan's strongly connected components)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def layout_problems(package_root: Path, layers: list[str]) -> list[str]:
    """Every import that breaks the layout, in words; [] when the layout holds."""
    edges = app_imports(package_root)
    problems = []
    for (source, target), where in sorted(edges.items()):
        if source == layers[0]:
            problems.append(f"{layers[0]} imports the {target} app: " + "; ".join(where))
        elif source in layers and target in layers and layers.index(target) > layers.index(source):
            problems.append(f"{source} imports {target}, a layer above it: " + "; ".join(where))
    for group in cycles(edges):
        steps = [
            f"{source} -> {target} ({where[0]}" + (f" and {len(where) - 1} more)" if len(where) > 1 else ")")
            for (source, target), where in sorted(edges.items())
            if source in group and target in group
        ]
        problems.append(f"import cycle between {', '.join(group)}: " + "; ".join(steps))
    return problems


def test_core_imports_no_app_and_no_two_apps_import_each_other():
    assert layout_problems(ROOT, LAYERS) == []


def test_every_app_in_the_layers_exists():
    assert all((ROOT / app / "apps.py").is_file() for app in LAYERS)


@pytest.fixture
def package(tmp_path):
    """A throwaway package with apps `core`, `low` and `high`, where `high` imports `low`."""
    root = tmp_path / "pkg"

    def write(relative: str, text: str = "") -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    write("__init__.py")
    for app in ("core", "low", "high"):
        write(f"{app}/__init__.py")
        write(f"{app}/apps.py")
    write("core/money.py", "import decimal\n")
    write("high/views.py", "from pkg.low.models import Thing\n")
    write("settings.py", "import pkg.high.views\n")  # the project's own modules may import any app
    write("low/tests/test_it.py", "from pkg.high import views\n")  # and so may tests
    return root, write


def test_the_check_passes_a_layout_whose_imports_point_down(package):
    root, _write = package
    assert layout_problems(root, ["core", "low", "high"]) == []


def test_the_check_finds_a_cycle_through_an_import_inside_a_function(package):
    root, write = package
    write("low/selectors.py", "def card():\n    from pkg.high.views import thing\n    return thing\n")
    problems = layout_problems(root, ["core", "low", "high"])
    assert any(problem.startswith("low imports high, a layer above it") for problem in problems)
    assert any(
        problem.startswith("import cycle between high, low") and "pkg/low/selectors.py:2" in problem
        for problem in problems
    )
    # Without a declared order the cycle alone is reported.
    assert [p for p in layout_problems(root, ["core"]) if "cycle" in p] == [
        p for p in problems if "cycle" in p
    ]
    assert len([p for p in layout_problems(root, ["core"]) if "cycle" in p]) == 1


def test_the_check_finds_core_importing_an_app_relatively_or_by_package(package):
    root, write = package
    write("core/models.py", "from ..low import models\n")
    write("core/audit.py", "from pkg import high\n")
    problems = layout_problems(root, ["core", "low", "high"])
    assert any(p.startswith("core imports the low app") and "pkg/core/models.py:1" in p for p in problems)
    assert any(p.startswith("core imports the high app") and "pkg/core/audit.py:1" in p for p in problems)
