"""Benchmark: each handler's cold import, as Lambda does it at init (`make bench-cold-start`).

Every sample is a fresh interpreter that imports one handler the way the runtime does (the
function's folder first on the path, then the layer), with the environment template.yaml gives the
function (placeholder values for what the stack would fill in) and the variables Lambda sets, so
the tracer is on and patches what it patches when deployed. The CPU time of the import is compared
with `import boto3` measured in the same run (median of the runs, samples interleaved so load on the
machine falls on both alike). Goal (issue 11): each handler at most 1.6 x `import boto3`.
Then the built layer's size, when `sam build` has left one in .aws-sam/build.

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

# Runs in the fresh interpreter: import one module, report its CPU time and what it loaded.
_PROBE = """
import json, sys, time
started = time.process_time()
import {module}
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
    module: str, path: list[Path], environment: dict[str, str], bytecode: bool = True
) -> Probe:
    """Import `module` in a fresh interpreter with `path` searched first."""
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
            [sys.executable, "-c", _PROBE.format(module=module)],
            cwd=tempfile.gettempdir(),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{result.stderr}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return Probe(report["cpu"], frozenset(report["modules"]))


def probe_handler(logical_id: str, bytecode: bool = True) -> Probe:
    """The function's `app` module imported as Lambda imports it: its folder, then the layer."""
    return probe(
        "app", [handler_dirs()[logical_id], LAYER], function_environment(logical_id), bytecode
    )


def layer_size() -> int | None:
    if not BUILT_LAYER.is_dir():
        return None
    return sum(f.stat().st_size for f in BUILT_LAYER.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true")
    options = parser.parse_args()
    bytecode = not options.no_bytecode
    functions = list(handler_dirs())
    samples: dict[str, list[float]] = {name: [] for name in [BOTO3, *functions]}
    for _ in range(options.runs):
        samples[BOTO3].append(probe(BOTO3, [], {}, bytecode).cpu)
        for logical_id in functions:
            samples[logical_id].append(probe_handler(logical_id, bytecode).cpu)
    baseline = statistics.median(samples[BOTO3])
    mode = "with .pyc" if bytecode else "no .pyc (compiled from source)"
    print(f"Cold import CPU time, median of {options.runs} fresh interpreters, {mode}")
    print(f"{'import':<30} {'CPU ms':>8} {'x boto3':>8}  goal <= {GOAL_RATIO}x")
    print(f"{'boto3 (baseline)':<30} {baseline * 1000:>8.0f} {1.0:>8.2f}")
    for logical_id in functions:
        cpu = statistics.median(samples[logical_id])
        ratio = cpu / baseline
        verdict = "ok" if ratio <= GOAL_RATIO else "OVER"
        print(f"{logical_id:<30} {cpu * 1000:>8.0f} {ratio:>8.2f}  {verdict}")
    size = layer_size()
    if size is None:
        print("Layer: not built (run `make sam-check` to build .aws-sam/build/SharedLayer)")
    else:
        print(f"Layer {BUILT_LAYER.relative_to(ROOT)}: {size / 1_000_000:.1f} MB unzipped")


if __name__ == "__main__":
    main()
