"""Dependencies point one way (DESIGN §5, STYLE 14): the apps' import graph has no cycle, no app's views import
another app's views, and the access policy imports no app (every app asks it).

Imports are read from the source (module level and function bodies alike), tests and migrations aside. Models
of other apps reached through a ForeignKey are not imports, and are allowed both ways.
"""

import ast
import itertools
from collections import defaultdict
from pathlib import Path

APPS = Path(__file__).resolve().parent.parent / "apps"


def _imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend([node.module] + [f"{node.module}.{alias.name}" for alias in node.names])
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [name for name in found if name.startswith("apps.")]


def _modules():
    for path in sorted(APPS.rglob("*.py")):
        parts = path.relative_to(APPS).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield parts, _imports(ast.parse(path.read_text(), str(path)))


def app_graph() -> dict[str, dict[str, set[str]]]:
    """app -> {imported app: {importing files}}"""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for parts, imports in _modules():
        for name in imports:
            other = name.split(".")[1]
            if other != parts[0]:
                graph[parts[0]][other].add("/".join(parts))
    return graph


def find_cycle(graph) -> list[str]:
    """One cycle of the graph as a path of app names, or []."""
    state: dict[str, str] = {}

    def visit(app, path):
        state[app] = "open"
        for other in sorted(graph.get(app, {})):
            if state.get(other) == "open":
                return [*path[path.index(other) :], other]
            if other not in state and (cycle := visit(other, [*path, other])):
                return cycle
        state[app] = "done"
        return []

    for app in sorted(graph):
        if app not in state and (cycle := visit(app, [app])):
            return cycle
    return []


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b": set()}, "b": {"c": set()}, "c": {"a": set()}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": set(), "c": set()}, "b": {"c": set()}, "c": {}}) == []


def test_the_apps_import_graph_has_no_cycle():
    graph = app_graph()
    cycle = find_cycle(graph)
    where = [f"{a} -> {b}: {sorted(graph[a][b])}" for a, b in itertools.pairwise(cycle)]
    assert not cycle, "import cycle between apps:\n" + "\n".join(where)


def test_the_access_policy_and_core_import_no_other_app():
    graph = app_graph()
    assert dict(graph.get("access", {})) == {}
    assert set(graph.get("core", {})) <= {"access"}


def test_no_apps_views_import_another_apps_views():
    crossing = [
        ("/".join(parts), name)
        for parts, imports in _modules()
        for name in imports
        if ".views" in name and name.split(".")[1] != parts[0]
    ]
    assert crossing == []


def test_webhooks_sit_above_the_door_which_tells_them_by_a_signal():
    """The door sends ``issued_badges_changed`` and imports no receiver; apps.webhooks listens. Only the pages and
    the API above it (api, home) may import webhooks."""
    graph = app_graph()
    assert "issued_badges" in graph["webhooks"]
    assert {app for app, imported in graph.items() if "webhooks" in imported} <= {"api", "home"}
