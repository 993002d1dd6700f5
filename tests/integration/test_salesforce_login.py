"""The functions log in as deployed: a JWT secret (what `make salesforce-auth` writes), the JWT
bearer flow against the emulator's token endpoint, one login per function environment, counted
by the org and by the product; a new login when the session expires; a refused login is a clear
failure that leaves the secret's values out of the logs."""

from __future__ import annotations

import json
import warnings

import pytest
from moto import mock_aws

from emulators.marketo.world import INTEGRATION_USER
from emulators.salesforce import LOGIN_KIND
from emulators.salesforce.keys import key_pair
from emulators.world import CONSUMER_KEY, SECRET, World, event, jwt_secret, lambda_context
from tests.integration.seeds import a_campaign, members
from tests.integration.test_recompute_bulk_failures import failures_logged
from tests.integration.test_recompute_faults import deliver_batch, request
from tests.integration.test_touchpoint_recompute import recompute
from touchpoints.adapters.salesforce_transport import LOGIN


@pytest.fixture
def world():
    with mock_aws():
        yield World.create(salesforce_login="jwt")


def test_a_function_environment_logs_in_once_and_its_next_invocations_reuse_the_session(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)

    assert recompute(world, campaign_id) == {"batchItemFailures": []}
    members(world.org, campaign_id, 2, start=10)
    calls_before = world.org.total_calls
    assert recompute(world, campaign_id) == {"batchItemFailures": []}

    assert len(world.touchpoints()) == 5
    assert world.org.calls[LOGIN_KIND] == 1  # the first invocation's; the second had a session
    assert world.org.total_calls > calls_before
    assert world.recompute.deps.salesforce_transport.calls[LOGIN] == 1  # the product counts it


def test_each_function_environment_makes_its_own_login(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 2)
    recompute(world, campaign_id)

    world.sweep.lambda_handler(event("schedule-sweep.json"), lambda_context("sweep"))

    assert world.org.calls[LOGIN_KIND] == 2  # the recompute's and the sweep's


def test_an_expired_session_is_renewed_by_a_new_login_and_the_run_completes(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    recompute(world, campaign_id)
    members(world.org, campaign_id, 2, start=10)

    world.org.expire_sessions()  # timed out, or revoked in Setup
    assert recompute(world, campaign_id) == {"batchItemFailures": []}

    assert len(world.touchpoints()) == 5
    assert world.org.calls[LOGIN_KIND] == 2
    assert world.recompute.deps.salesforce_transport.calls[LOGIN] == 2


def test_a_rotated_key_is_read_from_the_secret_when_the_old_one_is_refused(world):
    """`make salesforce-auth` rerun: a new key pair, the app's certificate replaced, the secret
    updated. A warm function's session expires; renewing it with the key it holds is refused,
    so it logs in again with the secret read afresh."""
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    recompute(world, campaign_id)
    members(world.org, campaign_id, 2, start=10)
    rotated = key_pair("rotated")
    world.org.register_connected_app(CONSUMER_KEY, rotated.public_pem, INTEGRATION_USER)
    world.session.client("secretsmanager").put_secret_value(
        SecretId=SECRET,
        SecretString=json.dumps({**jwt_secret(), "private_key": rotated.private_pem}),
    )

    world.org.expire_sessions()
    assert recompute(world, campaign_id) == {"batchItemFailures": []}

    assert len(world.touchpoints()) == 5
    assert world.org.calls[LOGIN_KIND] == 3  # the first, the refused renewal, the new key's
    assert world.recompute.deps.salesforce_transport.calls[LOGIN] == 3


@pytest.mark.handler_errors_expected  # a refused login fails the request, with one ERROR line
@pytest.mark.parametrize(
    ("change", "cause"),
    [
        (
            {"consumer_key": "3MVG9unknown.app"},
            "SalesforceAuthenticationFailed: Authentication failed (code: invalid_client_id): "
            "client identifier invalid",
        ),
        (
            {"username": "someone.else@acme.com"},
            "SalesforceAuthenticationFailed: Authentication failed (code: invalid_grant): "
            "user hasn't approved this consumer",
        ),
        (
            {"private_key": "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----"},
            "SalesforceSecretError: Salesforce secret's private_key is not a PEM-encoded RSA "
            "private key",
        ),
    ],
)
def test_a_refused_login_fails_the_run_with_a_clear_cause_and_no_secret_in_the_logs(
    world, caplog, capsys, change, cause
):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    secret = {**jwt_secret(), **change}
    world.session.client("secretsmanager").put_secret_value(
        SecretId=SECRET, SecretString=json.dumps(secret)
    )

    request(world, campaign_id)
    with warnings.catch_warnings(record=True) as warned:  # printed to stderr: Lambda logs it
        warnings.simplefilter("always")
        _, failed = deliver_batch(world)

    assert failed
    [failure] = failures_logged(caplog)
    assert failure["cause"] == cause
    assert world.touchpoints() == []
    logged = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    logged += json.dumps([r.__dict__ for r in caplog.records], default=str)
    logged += "\n".join(str(warning.message) for warning in warned)
    for value in (secret["private_key"], secret["username"], secret["consumer_key"]):
        assert value not in logged


def test_a_session_secret_is_used_as_it_is_without_a_login():
    with mock_aws():
        world = World.create()  # the tests' default: a session, so calls are the runs' own
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, 2)

        recompute(world, campaign_id)

        assert world.org.calls[LOGIN_KIND] == 0
        assert LOGIN not in world.recompute.deps.salesforce_transport.calls
