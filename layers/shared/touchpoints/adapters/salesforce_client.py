"""Builds a simple-salesforce client from the Salesforce secret (three formats, see DESIGN.md)."""

from __future__ import annotations

from collections.abc import Mapping

import requests
from simple_salesforce import Salesforce

API_VERSION = "62.0"

_SESSION_KEYS = ("instance_url", "access_token")
_JWT_KEYS = ("username", "consumer_key", "private_key")
_PASSWORD_KEYS = ("username", "password", "security_token")
SECRET_FORMATS = (_SESSION_KEYS, _JWT_KEYS, _PASSWORD_KEYS)  # a secret holds one of these sets


class SalesforceSecretError(ValueError):
    """The secret matches none of the supported formats. Names keys only, never values."""


def _has(secret: Mapping[str, str], keys: tuple[str, ...]) -> bool:
    return all(secret.get(key) for key in keys)


def connect(secret: Mapping[str, str], session: requests.Session | None = None) -> Salesforce:
    """A client for the org the secret names.

    `session` is the HTTP session the client uses; production passes none (plain HTTPS),
    tests and the demo pass one with the Salesforce emulator mounted on it.
    """
    if _has(secret, _SESSION_KEYS):
        return Salesforce(
            instance_url=secret["instance_url"],
            session_id=secret["access_token"],
            session=session,
            version=API_VERSION,
        )
    domain = secret.get("domain") or "login"
    if _has(secret, _JWT_KEYS):
        return Salesforce(
            username=secret["username"],
            consumer_key=secret["consumer_key"],
            privatekey=secret["private_key"],
            domain=domain,
            session=session,
            version=API_VERSION,
        )
    if _has(secret, _PASSWORD_KEYS):
        return Salesforce(
            username=secret["username"],
            password=secret["password"],
            security_token=secret["security_token"],
            domain=domain,
            session=session,
            version=API_VERSION,
        )
    raise SalesforceSecretError(
        "Salesforce secret must hold one of: "
        + "; ".join("+".join(keys) for keys in (_SESSION_KEYS, _JWT_KEYS, _PASSWORD_KEYS))
        + f". It holds keys: {sorted(secret)}"
    )
