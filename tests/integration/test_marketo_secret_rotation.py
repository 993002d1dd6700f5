"""Marketo's client secret rotated while the program sync's function is warm: a client secret
regenerated in LaunchPoint no longer gets a token (Authentication,
https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication). On
that refusal the function reads its secret again, once, as the Salesforce client does on an
expired session, and goes on with the new one: no recycling of the function needed."""

from __future__ import annotations

import json

from tests.integration.program_sync_seeds import call, sf_member
from tests.integration.test_program_sync_as_deployed import (
    later,
    linked,  # noqa: F401 - the fixture, used by name
)

ROTATED = "rotated-client-secret"


def rotate_in_marketo(world) -> None:
    """The admin regenerates the secret; the token the warm client holds runs out meanwhile."""
    world.mkto.client_secret = ROTATED
    world.mkto.expire_tokens()


def store_in_secrets_manager(world, client_secret: str) -> None:
    secret_id = world.program_sync_api.settings.marketo_secret_id
    secrets = world.session.client("secretsmanager")
    value = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    secrets.put_secret_value(
        SecretId=secret_id, SecretString=json.dumps({**value, "client_secret": client_secret})
    )


def test_a_secret_rotated_while_warm_is_read_again_and_the_sync_goes_on(
    world,
    linked,  # noqa: F811
):
    program_id, campaign_id = linked
    sf_member(world, campaign_id, "jo@example.com", "Attended")
    rotate_in_marketo(world)
    store_in_secrets_manager(world, ROTATED)
    later(world)
    tokens_before = world.mkto.calls["token"]

    status, body = call(world, "POST", f"/programs/{program_id}/sync")

    assert (status, body["completed"]) == (200, True)
    assert world.mkto.members_by_email(program_id)["jo@example.com"] == "Attended"
    assert world.mkto.calls["token"] - tokens_before == 2  # refused with the old secret, then ok


def test_a_secret_not_yet_stored_is_refused_clearly_and_the_next_request_recovers(
    world,
    linked,  # noqa: F811
):
    program_id, campaign_id = linked
    sf_member(world, campaign_id, "jo@example.com", "Attended")
    rotate_in_marketo(world)  # Secrets Manager still holds the old secret
    later(world)
    tokens_before = world.mkto.calls["token"]

    status, body = call(world, "POST", f"/programs/{program_id}/sync")

    assert (status, body["error"]) == (502, "MARKETO_REFUSED")
    assert world.mkto.calls["token"] - tokens_before == 2  # one re-read, one more try: no loop
    assert "jo@example.com" not in world.mkto.members_by_email(program_id)
    assert ROTATED not in json.dumps(body)

    store_in_secrets_manager(world, ROTATED)
    later(world)
    status, body = call(world, "POST", f"/programs/{program_id}/sync")
    assert (status, body["completed"]) == (200, True)
    assert world.mkto.members_by_email(program_id)["jo@example.com"] == "Attended"
