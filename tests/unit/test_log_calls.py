"""Log calls cannot crash at the level the template deploys.

Python's logging refuses an `extra` key that names a LogRecord attribute ("Attempt to overwrite
'created' in LogRecord") — raised inside the log call, so at INFO a recompute that had done its
work failed. Every structured field therefore goes under one namespaced key.
"""

import ast
import logging
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [*ROOT.glob("functions/*/app.py"), *ROOT.glob("layers/shared/touchpoints/**/*.py")]
)
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
# What LogRecord itself sets: a key among these in `extra` makes the log call raise.
RESERVED = set(vars(logging.LogRecord("n", logging.INFO, "p", 1, "m", None, None))) | {"message"}


def _log_extras() -> list[tuple[str, ast.expr]]:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LOG_METHODS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "logger"
            ):
                for keyword in node.keywords:
                    if keyword.arg == "extra":
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        found.append((where, keyword.value))
    return found


def test_the_scan_finds_the_log_calls_it_guards():
    assert len(_log_extras()) >= 10


@pytest.mark.parametrize(
    ("where", "extra"), _log_extras(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_log_call_puts_its_fields_under_one_namespaced_key(where, extra):
    assert isinstance(extra, ast.Dict), f"{where}: extra must be a literal {{'namespace': ...}}"
    keys = [key.value for key in extra.keys if isinstance(key, ast.Constant)]
    assert len(keys) == len(extra.keys) == 1, f"{where}: one namespaced key, got {keys}"
    assert keys[0] not in RESERVED, f"{where}: {keys[0]!r} is a LogRecord attribute"


def test_a_flat_reserved_key_is_what_crashes_a_log_call():
    """The failure this guards against, shown with the standard library itself."""
    logger = logging.getLogger("log-calls-test")
    logger.setLevel(logging.INFO)
    with pytest.raises(KeyError, match="Attempt to overwrite 'created'"):
        logger.info("campaign recomputed", extra={"created": 3})
