"""RSA key pairs for JWT logins in tests and the demo: made once per process (2048-bit key
generation takes a noticeable fraction of a second) and shared."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class KeyPair:
    private_pem: str  # what the JWT secret holds (PKCS#8)
    public_pem: str  # what the connected app is given


@cache
def key_pair(name: str = "integration") -> KeyPair:
    """The process's key pair of this name (another name, another pair)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(private.decode("ascii"), public.decode("ascii"))
