"""The README's "Go live" section: every step is a command or a click, and every command that can run
without an org or an AWS account runs here, as the README writes it: the make targets through the
command lines `make -n` prints (their Python against moto and a stubbed CloudFormation), `cp` in a
copy of the repository's files. `sf` commands need an org: what they deploy or assign must exist."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scripts import preflight, salesforce_auth, salesforce_metadata

ROOT = Path(__file__).resolve().parents[2]
STEP = re.compile(r"^(\d+)\. \*\*(.+?)\*\*(.*?)(?=^\d+\. \*\*|\Z)", re.M | re.S)
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
SCRIPTS = {
    "scripts.salesforce_auth": salesforce_auth,
    "scripts.salesforce_metadata": salesforce_metadata,
    "scripts.preflight": preflight,
}


def going_live_steps() -> list[tuple[int, str, str]]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Go live\n", 1)[1].split("\n## ", 1)[0]
    return [(int(n), title, body) for n, title, body in STEP.findall(section)]


def commands(body: str) -> list[str]:
    return [
        line.strip()
        for block in SH_BLOCK.findall(body)
        for line in block.replace("\\\n", " ").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


STEPS = going_live_steps()
COMMANDS = [command for _, _, body in STEPS for command in commands(body)]


def test_the_steps_are_numbered_in_order():
    assert [n for n, _, _ in STEPS] == list(range(1, len(STEPS) + 1))
    assert len(STEPS) >= 10


@pytest.mark.parametrize(("number", "title", "body"), STEPS, ids=[t for _, t, _ in STEPS])
def test_each_step_is_a_command_or_a_documented_click(number, title, body):
    click = re.search(r"click [^.]*→", body)
    assert commands(body) or click, f"step {number} ({title}) is neither a command nor a click"


def make_dry_run(command: str) -> list[list[str]]:
    """The Python command lines the make target runs, as `make -n` prints them."""
    words = shlex.split(command)
    printed = subprocess.run(
        ["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.replace("\\\n", " ")
    return [
        shlex.split(line.split(" -m ", 1)[1])
        for line in printed.splitlines()
        if "/bin/python -m scripts." in line
    ]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.startswith("make ")])
def test_each_make_command_names_a_target_with_the_variables_it_reads(command):
    words = shlex.split(command)
    target = words[1]
    printed = subprocess.run(["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, text=True)
    assert printed.returncode == 0, f"{command}: {printed.stderr}"
    for assignment in words[2:]:
        name, _, value = assignment.partition("=")
        assert value in printed.stdout, f"make {target} ignores {name}"


@pytest.mark.parametrize(
    "command", [c for c in COMMANDS if c.startswith("sf ") and "--source-dir" in c]
)
def test_what_sf_deploys_is_shipped_or_generated_by_an_earlier_step(command):
    source = Path(shlex.split(command)[shlex.split(command).index("--source-dir") + 1])
    if source.parts[:2] == ("salesforce", "generated"):
        generated_by = {"auth": "make salesforce-auth"}.get(
            source.parts[2], "make salesforce-metadata"
        )
        assert any(c.startswith(generated_by) for c in COMMANDS), command
    else:
        assert (ROOT / source).is_dir(), command


def test_the_permission_sets_the_steps_assign_exist():
    names = [
        shlex.split(c)[shlex.split(c).index("--name") + 1]
        for c in COMMANDS
        if c.startswith("sf org assign permset")
    ]
    generated = salesforce_metadata.metadata_files(
        salesforce_metadata.SAMPLE, json.loads(salesforce_metadata.OPENAPI.read_text())
    )
    shipped = {p.name for p in (ROOT / "salesforce/force-app").rglob("*.permissionset-meta.xml")}
    for name in names:
        file = f"{name}.permissionset-meta.xml"
        assert file in shipped or f"permissionsets/{file}" in generated, name


# -- the offline run ------------------------------------------------------------------------------


def stubbed_cloudformation(aws, stack_name: str, token_arn: str):
    cloudformation = aws.client("cloudformation")
    stubber = Stubber(cloudformation)
    outputs = {
        "OutboundMessageUrl": salesforce_metadata.SAMPLE.outbound_message_url,
        "OutboundTokenSecretArn": token_arn,
        "AdminApiUrl": salesforce_metadata.SAMPLE.admin_api_url,
        "AdminApiCallerRoleArn": salesforce_metadata.SAMPLE.caller_role.arn,
        "AdminApiCallerExternalId": salesforce_metadata.SAMPLE.caller_role.external_id,
    }
    stack = {
        "StackName": stack_name,
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
    }
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": stack_name})
    stubber.activate()
    clients = {"cloudformation": cloudformation, "secretsmanager": aws.client("secretsmanager")}
    return SimpleNamespace(client=clients.__getitem__, region_name=aws.region_name)


@mock_aws
def test_every_offline_step_runs_in_order(tmp_path, monkeypatch, capsys):
    """The whole section top to bottom: what needs an org or a real deploy is left out; what it
    would deploy must have been written by the steps before it."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "samconfig.example.toml", tmp_path)
    written: dict[str, Path] = {}
    aws = boto3.session.Session(region_name="eu-west-1")
    secret_arn = None
    ran: list[str] = []
    for command in COMMANDS:
        words = shlex.split(command)
        if words[0] == "cp":
            shutil.copy(words[1], words[2])
            config = Path(words[2])
            # The admin fills in the step's values.
            config.write_text(
                config.read_text()
                .replace(
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:offline-touchpoints/salesforce-AbCdEf",
                    secret_arn,
                )
                .replace("123456789012", "210987654321")
            )
            continue
        if words[0] != "make":
            continue
        for argv in make_dry_run(command):
            module, args = SCRIPTS[argv[0]], argv[1:]
            ran.append(argv[0])
            if module is salesforce_auth:
                out = tmp_path / "salesforce/generated/auth"
                assert module.main([*args, "--out", str(out)]) == 0
                secret_arn = capsys.readouterr().out.split()[1]
                written["auth"] = out
            elif module is salesforce_metadata:
                stack = args[args.index("--stack") + 1]
                token = aws.client("secretsmanager").create_secret(
                    Name="token", SecretString=json.dumps({"outbound_token": "t" * 48})
                )["ARN"]
                fake = stubbed_cloudformation(aws, stack, token)
                monkeypatch.setattr(salesforce_metadata, "session", lambda region, fake=fake: fake)
                out = tmp_path / "salesforce/generated" / stack
                assert module.main([*args, "--out", str(out)]) == 0
                written[stack] = out
            else:
                assert module.main(args) == 0, capsys.readouterr().err
    for command in COMMANDS:
        if command.startswith("sf project deploy") and "generated" in command:
            source = Path(shlex.split(command)[shlex.split(command).index("--source-dir") + 1])
            assert (tmp_path / source).is_dir(), command
    assert ran == ["scripts.salesforce_auth", "scripts.preflight", "scripts.salesforce_metadata"]
    assert {"auth"} < set(written)
    stored = json.loads(
        aws.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    )
    assert stored["username"] == "integration@acme.com"


def test_the_iam_policy_the_steps_put_is_valid_json_that_allows_only_the_assume():
    [document] = [
        shlex.split(c)[shlex.split(c).index("--policy-document") + 1]
        for c in COMMANDS
        if "--policy-document" in c
    ]
    [statement] = json.loads(document)["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": "<AdminApiCallerRoleArn>",
    }
