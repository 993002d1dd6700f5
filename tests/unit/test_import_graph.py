"""Our modules import in one direction: no import circles, and what ships does not import the
test tooling (emulators, tests) that surrounds it.

The graph is grimp's (the library import-linter builds on), over our four top-level packages;
imports under `if TYPE_CHECKING:` count, since a circle of types is still a circle to a reader.
"""

import ast
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
OUR_PACKAGES = ("touchpoints", "emulators", "scripts", "tests")
TEST_TOOLING = ("emulators", "tests")
# Scripts a user runs against a deployed stack: product, not test tooling.
PRODUCT_SCRIPTS = ("scripts.admin", "scripts.openapi", "scripts.runbook")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    assert str(ROOT / "layers" / "shared") in sys.path  # pytest's pythonpath puts the layer there
    return grimp.build_graph(*OUR_PACKAGES, cache_dir=None)


def _circles(graph: grimp.ImportGraph) -> set[tuple[str, ...]]:
    """Every import A -> B for which B also leads back to A, as the circle it closes."""
    circles = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                circle = (importer, *back)
                start = circle.index(min(circle[:-1]))  # one spelling per circle
                circles.add(circle[start:-1] + circle[:start] + (circle[start],))
    return circles


def test_our_modules_import_in_no_circle(graph):
    circles = sorted(" -> ".join(circle) for circle in _circles(graph))
    assert circles == [], "import circles:\n" + "\n".join(circles)


def test_a_circle_is_found_when_there_is_one():
    """The check itself can fail: a two-module circle is reported once."""
    graph = grimp.ImportGraph()
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    assert _circles(graph) == {("pkg.a", "pkg.b", "pkg.a")}


def test_the_layer_imports_no_test_tooling_or_scripts(graph):
    for tooling in (*TEST_TOOLING, "scripts"):
        chain = graph.find_shortest_chains(importer="touchpoints", imported=tooling)
        assert not chain, f"the layer reaches {tooling}: {sorted(chain)}"


@pytest.mark.parametrize("script", PRODUCT_SCRIPTS)
def test_the_products_scripts_import_no_test_tooling(graph, script):
    reached = graph.find_upstream_modules(script)
    tooling = sorted(m for m in reached if m.split(".")[0] in TEST_TOOLING)
    assert tooling == [], f"{script} imports test tooling: {tooling}"


def test_the_handlers_import_no_test_tooling():
    for path in sorted(ROOT.glob("functions/**/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in (*TEST_TOOLING, "scripts"), f"{path}: {name}"
