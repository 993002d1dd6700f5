"""Benchmark: each handler's cold import, as Lambda does it at init (`make bench-cold-start`).

Every sample is a fresh interpreter that imports one handler the way the runtime does (the
function's folder first on the path, then the layer), with the environment template.yaml gives the
function (placeholder values for what the stack would fill in) and the variables Lambda sets, so
the tracer is on and patches what it patches when deployed. The CPU time of the import is compared
with `import boto3` measured in the same run (median of the runs, samples interleaved so load on the
machine falls on both alike). Goal (issue 11): each handler at most 1.6 x `import boto3`.
A second column adds the clients the function's main trigger loads on its first call (wiring imports
them where it builds them), so a cost moved from the import to the first call stays in view. Then
the built layer's size, when `sam build` has left one in .aws-sam/build.

Usage: python -m scripts.bench_cold_start [--runs N] [--no-bytecode]
  --no-bytecode  compile every module from source, as Lambda does for a layer shipped without .pyc
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from emulators.template_stack import Stack, load_template, process_environment

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "shared"
BUILT_LAYER = ROOT / ".aws-sam" / "build" / "SharedLayer"
GOAL_RATIO = 1.6
BOTO3 = "boto3"

# What each function's main trigger loads on its first call, beyond the handler's own imports.
FIRST_CALL_LOADS = {
    "CampaignWebhookFunction": (),
    "BulkDateApiFunction": ("touchpoints.adapters.salesforce_client",),
    "BulkDateJobFunction": ("touchpoints.adapters.salesforce_client",),
    "TouchpointRecomputeFunction": ("touchpoints.adapters.salesforce_client",),
    "ReconciliationSweepFunction": ("touchpoints.adapters.salesforce_client",),
    "ChangeEventFunction": ("touchpoints.adapters.salesforce_client",),  # a record's campaigns
    # its use case, with the attribution rules, which wiring imports where it builds it
    "AttributionFunction": (
        "touchpoints.adapters.salesforce_client",
        "touchpoints.services.attribution",
    ),
    "SyncStatusFunction": (),  # the state table only
    "ChannelMappingFunction": (),  # the state table and the recompute queue
    "ProgramSyncFunction": (
        "touchpoints.adapters.salesforce_client",
        "touchpoints.adapters.marketo",
    ),
    "ProgramSyncApiFunction": (
        "touchpoints.adapters.salesforce_client",
        "touchpoints.adapters.marketo",
    ),
}

# Runs in the fresh interpreter: import the modules, report their CPU time and what they loaded.
_PROBE = """
import json, sys, time
started = time.process_time()
for name in {modules!r}:
    __import__(name)
cpu = time.process_time() - started
print(json.dumps({{"cpu": cpu, "modules": sorted(sys.modules)}}))
"""


@dataclass(frozen=True)
class Probe:
    """One import in a fresh interpreter: its CPU seconds and every module it left loaded."""

    cpu: float
    modules: frozenset[str]


def handler_dirs() -> dict[str, Path]:
    """Each function of template.yaml and its code folder."""
    resources = load_template()["Resources"]
    return {
        logical_id: ROOT / resource["Properties"]["CodeUri"]
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def function_environment(logical_id: str) -> dict[str, str]:
    """The function's variables as template.yaml sets them, placeholders for the stack's values,
    plus what Lambda itself sets (which turns the tracer on)."""
    template = load_template()
    parameters = {
        name: str(spec.get("Default", "placeholder"))
        for name, spec in template.get("Parameters", {}).items()
    }
    parameters["AllowedOrgIds"] = "00D000000000000AAA"
    stack = Stack("bench", template, parameters)
    for resource_id in template["Resources"]:
        stack.physical_ids.setdefault(resource_id, f"bench-{resource_id}")
    environment = stack.function_environment(logical_id)
    environment.update(process_environment(parameters))
    environment.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": logical_id,
            "AWS_REGION": "eu-west-1",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "LAMBDA_TASK_ROOT": str(handler_dirs()[logical_id]),
            "_HANDLER": "app.lambda_handler",
        }
    )
    return environment


def probe(
    modules: tuple[str, ...], path: list[Path], environment: dict[str, str], bytecode: bool = True
) -> Probe:
    """Import `modules` in a fresh interpreter with `path` searched first."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", tempfile.gettempdir()),
        "PYTHONPATH": os.pathsep.join(str(p) for p in path),
        **environment,
    }
    with tempfile.TemporaryDirectory() as empty:
        if not bytecode:  # look for .pyc in an empty folder and write none: compile everything
            env.update({"PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"})
        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", _PROBE.format(modules=modules)],
            cwd=tempfile.gettempdir(),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"importing {modules} failed:\n{result.stderr}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return Probe(report["cpu"], frozenset(report["modules"]))


