"""Going-live scripts meet a missing region, credentials or stack with one line, not a traceback."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scripts import aws_setup, preflight
from scripts import salesforce_metadata as generator


@pytest.fixture
def no_aws_configuration(monkeypatch, tmp_path):
    """A machine where nobody ran `aws configure`: no keys, no profile, no instance role."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_metadata_without_a_stack_names_what_is_missing(capsys):
    code = generator.main(["--stack", "", "--integration-user", "int@acme.com"])
    assert code == 2
    assert capsys.readouterr().err == "error: no stack: pass STACK=<the deployed stack's name>\n"


def test_metadata_without_an_integration_user_names_what_is_missing(capsys):
    assert generator.main(["--stack", "touchpoints", "--integration-user", ""]) == 2
    assert "INTEGRATION_USER=" in capsys.readouterr().err


def test_metadata_without_a_region_says_so(no_aws_configuration, capsys):
    assert generator.main(["--stack", "touchpoints", "--integration-user", "i@acme.com"]) == 2
    assert capsys.readouterr().err == f"error: {aws_setup.NO_REGION}\n"


def test_metadata_without_credentials_says_so_in_one_line(no_aws_configuration, capsys):
    code = generator.main(
        ["--stack", "touchpoints", "--integration-user", "i@acme.com", "--region", "eu-west-1"]
    )
    assert code == 2
    error = capsys.readouterr().err
    assert error == f"error: {aws_setup.NO_CREDENTIALS}\n"
    assert "Traceback" not in error


def test_a_stack_that_is_not_deployed_is_named():
    cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
    aws = type("Aws", (), {"client": lambda self, name: cloudformation})()
    with Stubber(cloudformation) as stubber:
        stubber.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id touchpoints does not exist"
        )
        with pytest.raises(aws_setup.SetupError, match=r"no stack 'touchpoints'.*make deploy"):
            aws_setup.describe_stack(aws, "touchpoints")


def test_refused_credentials_are_one_line():
    sts = boto3.client("sts", region_name="eu-west-1")
    with Stubber(sts) as stubber:
        stubber.add_client_error("get_caller_identity", "ExpiredToken", "The token has expired")
        with pytest.raises(aws_setup.SetupError) as raised, aws_setup.aws_errors():
            sts.get_caller_identity()
    assert str(raised.value) == "AWS refused your credentials (ExpiredToken): The token has expired"


# -- make deploy's preflight ---------------------------------------------------------------------


def test_preflight_refuses_the_example_config_unchanged(tmp_path, capsys):
    config = tmp_path / "samconfig.toml"
    config.write_text(preflight.Path("samconfig.example.toml").read_text())
    assert preflight.main(["--config-file", str(config)]) == 2
    assert "still holds the example's ARNs" in capsys.readouterr().err


def test_preflight_names_a_missing_config_env(tmp_path, capsys):
    config = tmp_path / "samconfig.toml"
    config.write_text("version = 0.1\n")
    assert preflight.main(["--config-file", str(config), "--config-env", "prod"]) == 2
    assert capsys.readouterr().err == (
        "error: samconfig.toml has no [prod.*] tables: pass CONFIG_ENV=<env>\n"
    )


def test_preflight_without_credentials_stops_before_sam(no_aws_configuration, tmp_path, capsys):
    assert preflight.main(["--config-file", str(tmp_path / "absent.toml")]) == 2
    assert capsys.readouterr().err == f"error: {aws_setup.NO_REGION}\n"


@mock_aws
def test_preflight_says_where_and_as_whom_it_deploys(tmp_path, capsys):
    config = tmp_path / "samconfig.toml"
    example = preflight.Path("samconfig.example.toml").read_text()
    config.write_text(example.replace("123456789012", "210987654321"))
    assert preflight.main(["--config-file", str(config), "--config-env", "prod"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("deploying stack offline-touchpoints to eu-west-1 as arn:aws:")


@mock_aws
def test_preflight_takes_the_region_it_is_given(
    no_aws_configuration, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    code = preflight.main(["--config-file", str(tmp_path / "absent.toml"), "--region", "us-east-2"])
    assert code == 0, capsys.readouterr().err
    assert "(sam deploy --guided will ask) to us-east-2 as arn:aws:" in capsys.readouterr().out
