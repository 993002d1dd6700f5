"""Before `make deploy`: the region, the credentials and samconfig.toml, each checked with a one-line
error, so `sam deploy` starts only when it can finish.

    python -m scripts.preflight [--config-env prod] [--config-file samconfig.toml]

Without samconfig.toml, `make deploy` runs `sam deploy --guided`, which asks for every parameter
and saves the answers there (or copy samconfig.example.toml and fill it in).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from scripts.aws_setup import SetupError, aws_errors, run_main, session

EXAMPLE_ACCOUNT = "123456789012"  # the account id samconfig.example.toml's ARNs carry


def deploy_parameters(config: dict[str, Any], config_env: str) -> dict[str, Any]:
    """What `sam deploy --config-env <env>` reads: the env's global parameters, then its deploy ones."""
    if config_env not in config:
        raise SetupError(f"samconfig.toml has no [{config_env}.*] tables: pass CONFIG_ENV=<env>")
    tables = config[config_env]
    return {
        **tables.get("global", {}).get("parameters", {}),
        **tables.get("deploy", {}).get("parameters", {}),
    }


def check_config(config_file: Path, config_env: str) -> dict[str, Any]:
    try:
        config = tomllib.loads(config_file.read_text())
    except tomllib.TOMLDecodeError as error:
        raise SetupError(f"{config_file} is not valid TOML: {error}") from None
    parameters = deploy_parameters(config, config_env)
    if not parameters.get("stack_name"):
        raise SetupError(f"{config_file} [{config_env}] has no stack_name")
    overrides = parameters.get("parameter_overrides", [])
    text = " ".join(overrides) if isinstance(overrides, list) else str(overrides)
    if EXAMPLE_ACCOUNT in text:
        raise SetupError(
            f"{config_file} [{config_env}] still holds the example's ARNs ({EXAMPLE_ACCOUNT}): "
            "put your SalesforceSecretArn and AllowedOrgIds in"
        )
    return parameters


def preflight(config_file: Path, config_env: str, region: str | None = None) -> int:
    parameters = check_config(config_file, config_env) if config_file.exists() else {}
    aws = session(region or parameters.get("region"))
    with aws_errors():
        caller = aws.client("sts").get_caller_identity()["Arn"]
    stack = parameters.get("stack_name", "(sam deploy --guided will ask)")
    print(f"deploying stack {stack} to {aws.region_name} as {caller}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-file", type=Path, default=Path("samconfig.toml"))
    parser.add_argument("--config-env", default="default")
    parser.add_argument("--region", help="default: samconfig.toml's, else your AWS configuration")
    args = parser.parse_args(argv)
    return run_main(lambda: preflight(args.config_file, args.config_env, args.region))


if __name__ == "__main__":
    sys.exit(main())
