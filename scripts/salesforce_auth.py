"""The production login: the JWT bearer flow through an External Client App.

    python -m scripts.salesforce_auth --secret offline-touchpoints/salesforce \\
        --integration-user integration@acme.com [--domain login|test|<my-domain>] [--region …]

generates an RSA key pair and a self-signed certificate, stores the private key in the Salesforce
secret (JSON `username`, `consumer_key`, `private_key`, `domain`: the JWT format of DESIGN.md;
created when it does not exist, its ARN printed for `SalesforceSecretArn`) and writes the External
Client App that trusts the certificate under `salesforce/generated/auth/` (gitignored: the
global OAuth settings hold the consumer key). The private key is written nowhere else.

External Client App metadata (Metadata API Developer Guide): `ExternalClientApplication` (.eca),
`ExtlClntAppOauthSettings` (.ecaOauth, the scopes), `ExtlClntAppGlobalOauthSettings`
(.ecaGlblOauth: "certificate … When provided, it enables the JWT Bearer flow", and the consumer
key), `ExtlClntAppConfigurablePolicies` (.ecaPlcy, the OAuth plugin on) and
`ExtlClntAppOauthConfigurablePolicies` (.ecaOauthPlcy: `permittedUsersPolicyType`
AdminApprovedPreAuthorized; `commaSeparatedPermissionSet` takes permission set *ids*, so the
integration permission set is named here only when `--permission-set-id` gives its id, else it is
one click in Setup, see the README). Chosen over a Connected App: Salesforce stopped new Connected
Apps by default in favour of External Client Apps, and the pinned CLI converts every ECA type.
"""

from __future__ import annotations

import argparse
import json
import secrets
import string
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from scripts.aws_setup import SetupError, aws_errors, run_main, session
from scripts.salesforce_xml import ROOT
from scripts.salesforce_xml import document as _document

APP = "Offline_Touchpoints_Integration"
LABEL = "Offline Touchpoints Integration"
SCOPES = "Api, RefreshToken"
# Never opened: the JWT bearer flow has no browser redirect, but the OAuth settings require one.
CALLBACK_URL = "https://login.salesforce.com/services/oauth2/success"
CERTIFICATE_DAYS = 730
_CONSUMER_KEY_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class Credentials:
    """The key pair the integration user signs its JWTs with, and the app's consumer key."""

    private_key_pem: str
    certificate_pem: str
    consumer_key: str


def new_credentials(
    common_name: str, now: datetime, consumer_key: str | None = None
) -> Credentials:
    """A 2048-bit RSA key and a self-signed certificate for it (Salesforce's JWT bearer flow
    checks the signature against the certificate the app holds; it needs no CA)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return Credentials(
        private_pem,
        certificate.public_bytes(serialization.Encoding.PEM).decode(),
        consumer_key or new_consumer_key(),
    )


def new_consumer_key() -> str:
    """An OAuth client id for the app: random letters and digits, as Salesforce's own are."""
    return "".join(secrets.choice(_CONSUMER_KEY_ALPHABET) for _ in range(64))


# -- the External Client App ----------------------------------------------------------------------


def app_files(
    credentials: Credentials, contact_email: str, permission_set_id: str | None = None
) -> dict[str, str]:
    """Path under force-app/main/default -> file text."""
    policies: list[Any] = []
    if permission_set_id:
        policies.append(("commaSeparatedPermissionSet", permission_set_id))
    return {
        f"externalClientApps/{APP}.eca-meta.xml": _document(
            "ExternalClientApplication",
            ("contactEmail", contact_email),
            ("description", "Signs in the offline touchpoints stack as its integration user."),
            ("distributionState", "Local"),
            ("isProtected", False),
            ("label", LABEL),
        ),
        f"extlClntAppOauthSettings/{APP}.ecaOauth-meta.xml": _document(
            "ExtlClntAppOauthSettings",
            ("commaSeparatedOauthScopes", SCOPES),
            ("externalClientApplication", APP),
            ("label", LABEL),
        ),
        f"extlClntAppGlobalOauthSets/{APP}.ecaGlblOauth-meta.xml": _document(
            "ExtlClntAppGlobalOauthSettings",
            ("callbackUrl", CALLBACK_URL),
            ("certificate", credentials.certificate_pem),
            ("consumerKey", credentials.consumer_key),
            ("externalClientApplication", APP),
            ("isConsumerSecretOptional", True),
            ("label", LABEL),
        ),
        f"extlClntAppPolicies/{APP}.ecaPlcy-meta.xml": _document(
            "ExtlClntAppConfigurablePolicies",
            ("externalClientApplication", APP),
            ("isEnabled", True),
            ("isOauthPluginEnabled", True),
            ("label", LABEL),
        ),
        f"extlClntAppOauthPolicies/{APP}.ecaOauthPlcy-meta.xml": _document(
            "ExtlClntAppOauthConfigurablePolicies",
            *policies,
            ("externalClientApplication", APP),
            ("ipRelaxationPolicyType", "Enforce"),
            ("label", LABEL),
            ("permittedUsersPolicyType", "AdminApprovedPreAuthorized"),
        ),
    }


