"""Validation of key material an admin submits (a models-level rule: the format, not its use)."""

from __future__ import annotations

from typing import Any


def load_rsa_private_key(private_key_pem: str) -> Any:
    """The merchant's RSA private key (PKCS#8 or PKCS#1 PEM). Raises ValueError for anything else."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError("not an unencrypted PEM private key") from exc
    return _rsa_of_size(key, rsa.RSAPrivateKey, "private")


def load_rsa_public_key(public_key_pem: str) -> Any:
    """Midtrans' RSA public key for BI-SNAP notifications (SubjectPublicKeyInfo or PKCS#1 PEM). Raises ValueError
    for anything else."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(public_key_pem.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("not a PEM public key") from exc
    return _rsa_of_size(key, rsa.RSAPublicKey, "public")


def _rsa_of_size(key: Any, rsa_type: type, kind: str) -> Any:
    if not isinstance(key, rsa_type):
        raise ValueError(f"not an RSA {kind} key")
    if int(getattr(key, "key_size", 0)) < 2048:
        raise ValueError("RSA keys shorter than 2048 bits are refused")
    return key
