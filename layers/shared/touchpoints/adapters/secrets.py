"""Secrets Manager adapter: JSON secrets, cached by Powertools Parameters."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider

SECRET_CACHE_SECONDS = 300


class JsonSecrets:
    def __init__(self, secretsmanager_client: Any) -> None:
        self._provider = SecretsProvider(boto3_client=secretsmanager_client)

    def load(self, secret_id: str) -> dict[str, Any]:
        """The secret's JSON; cached for five minutes so a warm function does not re-read it."""
        value = self._provider.get(secret_id, transform="json", max_age=SECRET_CACHE_SECONDS)
        if not isinstance(value, dict):
            raise ValueError(f"secret {secret_id} must hold a JSON object")
        return value