def write_app(out_dir: Path, files: dict[str, str]) -> list[Path]:
    project = json.loads((ROOT / "salesforce/sfdx-project.json").read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sfdx-project.json").write_text(json.dumps(project, indent=2) + "\n")
    written = []
    for relative, text in files.items():
        path = out_dir / "force-app/main/default" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


# -- the secret -----------------------------------------------------------------------------------


def existing_consumer_key(secrets_manager: Any, secret_id: str) -> str | None:
    """The consumer key a previous run stored, so a rerun rotates the key pair, not the app."""
    with aws_errors():
        try:
            value = secrets_manager.get_secret_value(SecretId=secret_id)["SecretString"]
        except secrets_manager.exceptions.ResourceNotFoundException:
            return None
    try:
        stored = json.loads(value)
    except json.JSONDecodeError:
        return None
    key = stored.get("consumer_key") if isinstance(stored, dict) else None
    return key if isinstance(key, str) and key else None


def store_secret(
    secrets_manager: Any, secret_id: str, username: str, domain: str, credentials: Credentials
) -> str:
    """Puts the JWT format (and nothing else: a session or password left beside it would be used
    first) into the secret, creating it if needed; returns its ARN."""
    value = json.dumps(
        {
            "username": username,
            "consumer_key": credentials.consumer_key,
            "private_key": credentials.private_key_pem,
            "domain": domain,
        }
    )
    with aws_errors():
        try:
            return secrets_manager.put_secret_value(SecretId=secret_id, SecretString=value)["ARN"]
        except secrets_manager.exceptions.ResourceNotFoundException:
            return secrets_manager.create_secret(
                Name=secret_id,
                Description="Offline touchpoints: the Salesforce JWT bearer login",
                SecretString=value,
            )["ARN"]


def set_up_login(
    aws: Any,
    *,
    secret_id: str,
    username: str,
    domain: str,
    out_dir: Path,
    permission_set_id: str | None = None,
    now: datetime | None = None,
) -> str:
    secrets_manager = aws.client("secretsmanager")
    consumer_key = existing_consumer_key(secrets_manager, secret_id)
    credentials = new_credentials(
        "offline-touchpoints-integration", now or datetime.now(UTC), consumer_key
    )
    arn = store_secret(secrets_manager, secret_id, username, domain, credentials)
    written = write_app(out_dir, app_files(credentials, username, permission_set_id))
    print(f"secret {arn} holds the JWT login of {username} (SalesforceSecretArn)")
    print(
        f"{len(written)} files in {out_dir}; deploy: sf project deploy start --source-dir "
        f"{out_dir / 'force-app'} --target-org <alias>"
    )
    return arn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--secret", help="the Salesforce secret's name or ARN (created if absent)")
    parser.add_argument("--integration-user", help="the integration user's username")
    parser.add_argument("--domain", default="login", help="login, test (sandbox) or a My Domain")
    parser.add_argument("--permission-set-id", help="0PS… id of Offline_Touchpoints_Integration")
    parser.add_argument("--region", help="default: your AWS configuration")
    parser.add_argument("--out", type=Path, default=ROOT / "salesforce/generated/auth")
    parser.add_argument(
        "--sample", action="store_true", help="metadata only, key discarded (the offline check)"
    )
    args = parser.parse_args(argv)

    def run() -> int:
        if args.sample:
            credentials = new_credentials("sample", datetime.now(UTC))
            write_app(args.out, app_files(credentials, "integration@example.com"))
            return 0
        if not args.secret:
            raise SetupError("no secret: pass SECRET=<name or ARN of the Salesforce secret>")
        if not args.integration_user:
            raise SetupError(
                "no integration user: pass INTEGRATION_USER=<the integration user's username>"
            )
        set_up_login(
            session(args.region),
            secret_id=args.secret,
            username=args.integration_user,
            domain=args.domain or "login",
            out_dir=args.out,
            permission_set_id=args.permission_set_id,
        )
        return 0

    return run_main(run)


if __name__ == "__main__":
    sys.exit(main())
