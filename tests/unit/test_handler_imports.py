"""Handlers depend on the use cases, never on adapters: a handler imports services, wiring (the
composition root) and edge material only. Handlers are not a package, so import-linter cannot
see them (`.importlinter` holds the layer's own contracts); this reads their imports instead."""

import ast
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
# What a handler may import of ours: the use cases, the composition root, and what the edge needs
# to parse a request and shape a reply (errors and values to map, settings, rules for limits).
ALLOWED = {
    "services",
    "wiring",
    "edge",
    "outbound",
    "errors",
    "ports",
    "rules",
    "settings",
    "tracing",
}
HANDLER_FILES = sorted(FUNCTIONS.rglob("*.py"))


def _our_imports(path: Path) -> list[str]:
    """Every `touchpoints.…` module the file imports, wherever the import stands."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return [m for m in modules if m == "touchpoints" or m.startswith("touchpoints.")]


def test_there_are_handlers_to_check():
    assert any(path.name == "app.py" for path in HANDLER_FILES)


@pytest.mark.parametrize("path", HANDLER_FILES, ids=lambda p: str(p.relative_to(FUNCTIONS)))
def test_a_handler_imports_services_wiring_and_edge_material_only(path):
    refused = [
        module
        for module in _our_imports(path)
        if module == "touchpoints" or module.split(".")[1] not in ALLOWED
    ]
    assert refused == [], f"{path.name} imports {refused}: go through a service and wiring"


def test_the_check_sees_an_adapter_import(tmp_path):
    handler = tmp_path / "app.py"
    handler.write_text(
        "from touchpoints.adapters.salesforce import SalesforceGateway\n"
        "def lambda_handler(event, context):\n"
        "    import touchpoints.adapters.state_store\n"
    )
    assert _our_imports(handler) == [
        "touchpoints.adapters.salesforce",
        "touchpoints.adapters.state_store",
    ]


HANDLER_MOST_LINES = 150  # a handler parses, calls one use case, shapes the reply: no more


@pytest.mark.parametrize(
    "path", [p for p in HANDLER_FILES if p.name == "app.py"], ids=lambda p: p.parent.name
)
def test_a_handler_stays_thin(path: Path):
    lines = len(path.read_text().splitlines())
    assert lines <= HANDLER_MOST_LINES, (
        f"{path.parent.name}/app.py has {lines} lines: move routes, readers and replies into "
        "the layer's edge (edge/routes/<api>/), the use case into a service"
    )
