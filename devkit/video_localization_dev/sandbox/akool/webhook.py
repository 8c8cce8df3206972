"""Akool's webhook envelope: AES-CBC encrypted JSON, signed with SHA-1 over the sorted fields.

From Akool's webhook page (and vendor-notes.md): the body is `{signature, dataEncrypt, timestamp, nonce}`;
`dataEncrypt` is base64 of AES-CBC with PKCS#7 padding, key = clientSecret bytes, IV = clientId bytes;
`signature` is the lowercase hex SHA-1 of "".join(sorted([clientId, str(timestamp), nonce, dataEncrypt])).
The receiver must answer HTTP 200 or Akool tries again.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from video_localization_dev.sandbox.akool.wire import VENDOR, WEBHOOK_ATTEMPTS, WEBHOOK_RETRY_SECONDS
from video_localization_dev.sandbox.state import Sandbox


def encrypt(plaintext: bytes, client_id: str, client_secret: str) -> str:
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(plaintext) + padder.finalize()
    cipher = Cipher(algorithms.AES(client_secret.encode()), modes.CBC(client_id.encode()))
    encryptor = cipher.encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def sign(client_id: str, timestamp: int, nonce: str, data_encrypt: str) -> str:
    joined = "".join(sorted([client_id, str(timestamp), nonce, data_encrypt]))
    return hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()


def envelope(payload: dict[str, Any], client_id: str, client_secret: str) -> dict[str, Any]:
    """The JSON body Akool POSTs to a `webhookUrl`."""
    data_encrypt = encrypt(json.dumps(payload, separators=(",", ":")).encode(), client_id, client_secret)
    timestamp = int(time.time() * 1000)  # milliseconds, as in the webhook page's example
    nonce = str(secrets.randbelow(9000) + 1000)  # a short digit string, as in the example ("1529")
    return {
        "signature": sign(client_id, timestamp, nonce, data_encrypt),
        "dataEncrypt": data_encrypt,
        "timestamp": timestamp,
        "nonce": nonce,
    }


async def deliver(sandbox: Sandbox, url: str, body: dict[str, Any]) -> None:
    """POST one webhook, trying again while the receiver does not answer HTTP 200."""
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    for attempt in range(WEBHOOK_ATTEMPTS):
        if attempt:
            await asyncio.sleep(WEBHOOK_RETRY_SECONDS)
        sent = await sandbox.post_callback(VENDOR, url, raw, headers)
        if sent.status_code == 200:
            return
