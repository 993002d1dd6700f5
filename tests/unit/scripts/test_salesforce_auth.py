"""`make salesforce-auth`: the key pair, the External Client App that trusts its certificate, and
the JWT login in the Salesforce secret (Secrets Manager on moto).

Metadata shapes: Metadata API Developer Guide, "ExternalClientApplication",
"ExtlClntAppGlobalOauthSettings" (certificate: "When provided, it enables the JWT Bearer flow"),
"ExtlClntAppOauthConfigurablePolicies" (permittedUsersPolicyType AdminApprovedPreAuthorized),
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_extlclntappglobaloauthsettings.htm
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import jwt
import pytest
from cryptography import x509
from defusedxml import ElementTree
from moto import mock_aws

from emulators.salesforce import LOGIN_KIND, SalesforceEmulator
from scripts import salesforce_auth as auth
from scripts.salesforce_metadata import NAMESPACE
from touchpoints.adapters.salesforce_client import login

NS = {"md": NAMESPACE}
NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
DEFAULT = "force-app/main/default"


def app_xml(out_dir, folder: str, suffix: str):
    path = out_dir / DEFAULT / folder / f"{auth.APP}.{suffix}-meta.xml"
    return ElementTree.fromstring(path.read_bytes())


def set_up(tmp_path, secret_id="offline-touchpoints/salesforce", **extra):
    aws = boto3.session.Session(region_name="eu-west-1")
    arn = auth.set_up_login(
        aws,
        secret_id=secret_id,
        username="integration@acme.com",
        domain="login",
        out_dir=tmp_path,
        now=NOW,
        **extra,
    )
    stored = json.loads(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    return arn, stored


@mock_aws
def test_the_secret_holds_a_key_the_apps_certificate_verifies(tmp_path):
    arn, stored = set_up(tmp_path)

    assert arn.startswith("arn:aws:secretsmanager:eu-west-1:")
    assert set(stored) == {"username", "consumer_key", "private_key", "domain"}
    assert stored["username"] == "integration@acme.com"
    assert stored["domain"] == "login"
    settings = app_xml(tmp_path, "extlClntAppGlobalOauthSets", "ecaGlblOauth")
    [pem] = [e.text for e in settings.findall("md:certificate", NS)]
    [consumer_key] = [e.text for e in settings.findall("md:consumerKey", NS)]
    assert consumer_key == stored["consumer_key"]
    certificate = x509.load_pem_x509_certificate(pem.encode())
    assert certificate.not_valid_after_utc == NOW + timedelta(days=auth.CERTIFICATE_DAYS)
    # What Salesforce does with the JWT simple-salesforce signs: verify it with the app's cert.
    assertion = jwt.encode(
        {"iss": consumer_key, "sub": "integration@acme.com", "aud": "https://login.salesforce.com"},
        stored["private_key"],
        algorithm="RS256",
    )
    claims = jwt.decode(
        assertion,
        certificate.public_key(),
        algorithms=["RS256"],
        audience="https://login.salesforce.com",
    )
    assert claims["sub"] == "integration@acme.com"


@mock_aws
def test_the_functions_log_in_with_the_secret_once_the_app_is_deployed(tmp_path):
    """The whole login as deployed: the org given the app's certificate and pre-authorised user
    (the emulator's JWT bearer token endpoint, emulators/salesforce/oauth.py), the functions'
    client made from the secret (adapters/salesforce_client.py) logs in and queries."""
    _, stored = set_up(tmp_path)
    settings = app_xml(tmp_path, "extlClntAppGlobalOauthSets", "ecaGlblOauth")
    org = SalesforceEmulator()
    org.register_connected_app(
        stored["consumer_key"],
        settings.findtext("md:certificate", namespaces=NS),
        stored["username"],
    )
    org.expire_sessions()  # only a session the token endpoint issues will do

    client, logged_in = login(stored, session=org.session())

    assert logged_in
    assert client.query("SELECT Id FROM Lead")["totalSize"] == 0
    assert org.calls[LOGIN_KIND] == 1


@mock_aws
def test_the_app_is_pre_authorised_for_admin_approved_users_only(tmp_path):
    set_up(tmp_path, permission_set_id="0PS5g000000AbCdGAK")
    policies = app_xml(tmp_path, "extlClntAppOauthPolicies", "ecaOauthPlcy")
    assert policies.findtext("md:permittedUsersPolicyType", namespaces=NS) == (
        "AdminApprovedPreAuthorized"
    )
    assert policies.findtext("md:commaSeparatedPermissionSet", namespaces=NS) == (
        "0PS5g000000AbCdGAK"
    )
    plugins = app_xml(tmp_path, "extlClntAppPolicies", "ecaPlcy")
    assert plugins.findtext("md:isOauthPluginEnabled", namespaces=NS) == "true"
    scopes = app_xml(tmp_path, "extlClntAppOauthSettings", "ecaOauth")
    assert scopes.findtext("md:commaSeparatedOauthScopes", namespaces=NS) == "Api, RefreshToken"


@mock_aws
def test_no_private_key_is_written_to_disk(tmp_path):
    _, stored = set_up(tmp_path)
    body = stored["private_key"].splitlines()[1]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert "PRIVATE KEY" not in path.read_text()
            assert body not in path.read_text()


@mock_aws
def test_a_rerun_rotates_the_key_pair_and_keeps_the_consumer_key(tmp_path):
    _, first = set_up(tmp_path)
    _, second = set_up(tmp_path)
    assert second["consumer_key"] == first["consumer_key"]
    assert second["private_key"] != first["private_key"]


@mock_aws
def test_a_session_secret_is_replaced_by_the_jwt_login(tmp_path):
    """The client uses a session before a JWT (adapters/salesforce_client.py): none may remain."""
    secrets = boto3.client("secretsmanager", region_name="eu-west-1")
    secrets.create_secret(
        Name="sf", SecretString=json.dumps({"instance_url": "https://x", "access_token": "t"})
    )
    _, stored = set_up(tmp_path, secret_id="sf")
    assert set(stored) == {"username", "consumer_key", "private_key", "domain"}


def test_without_a_secret_the_error_names_it(capsys):
    assert auth.main(["--integration-user", "i@acme.com"]) == 2
    assert capsys.readouterr().err == (
        "error: no secret: pass SECRET=<name or ARN of the Salesforce secret>\n"
    )


def test_without_an_integration_user_the_error_names_it(capsys):
    assert auth.main(["--secret", "sf", "--integration-user", ""]) == 2
    assert "INTEGRATION_USER=" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("folder", "suffix"),
    [
        ("externalClientApps", "eca"),
        ("extlClntAppOauthSettings", "ecaOauth"),
        ("extlClntAppGlobalOauthSets", "ecaGlblOauth"),
        ("extlClntAppPolicies", "ecaPlcy"),
        ("extlClntAppOauthPolicies", "ecaOauthPlcy"),
    ],
)
def test_the_sample_app_is_written_where_the_cli_looks(tmp_path, folder, suffix):
    assert auth.main(["--sample", "--out", str(tmp_path)]) == 0
    root = app_xml(tmp_path, folder, suffix)
    assert root.tag.startswith(f"{{{NAMESPACE}}}")
    assert (tmp_path / "sfdx-project.json").exists()
