"""Verifying and decrypting Akool's webhooks.

Akool POSTs `{"signature", "dataEncrypt", "timestamp", "nonce"}` to a job's `webhookUrl`: `signature` is
the lowercase hex SHA-1 of "".join(sorted([clientId, str(timestamp), nonce, dataEncrypt])); `dataEncrypt`
is base64 of AES-CBC (PKCS#7) with key = clientSecret bytes and IV = clientId bytes, holding
`{"_id", "status", "type", "url"}`. The receiver must answer HTTP 200 or Akool sends it again.

Order of checks: size, envelope shape, age of the timestamp, signature (before anything is decrypted),
then decryption, padding and the event's shape. Note that Akool's signature is not keyed (every input
is in the envelope except the clientId), so it only proves integrity; authenticity comes from the
ciphertext decrypting, with the account's clientSecret, to a well-formed event. A webhook is a hint:
the operators still read the job's state from `infobymodelid` before acting.

Inferred: `MAX_WEBHOOK_AGE_SECONDS` (Akool documents no replay window) and `TIMESTAMP_IS_MILLISECONDS_ABOVE`
(the webhook page's example timestamp is in milliseconds; a seconds value is accepted too).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import ValidationError

from video_localization.akool.models import WebhookEnvelope, WebhookEvent
from video_localization.core.errors import VendorResponseError

#: Webhook bodies are a few hundred bytes; anything far larger is not Akool.
MAX_WEBHOOK_BYTES = 64 * 1024
#: Inferred: an envelope whose timestamp is further than this from now (either way) is refused as stale.
MAX_WEBHOOK_AGE_SECONDS = 15 * 60
#: Inferred: timestamps above this are epoch milliseconds (the webhook page's example), below it seconds.
TIMESTAMP_IS_MILLISECONDS_ABOVE = 100_000_000_000
AES_KEY_LENGTHS = (16, 24, 32)
AES_IV_LENGTH = 16


class WebhookRejected(ValueError):
    """A webhook that must not be believed: why, without echoing secrets or plaintext."""


class WebhookKeyError(ValueError):
    """The connection's clientId/clientSecret cannot be an AES IV/key: no webhook can be decrypted."""


def _cipher(client_id: str, client_secret: str) -> Cipher:
    key, iv = client_secret.encode(), client_id.encode()
    if len(key) not in AES_KEY_LENGTHS or len(iv) != AES_IV_LENGTH:
        raise WebhookKeyError(
            f"Akool webhooks need a clientSecret of {'/'.join(map(str, AES_KEY_LENGTHS))} bytes (got "
            f"{len(key)}) and a clientId of {AES_IV_LENGTH} bytes (got {len(iv)})"
        )
    return Cipher(algorithms.AES(key), modes.CBC(iv))


def expected_signature(client_id: str, timestamp: int | str, nonce: str, data_encrypt: str) -> str:
    joined = "".join(sorted([client_id, str(timestamp), nonce, data_encrypt]))
    return hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()


def signature_is_valid(envelope: WebhookEnvelope, client_id: str) -> bool:
    expected = expected_signature(client_id, envelope.timestamp, envelope.nonce, envelope.data_encrypt)
    return hmac.compare_digest(expected, envelope.signature.strip().lower())


def encrypt(plaintext: bytes, client_id: str, client_secret: str) -> str:
    """What Akool does to a webhook payload (for tests and local demos)."""
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = _cipher(client_id, client_secret).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def decrypt(data_encrypt: str, client_id: str, client_secret: str) -> bytes:
    """The plaintext of `dataEncrypt`; `WebhookRejected` for anything that is not a valid ciphertext."""
    cipher = _cipher(client_id, client_secret)
    try:
        raw = base64.b64decode(data_encrypt, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookRejected("dataEncrypt is not base64") from None
    if not raw or len(raw) % (algorithms.AES.block_size // 8):
        raise WebhookRejected("dataEncrypt is not a whole number of AES blocks")
    decryptor = cipher.decryptor()
    padded = decryptor.update(raw) + decryptor.finalize()
    unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise WebhookRejected("dataEncrypt does not decrypt with this clientSecret (bad padding)") from None


def envelope_for(payload: dict[str, Any], client_id: str, client_secret: str, nonce: str = "1529") -> dict:
    """An envelope as Akool would send it (for tests and local demos)."""
    data_encrypt = encrypt(json.dumps(payload, separators=(",", ":")).encode(), client_id, client_secret)
    timestamp = int(time.time() * 1000)
    return {
        "signature": expected_signature(client_id, timestamp, nonce, data_encrypt),
        "dataEncrypt": data_encrypt,
        "timestamp": timestamp,
        "nonce": nonce,
    }


def _seconds(timestamp: int) -> float:
    return timestamp / 1000 if timestamp > TIMESTAMP_IS_MILLISECONDS_ABOVE else float(timestamp)


def verified_event(
    body: bytes,
    client_id: str,
    client_secret: str,
    *,
    now: float | None = None,
    max_age_seconds: float = MAX_WEBHOOK_AGE_SECONDS,
) -> WebhookEvent:
    """Check size, shape, age and signature, then decrypt and parse; `WebhookRejected` otherwise."""
    if len(body) > MAX_WEBHOOK_BYTES:
        raise WebhookRejected(f"webhook body of {len(body)} bytes is over the {MAX_WEBHOOK_BYTES}-byte limit")
    try:
        envelope = WebhookEnvelope.model_validate(json.loads(body))
    except (ValueError, ValidationError, VendorResponseError):
        raise WebhookRejected("body is not an Akool webhook envelope") from None
    age = (time.time() if now is None else now) - _seconds(envelope.timestamp)
    if abs(age) > max_age_seconds:
        raise WebhookRejected(f"webhook timestamp is {age:.0f} s away from now (limit {max_age_seconds:g} s)")
    if not signature_is_valid(envelope, client_id):
        raise WebhookRejected("webhook signature does not match its fields")
    plaintext = decrypt(envelope.data_encrypt, client_id, client_secret)
    try:
        return WebhookEvent.model_validate(json.loads(plaintext))
    except (ValueError, ValidationError, VendorResponseError):
        raise WebhookRejected("decrypted webhook is not an Akool job update") from None


def credentials_from_connection(conn_id: str) -> tuple[str, str]:
    """(clientId, clientSecret) of an Akool connection: login, and password or the `api_key` extra.

    Akool's API key is the account's clientSecret, so a key-only connection still needs its clientId in
    `login` to read webhooks. Raises `LookupError` when the connection is missing or not usable.
    """
    from airflow.models.connection import Connection  # the api-server reads connections directly

    try:
        connection = Connection.get_connection_from_secrets(conn_id)
    except Exception as exc:  # AirflowNotFoundException and secrets backend errors alike
        raise LookupError(f"no connection {conn_id!r}") from exc
    if connection.conn_type != "akool":
        raise LookupError(f"connection {conn_id!r} is not an Akool connection")
    client_id = (connection.login or "").strip()
    secret = (connection.password or "").strip() or str(connection.extra_dejson.get("api_key") or "").strip()
    if not client_id or not secret:
        raise LookupError(f"connection {conn_id!r} has no clientId (login) and clientSecret to read webhooks")
    return client_id, secret
