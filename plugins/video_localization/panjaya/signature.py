"""Verifying Panjaya's signed callbacks: ES256 over the raw body, signature hex-encoded DER in `X-Signature`.

A callback is believed only after its signature checks out against Panjaya's public key (the one in
its document, or another PEM from the connection's `callback_public_key` extra, e.g. the sandbox's).
"""

from __future__ import annotations

import binascii
import hashlib
import json
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from video_localization.panjaya.models import CallbackPayload

#: The public key printed in Panjaya's API document (Callbacks > Signature verification).
PANJAYA_PUBLIC_KEY_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZbUzbbuVyzSv7zVmH6rKypr6ojSS\n"
    "/86W9dU6mwbdfAtUAx+QI7GNxl/4H1QV2BuBrysabh56O/YXhnFJMh7Lng==\n"
    "-----END PUBLIC KEY-----\n"
)
SIGNATURE_HEADER = "X-Signature"
#: Callback bodies are a few hundred bytes; anything far larger is not Panjaya.
MAX_CALLBACK_BYTES = 64 * 1024


class CallbackRejected(ValueError):
    """A callback that must not be believed: why, without echoing secrets."""


@lru_cache(maxsize=8)
def _load_key(pem: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("the Panjaya callback key must be an EC P-256 public key")
    return key


def signature_is_valid(
    body: bytes, signature_hex: str | None, public_key_pem: str = PANJAYA_PUBLIC_KEY_PEM
) -> bool:
    """True when `signature_hex` is a valid ES256 signature of exactly `body`."""
    if not signature_hex:
        return False
    try:
        signature = binascii.unhexlify(signature_hex.strip())
    except (binascii.Error, ValueError):
        return False
    try:
        _load_key(public_key_pem).verify(signature, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def verified_callback(
    body: bytes, signature_hex: str | None, public_key_pem: str = PANJAYA_PUBLIC_KEY_PEM
) -> CallbackPayload:
    """Check size and signature, then parse; raise `CallbackRejected` for anything not to be believed."""
    if len(body) > MAX_CALLBACK_BYTES:
        raise CallbackRejected(
            f"callback body of {len(body)} bytes is over the {MAX_CALLBACK_BYTES}-byte limit"
        )
    if not signature_is_valid(body, signature_hex, public_key_pem):
        raise CallbackRejected("callback signature is missing or does not match the body")
    try:
        return CallbackPayload.model_validate(json.loads(body))
    except ValidationError as exc:
        # Which fields were wrong, never their values: the body is not logged, even signed.
        problems = ", ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['type']}" for e in exc.errors())
        raise CallbackRejected(
            f"signed callback body is not a Panjaya status update ({len(body)} bytes, sha256 "
            f"{hashlib.sha256(body).hexdigest()[:16]}; {problems})"
        ) from None
    except ValueError:
        raise CallbackRejected(
            f"signed callback body is not a Panjaya status update ({len(body)} bytes, sha256 "
            f"{hashlib.sha256(body).hexdigest()[:16]}; not JSON)"
        ) from None
