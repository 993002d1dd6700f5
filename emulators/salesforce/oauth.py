"""The OAuth 2.0 token endpoint's JWT bearer flow, as Salesforce documents it.

Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5): the
client POSTs `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>` to
`/services/oauth2/token` on https://login.salesforce.com (https://test.salesforce.com for a
sandbox, or the org's My Domain). Salesforce checks the JWT's RS256 signature against the
certificate uploaded to the connected app whose consumer key is `iss`, that `aud` names the
authorization server, that `exp` has not passed, and that `sub`, a username, was approved for the
app beforehand (admin-approved users are pre-authorised); then it issues an access token:
`{"access_token", "scope", "instance_url", "id", "token_type": "Bearer"}`.

Errors are "a standard OAuth error response" (Salesforce Help, "OAuth 2.0 Authorization Errors",
https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5, after
RFC 7523): HTTP 400 with `{"error", "error_description"}`. The descriptions are the ones the org
answers: "invalid assertion" (a bad signature or JWT), "audience is invalid", "expired
authorization code" (exp passed), "user hasn't approved this consumer"; an unknown consumer key
is `invalid_client_id` "client identifier invalid", another grant `unsupported_grant_type`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .protocol import ApiReply

TOKEN_PATH = "/services/oauth2/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# The authorization servers an org's users log in through (production, sandbox).
LOGIN_URLS = ("https://login.salesforce.com", "https://test.salesforce.com")
SCOPE = "api"  # the integration's connected app asks for API access only


@dataclass
class ConnectedApp:
    """A connected (or External Client) app using digital signatures: its certificate's public
    key and the users pre-authorised to log in through it."""

    public_key: RSAPublicKey
    usernames: set[str] = field(default_factory=set)


class OAuthError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.reply = ApiReply(
            400, {"error": error, "error_description": description}, {"Cache-Control": "no-store"}
        )


def public_key_from_pem(pem: str) -> RSAPublicKey:
    """The RSA public key of a PEM certificate (what Salesforce takes) or of a bare public key."""
    data = pem.encode("ascii")
    key = (
        x509.load_pem_x509_certificate(data).public_key()
        if b"BEGIN CERTIFICATE" in data
        else load_pem_public_key(data)
    )
    if not isinstance(key, RSAPublicKey):
        raise ValueError("a connected app's certificate must hold an RSA key (RS256)")
    return key


class TokenEndpoint:
    """Issues sessions for assertions signed by a registered connected app's key."""

    def __init__(
        self,
        org_id: str,
        instance_url: str,
        clock: Callable[[], datetime],
        user_id: Callable[[str], str],
    ) -> None:
        self._org_id = org_id
        self._instance_url = instance_url
        self._clock = clock
        self._user_id = user_id  # a username's User record id
        self.apps: dict[str, ConnectedApp] = {}

    def register(self, consumer_key: str, certificate_pem: str, username: str) -> None:
        app = self.apps.get(consumer_key)
        key = public_key_from_pem(certificate_pem)
        if app is None:
            app = self.apps[consumer_key] = ConnectedApp(key)
        app.public_key = key  # a new certificate replaces the old one, as in Setup
        app.usernames.add(username)

    def token(self, login_url: str, body: bytes) -> tuple[ApiReply, str | None]:
        """The reply to a token request posted to `login_url`, and the session it issued."""
        try:
            username = self._verified_username(login_url, _form(body))
        except OAuthError as error:
            return error.reply, None
        session = f"{self._org_id}!{secrets.token_urlsafe(48)}"
        reply = {
            "access_token": session,
            "scope": SCOPE,
            "instance_url": self._instance_url,
            "id": f"{login_url}/id/{self._org_id}/{self._user_id(username)}",
            "token_type": "Bearer",
        }
        return ApiReply(200, reply, {"Cache-Control": "no-store"}), session

    def _verified_username(self, login_url: str, form: dict[str, str]) -> str:
        if form.get("grant_type") != JWT_BEARER:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise OAuthError("invalid_grant", "invalid assertion") from None
        app = self.apps.get(str(unverified.get("iss", "")))
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        try:
            claims = jwt.decode(
                assertion,
                app.public_key,
                algorithms=["RS256"],
                # exp against the org's own clock, below; aud against the server asked
                options={
                    "require": ["iss", "sub", "aud", "exp"],
                    "verify_exp": False,
                    "verify_aud": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
            expires = float(claims["exp"])
        except (jwt.InvalidTokenError, TypeError, ValueError):
            raise OAuthError("invalid_grant", "invalid assertion") from None
        if claims["aud"] not in _audiences(login_url):
            raise OAuthError("invalid_grant", "audience is invalid")
        if expires <= self._clock().timestamp():
            raise OAuthError("invalid_grant", "expired authorization code")
        if claims["sub"] not in app.usernames:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        return str(claims["sub"])


def _audiences(login_url: str) -> tuple[str, ...]:
    """A login server takes assertions addressed to itself; the org's My Domain to either."""
    return (login_url,) if login_url in LOGIN_URLS else LOGIN_URLS


def _form(body: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body; a repeated parameter keeps its first value."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {name: values[0] for name, values in parsed.items()}
