"""Deciding whether a callback is believed: one path, one answer for every refusal, replays remembered.

Why one path: the receiver is public (Airflow's auth does not cover plugin routes). If an unknown
connection id, a connection of another type and a bad signature were answered differently (404 vs 401),
or took visibly different work, anyone could list the connection ids and types. So a connection that
cannot be used is replaced by a decoy key (a P-256 key whose private half was thrown away; random Akool
credentials of valid sizes): the body goes through the same verification, which fails, and the refusal
is the same `Refused` as for a forged signature. Why it was refused is logged here, never answered.

Replays: a verified callback is remembered (`callbacks.replay`) and refused when seen again.
- Panjaya signs only the body (ES256) and sends no timestamp or nonce, so a captured callback can be
  replayed for ever: it is remembered by the body's digest and its signature in canonical form (an
  ECDSA signature `(r, s)` is equally valid as `(r, n - s)`; both map to one key) for the retention.
  Guess, named here only: Panjaya signs with a random nonce, so a new event whose body equals an earlier
  one (a second `version_generated` after a revise) still carries a new signature and is believed. If
  Panjaya signed deterministically, that event would be refused as a replay and the wait would learn
  the state from its next poll: no money depends on this.
- Akool's signature is an unkeyed SHA-1 of the envelope, so anyone who knows the clientId can re-stamp
  an old `dataEncrypt` with a fresh timestamp and nonce. The timestamp must lie within
  `callback_max_skew_seconds` of now, and the ciphertext itself is remembered: with Akool's fixed key
  and IV the same event always encrypts to the same `dataEncrypt`, so a re-stamped one is a replay.
"""

from __future__ import annotations

import asyncio
import binascii
import hashlib
import json
import logging
import secrets
import string
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from video_localization.akool.models import WebhookEvent
from video_localization.akool.webhook import (
    WebhookKeyError,
    WebhookRejected,
    verified_event,
)
from video_localization.callbacks.replay import SeenStore, retention_seconds
from video_localization.core.config import float_setting
from video_localization.panjaya.models import CallbackPayload
from video_localization.panjaya.signature import CallbackRejected, verified_callback

log = logging.getLogger(__name__)

#: Every refusal is answered no sooner than this after the request arrived, so that what a lookup costs
#: (a connection in an env var, in the metastore, or none) does not show in the answer's timing.
REFUSAL_FLOOR_SECONDS = 0.2
#: The order of the P-256 group (for the canonical low-s form of a signature).
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class Refused(Exception):
    """A callback that is not believed; the reason is for the log, the sender only hears `REJECTED`."""


def _decoy_panjaya_pem() -> str:
    """A valid P-256 public key nobody holds the private key of: nothing verifies against it."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    encoding, layout = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_bytes(encoding, layout).decode()


_DECOY_PANJAYA_PEM = _decoy_panjaya_pem()
_ALPHABET = string.ascii_letters + string.digits
_DECOY_AKOOL = (
    "".join(secrets.choice(_ALPHABET) for _ in range(16)),
    "".join(secrets.choice(_ALPHABET) for _ in range(32)),
)


async def refusal_pause(started: float) -> None:
    """Wait until `REFUSAL_FLOOR_SECONDS` after `started` (a `time.monotonic()` reading)."""
    await asyncio.sleep(max(0.0, REFUSAL_FLOOR_SECONDS - (time.monotonic() - started)))


def max_skew_seconds() -> float:
    """How far a vendor's callback timestamp may be from now, either way (Akool)."""
    return float_setting("callback_max_skew_seconds")


def _why(error: BaseException) -> str:
    return str(getattr(error, "detail", None) or error)


# -- Panjaya -------------------------------------------------------------------------------------------------
def canonical_signature(signature_hex: str) -> str:
    """`r:s` of a DER ECDSA signature with `s` in its low form, so a malleated copy maps to one key."""
    r, s = decode_dss_signature(binascii.unhexlify(signature_hex.strip()))
    return f"{r:x}:{min(s, _P256_ORDER - s):x}"


def panjaya_replay_key(conn_id: str, body: bytes, signature_hex: str) -> str:
    material = hashlib.sha256(body).hexdigest() + canonical_signature(signature_hex)
    return f"panjaya:{conn_id}:{hashlib.sha256(material.encode()).hexdigest()}"


def believe_panjaya(
    conn_id: str,
    body: bytes,
    signature_hex: str | None,
    key_of: Callable[[str], str],
    store: SeenStore,
) -> CallbackPayload:
    """The verified, first-seen callback; `Refused` otherwise (same path whatever the reason)."""
    unusable = None
    try:
        pem = key_of(conn_id)
    except Exception as error:  # missing, not a Panjaya connection, or a secrets backend failure
        unusable, pem = _why(error), _DECOY_PANJAYA_PEM
    try:
        payload = verified_callback(body, signature_hex, pem)
    except CallbackRejected as rejected:
        raise Refused(unusable or str(rejected)) from None
    if unusable:  # unreachable in practice: nothing verifies against the decoy key
        raise Refused(unusable)
    assert signature_hex is not None  # verified above
    if not store.first_sighting(panjaya_replay_key(conn_id, body, signature_hex), retention_seconds()):
        raise Refused("a replay of a callback already believed")
    return payload


# -- Akool ---------------------------------------------------------------------------------------------------
def akool_replay_key(conn_id: str, data_encrypt: str) -> str:
    return f"akool:{conn_id}:{hashlib.sha256(data_encrypt.encode()).hexdigest()}"


def believe_akool(
    conn_id: str,
    body: bytes,
    credentials_of: Callable[[str], tuple[str, str]],
    store: SeenStore,
    *,
    now: float | None = None,
) -> WebhookEvent:
    """The verified, decrypted, first-seen job update; `Refused` otherwise (same path whatever the reason)."""
    unusable = None
    try:
        client_id, client_secret = credentials_of(conn_id)
    except Exception as error:  # missing, not an Akool connection, no clientId/clientSecret
        unusable, (client_id, client_secret) = _why(error), _DECOY_AKOOL
    try:
        event = verified_event(body, client_id, client_secret, now=now, max_age_seconds=max_skew_seconds())
    except WebhookRejected as rejected:
        raise Refused(unusable or str(rejected)) from None
    except WebhookKeyError as error:
        log.error("Akool webhooks for connection %r cannot be decrypted: %s", conn_id, error)
        raise Refused(f"the connection's clientId/clientSecret cannot decrypt: {error}") from None
    if unusable:  # unreachable in practice: the decoy credentials decrypt nothing
        raise Refused(unusable)
    data_encrypt = str(_envelope(body).get("dataEncrypt", ""))
    if not store.first_sighting(akool_replay_key(conn_id, data_encrypt), retention_seconds()):
        raise Refused("a replay (or re-stamped copy) of a webhook already believed")
    return event


def _envelope(body: bytes) -> dict[str, Any]:
    document = json.loads(body)  # verified_event parsed it already
    return document if isinstance(document, dict) else {}