def probe_handler(logical_id: str, bytecode: bool = True, first_call: bool = False) -> Probe:
    """The function's `app` module imported as Lambda imports it (its folder, then the layer);
    with `first_call`, then what its main trigger's first call loads."""
    modules = ("app", *(FIRST_CALL_LOADS[logical_id] if first_call else ()))
    environment = function_environment(logical_id)
    return probe(modules, [handler_dirs()[logical_id], LAYER], environment, bytecode)


def layer_size() -> int | None:
    if not BUILT_LAYER.is_dir():
        return None
    return _size(BUILT_LAYER)


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def largest_packages(count: int = 5) -> list[tuple[str, int]]:
    """The built layer's largest top-level packages, name and bytes, largest first."""
    site = BUILT_LAYER / "python"
    folders = [entry for entry in site.iterdir() if entry.is_dir()] if site.is_dir() else []
    sizes = [(folder.name, _size(folder)) for folder in folders]
    return sorted(sizes, key=lambda pair: pair[1], reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true")
    options = parser.parse_args()
    bytecode = not options.no_bytecode
    functions = list(handler_dirs())
    boto3: list[float] = []
    imports: dict[str, list[float]] = {name: [] for name in functions}
    first_calls: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(options.runs):
        boto3.append(probe((BOTO3,), [], {}, bytecode).cpu)
        for logical_id in functions:
            imports[logical_id].append(probe_handler(logical_id, bytecode).cpu)
            first_calls[logical_id].append(probe_handler(logical_id, bytecode, True).cpu)
    baseline = statistics.median(boto3)
    mode = "with .pyc" if bytecode else "no .pyc (compiled from source)"
    print(f"Cold import CPU time, median of {options.runs} fresh interpreters, {mode}")
    print(
        f"{'import':<30} {'CPU ms':>7} {'x boto3':>8} {'goal':>5}  {'+1st call':>9} {'x boto3':>8}"
    )
    print(f"{'boto3 (baseline)':<30} {baseline * 1000:>7.0f} {1.0:>8.2f}")
    for logical_id in functions:
        cpu = statistics.median(imports[logical_id])
        verdict = "ok" if cpu / baseline <= GOAL_RATIO else "OVER"
        first = statistics.median(first_calls[logical_id])
        print(
            f"{logical_id:<30} {cpu * 1000:>7.0f} {cpu / baseline:>8.2f} {verdict:>5}"
            f"  {first * 1000:>9.0f} {first / baseline:>8.2f}"
        )
    print(f"goal: import <= {GOAL_RATIO} x boto3; '+1st call' adds the clients the trigger loads")
    size = layer_size()
    if size is None:
        print("Layer: not built (run `make sam-check` to build .aws-sam/build/SharedLayer)")
    else:
        print(f"Layer {BUILT_LAYER.relative_to(ROOT)}: {size / 1_000_000:.1f} MB unzipped")
        for name, bytes_ in largest_packages():
            print(f"  {name:<28} {bytes_ / 1_000_000:>6.1f} MB")


if __name__ == "__main__":
    main()
