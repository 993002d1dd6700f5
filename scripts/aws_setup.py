"""The AWS account the going-live scripts talk to, with one-line errors instead of tracebacks.

A missing region, missing or refused credentials and a stack that is not deployed are what a
first-time admin meets; each becomes a `SetupError` whose message says what to pass or run.
`run_main` prints it as `error: …` and exits 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    TokenRetrievalError,
)

# Error codes AWS answers when the caller's credentials are wrong, expired or not allowed.
_REFUSED_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "AccessDenied",
    "AccessDeniedException",
}
NO_CREDENTIALS = (
    "no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), "
    "run `aws configure` or `aws sso login`"
)
NO_REGION = "no AWS region: pass REGION=<region> (or set AWS_REGION, or `aws configure`)"


class SetupError(Exception):
    """Something the caller must set up first; the message is one line saying what."""


def session(region: str | None = None, profile: str | None = None) -> Any:
    """A boto3 session with a region and credentials, or a SetupError naming which is missing."""
    try:
        result = boto3.session.Session(region_name=region or None, profile_name=profile or None)
    except ProfileNotFound as error:
        raise SetupError(f"no AWS profile {error.kwargs.get('profile')!r}") from None
    if not result.region_name:
        raise SetupError(NO_REGION)
    with aws_errors():
        credentials = result.get_credentials()
    if credentials is None:
        raise SetupError(NO_CREDENTIALS)
    return result


@contextmanager
def aws_errors(stack: str | None = None) -> Iterator[None]:
    """Translates what botocore raises for a missing set-up into a one-line SetupError."""
    try:
        yield
    except (NoCredentialsError, PartialCredentialsError, TokenRetrievalError):
        raise SetupError(NO_CREDENTIALS) from None
    except NoRegionError:
        raise SetupError(NO_REGION) from None
    except EndpointConnectionError as error:
        raise SetupError(f"cannot reach AWS ({error.kwargs.get('endpoint_url')})") from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if stack and code == "ValidationError" and "does not exist" in message:
            raise SetupError(
                f"no stack {stack!r} in this region: deploy it (make deploy) "
                "or pass STACK=<name> REGION=<region>"
            ) from None
        if code in _REFUSED_CREDENTIALS:
            raise SetupError(f"AWS refused your credentials ({code}): {message}") from None
        raise SetupError(f"AWS answered {code}: {message}") from None
    except BotoCoreError as error:
        raise SetupError(f"AWS client error: {error}") from None


@dataclass(frozen=True, slots=True)
class Stack:
    name: str
    outputs: Mapping[str, str]
    parameters: Mapping[str, str]

    def output(self, key: str) -> str:
        if key not in self.outputs:
            raise SetupError(f"stack {self.name!r} has no output {key}: redeploy it (make deploy)")
        return self.outputs[key]


def describe_stack(aws: Any, name: str | None) -> Stack:
    """The deployed stack's outputs and parameters."""
    if not name:
        raise SetupError("no stack: pass STACK=<the deployed stack's name>")
    with aws_errors(stack=name):
        [stack] = aws.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    return Stack(
        name,
        {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])},
    )


def run_main(main: Callable[[], int]) -> int:
    """Runs a script's main; a SetupError becomes `error: …` on stderr and exit status 2."""
    try:
        return main()
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
