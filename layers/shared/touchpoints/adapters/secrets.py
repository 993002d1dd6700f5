"""Secrets Manager adapter: the Salesforce secret, cached by Powertools Parameters."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities import parameters

SECRET_CACHE_SECONDS = 300


def load_json_secret(secret_id: str) -> dict[str, Any]:
    """The secret's JSON; cached for five minutes so a warm function does not re-read it."""
    value = parameters.get_secret(secret_id, transform="json", max_age=SECRET_CACHE_SECONDS)
    if not isinstance(value, dict):
        raise ValueError(f"secret {secret_id} must hold a JSON object")
    return value
