"""Callback signatures: ES256 (ECDSA P-256 with SHA-256, DER, hex) over the raw body, as Panjaya signs.

The sandbox cannot hold Panjaya's private key, so it signs with a deterministic key of its own and
publishes the matching public key at `GET /panjaya/_sandbox/public-key`; a receiver is configured with
that key instead of the one printed in the vendor document.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

_SEED = b"video-localization panjaya sandbox callback key"
# The order of the SECP256R1 (P-256) group: private scalars must lie in [1, order - 1].
SECP256R1_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@lru_cache(maxsize=1)
def sandbox_signing_key() -> ec.EllipticCurvePrivateKey:
    """The sandbox's callback signing key, the same on every run so receivers can pin it."""
    scalar = int.from_bytes(hashlib.sha256(_SEED).digest(), "big") % SECP256R1_ORDER
    return ec.derive_private_key(scalar, ec.SECP256R1())


def public_key_pem() -> str:
    """The PEM (SubjectPublicKeyInfo) of the key callbacks are verified with."""
    return (
        sandbox_signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def sign(body: bytes) -> str:
    """The `X-Signature` value for a raw callback body: hex of the DER-encoded ECDSA signature."""
    return sandbox_signing_key().sign(body, ec.ECDSA(hashes.SHA256())).hex()
