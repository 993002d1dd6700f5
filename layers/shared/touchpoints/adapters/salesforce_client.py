"""Builds a simple-salesforce client from the Salesforce secret (three formats, see DESIGN.md)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import NamedTuple

import jwt
import requests
from simple_salesforce import Salesforce

API_VERSION = "62.0"

_SESSION_KEYS = ("instance_url", "access_token")
_JWT_KEYS = ("username", "consumer_key", "private_key")
_PASSWORD_KEYS = ("username", "password", "security_token")
SECRET_FORMATS = (_SESSION_KEYS, _JWT_KEYS, _PASSWORD_KEYS)  # a secret holds one of these sets


class SalesforceSecretError(ValueError):
    """The secret matches none of the supported formats. Names keys only, never values."""


class Connection(NamedTuple):
    client: Salesforce
    logged_in: bool  # getting it took a login request (a JWT or password secret)


def _has(secret: Mapping[str, str], keys: tuple[str, ...]) -> bool:
    return all(secret.get(key) for key in keys)


def login(secret: Mapping[str, str], session: requests.Session | None = None) -> Connection:
    """A client for the org the secret names, and whether a login request was made for it (a
    session secret is used as it is; JWT and password secrets log in)."""
    return Connection(connect(secret, session), not _has(secret, _SESSION_KEYS))


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
        try:
            with warnings.catch_warnings():
                # its advice on "user hasn't approved this consumer" prints the consumer key to
                # stderr, which Lambda sends to the logs; the error raised says enough
                warnings.filterwarnings("ignore", module="simple_salesforce.login")
                return Salesforce(
                    username=secret["username"],
                    consumer_key=secret["consumer_key"],
                    privatekey=secret["private_key"],
                    domain=domain,
                    session=session,
                    version=API_VERSION,
                )
        except jwt.InvalidKeyError:  # PyJWT's message speaks of a public key: say what is wrong
            raise SalesforceSecretError(
                "Salesforce secret's private_key is not a PEM-encoded RSA private key"
            ) from None
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
