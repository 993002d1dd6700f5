"""What the program sync needs in the local world (tests and the demo): the Marketo secret on
moto, and the Salesforce integration user (a Marketing User) in the emulated org."""

from __future__ import annotations

import json

import boto3

from emulators.salesforce import SalesforceEmulator

from .emulator import MarketoEmulator

MARKETO_SECRET = "offline-touchpoints/marketo"
INTEGRATION_USER = "integration@acme.com"


def create_program_sync_resources(
    session: boto3.session.Session, org: SalesforceEmulator, mkto: MarketoEmulator
) -> str:
    """Returns the Marketo secret's ARN (the MarketoSecretArn parameter)."""
    arn = session.client("secretsmanager").create_secret(
        Name=MARKETO_SECRET,
        SecretString=json.dumps(
            {
                "base_url": mkto.base_url,
                "client_id": mkto.client_id,
                "client_secret": mkto.client_secret,
            }
        ),
    )["ARN"]
    org.insert(
        "User",
        {
            "Username": INTEGRATION_USER,
            "LastName": "Integration",
            "UserPermissionsMarketingUser": True,
        },
    )
    return arn
