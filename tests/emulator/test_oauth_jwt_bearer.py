"""The OAuth 2.0 JWT bearer flow's token endpoint.

Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5): the
client posts a JWT signed with the key of the certificate uploaded to the connected app (iss: its
consumer key, sub: the username, aud: https://login.salesforce.com or https://test.salesforce.com,
exp: not passed) to /services/oauth2/token and, the user being approved for the app beforehand,
gets an access token with instance_url, id, scope and token_type "Bearer". Errors: Salesforce
Help, "OAuth 2.0 Authorization Errors"
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5): a
standard OAuth error response (RFC 7523), HTTP 400 with error and error_description.
"""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
import requests
import simple_salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from emulators.salesforce import LOGIN_KIND, SalesforceEmulator
from emulators.salesforce.keys import key_pair
from emulators.salesforce.oauth import JWT_BEARER

CONSUMER_KEY = "3MVG9offline.touchpoints"
USERNAME = "integration@acme.com"
LOGIN = "https://login.salesforce.com"
TOKEN_URL = f"{LOGIN}/services/oauth2/token"


@pytest.fixture
def org() -> SalesforceEmulator:
    org = SalesforceEmulator(org_id="00D5w000004qGTOEA2")
    org.now = org.now  # a fixed clock, so a test can move it
    org.register_connected_app(CONSUMER_KEY, key_pair().public_pem, USERNAME)
    org.expire_sessions()  # only sessions the token endpoint issues are accepted
    return org


def assertion(org: SalesforceEmulator, **claims: object) -> str:
    """A JWT as the client signs it, valid for three minutes of the org's clock."""
    payload = {
        "iss": CONSUMER_KEY,
        "sub": USERNAME,
        "aud": LOGIN,
        "exp": int((org.now + timedelta(minutes=3)).timestamp()),
        **claims,
    }
    return jwt.encode(payload, key_pair().private_pem, algorithm="RS256")


def post_token(org: SalesforceEmulator, token: str, url: str = TOKEN_URL) -> requests.Response:
    return org.session().post(url, {"grant_type": JWT_BEARER, "assertion": token})


def test_simple_salesforces_jwt_login_gets_a_session_the_org_accepts(org):
    """The client the functions use logs in as documented and then queries with the session."""
    sf = simple_salesforce.Salesforce(
        username=USERNAME,
        consumer_key=CONSUMER_KEY,
        privatekey=key_pair().private_pem,
        domain="login",
        session=org.session(),
        version="62.0",
    )

    assert sf.query("SELECT Id FROM Lead")["totalSize"] == 0
    assert sf.sf_instance == "emulator.my.salesforce.com"
    assert org.calls[LOGIN_KIND] == 1
    assert org.calls["query"] == 1


def test_the_reply_carries_the_documented_fields(org):
    reply = post_token(org, assertion(org))

    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "scope", "instance_url", "id", "token_type"}
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == org.instance_url
    assert body["id"].startswith(f"{LOGIN}/id/00D5w000004qGTOEA2/005")
    assert body["access_token"].startswith("00D5w000004qGTOEA2!")
    assert reply.headers["Cache-Control"] == "no-store"


def test_a_sandbox_logs_in_through_test_salesforce_com(org):
    test = "https://test.salesforce.com"

    reply = post_token(org, assertion(org, aud=test), url=f"{test}/services/oauth2/token")

    assert reply.status_code == 200


def test_the_orgs_my_domain_serves_the_token_endpoint_too(org):
    """An org's users may log in through its My Domain (the instance URL) as well."""
    reply = post_token(org, assertion(org), url=f"{org.instance_url}/services/oauth2/token")

    assert reply.status_code == 200


def test_a_session_expires_and_a_new_login_gets_one_that_works(org):
    old = post_token(org, assertion(org)).json()["access_token"]
    query = f"{org.instance_url}/services/data/v62.0/query"
    http = org.session()

    org.expire_sessions()
    refused = http.get(query, params={"q": "SELECT Id FROM Lead"}, headers=bearer(old))
    new = post_token(org, assertion(org)).json()["access_token"]
    answered = http.get(query, params={"q": "SELECT Id FROM Lead"}, headers=bearer(new))

    assert refused.status_code == 401
    assert refused.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert answered.status_code == 200


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"iss": "3MVG9unknown"}, "invalid_client_id", "client identifier invalid"),
        ({"aud": "https://acme.my.salesforce.com"}, "invalid_grant", "audience is invalid"),
        ({"aud": "https://test.salesforce.com"}, "invalid_grant", "audience is invalid"),
        ({"sub": "someone@acme.com"}, "invalid_grant", "user hasn't approved this consumer"),
        ({"exp": 1_000_000_000}, "invalid_grant", "expired authorization code"),
        ({"exp": "soon"}, "invalid_grant", "invalid assertion"),
    ],
)
def test_a_bad_assertion_is_refused_with_the_documented_error(org, claims, error, description):
    reply = post_token(org, assertion(org, **claims))

    assert reply.status_code == 400
    assert reply.json() == {"error": error, "error_description": description}
    assert org.accepted_tokens == set()  # nothing was issued


def test_an_assertion_signed_with_another_key_is_refused(org):
    forged = jwt.encode(
        {"iss": CONSUMER_KEY, "sub": USERNAME, "aud": LOGIN, "exp": 2_000_000_000},
        key_pair("someone else").private_pem,
        algorithm="RS256",
    )

    reply = post_token(org, forged)

    assert reply.status_code == 400
    assert reply.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_an_assertion_missing_a_claim_or_not_a_jwt_is_refused(org):
    without_sub = jwt.encode(
        {"iss": CONSUMER_KEY, "aud": LOGIN, "exp": 2_000_000_000},
        key_pair().private_pem,
        algorithm="RS256",
    )

    for token in (without_sub, "not-a-jwt"):
        reply = post_token(org, token)
        assert (reply.status_code, reply.json()["error"]) == (400, "invalid_grant")


def test_another_grant_type_is_not_supported(org):
    reply = org.session().post(TOKEN_URL, {"grant_type": "password", "username": USERNAME})

    assert reply.status_code == 400
    assert reply.json()["error"] == "unsupported_grant_type"


def test_simple_salesforce_raises_the_orgs_error(org):
    with pytest.raises(SalesforceAuthenticationFailed, match="client identifier invalid"):
        simple_salesforce.Salesforce(
            username=USERNAME,
            consumer_key="3MVG9unknown",
            privatekey=key_pair().private_pem,
            session=org.session(),
        )


def test_logins_are_counted_but_not_against_the_daily_api_request_limit(org):
    """A login is counted as `oauth_token`, refused ones too; the org's API request allocation
    counts REST and SOAP API calls, and the SOAP LimitInfoHeader comes back from "all calls,
    except for login()" (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/
    sforce_api_header_limitinfo.htm): the limit, the Limits resource and Sforce-Limit-Info leave
    logins out."""
    org.daily_limit = 2
    token = post_token(org, assertion(org)).json()["access_token"]
    post_token(org, assertion(org, sub="someone@acme.com"))
    http = org.session()
    limits = f"{org.instance_url}/services/data/v62.0/limits/"

    first = http.get(limits, headers=bearer(token))
    second = http.get(limits, headers=bearer(token))
    third = http.get(limits, headers=bearer(token))

    assert org.calls[LOGIN_KIND] == 2
    assert first.json()["DailyApiRequests"]["Remaining"] == 1
    assert second.headers["Sforce-Limit-Info"] == "api-usage=2/2"
    assert third.status_code == 403  # REQUEST_LIMIT_EXCEEDED: the third API call
    assert org.total_calls == 5
