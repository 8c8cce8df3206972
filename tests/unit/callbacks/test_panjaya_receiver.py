"""Panjaya's signed callbacks: only a body signed with the configured key is believed.

Signatures are made with the sandbox's own signing key (the sandbox publishes its public key; Panjaya's
real private key is not ours to have). The end-to-end test lets the sandbox post its real callbacks to
the project's receiver app served by uvicorn.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from video_localization.callbacks.app import REJECTED, create_callback_app, panjaya_key_from_connection
from video_localization.panjaya.models import CallbackEvent, VersionStatus
from video_localization.panjaya.signature import (
    MAX_CALLBACK_BYTES,
    PANJAYA_PUBLIC_KEY_PEM,
    SIGNATURE_HEADER,
    CallbackRejected,
    signature_is_valid,
    verified_callback,
)
from video_localization_dev.sandbox.panjaya import sandbox_signing_key
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import PanjayaObjects, serve_app, wait_until

with warnings.catch_warnings():  # Starlette suggests httpx2 for its test client; httpx is what we have
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

BODY = json.dumps(
    {"event": "version_generated", "asset_id": "a-1", "version_id": "v-1", "locale": "fr-FR"},
    separators=(",", ":"),
).encode()


def sign(body: bytes, key: ec.EllipticCurvePrivateKey | None = None) -> str:
    """`X-Signature` as Panjaya sends it: hex of the DER ES256 signature of the raw body."""
    return (key or sandbox_signing_key()).sign(body, ec.ECDSA(hashes.SHA256())).hex()


# -- signature_is_valid / verified_callback -----------------------------------------------------------------
def test_a_body_signed_with_the_sandbox_key_is_valid(sandbox_panjaya_pem: str) -> None:
    assert signature_is_valid(BODY, sign(BODY), sandbox_panjaya_pem)
    assert signature_is_valid(BODY, sign(BODY).upper() + "\n", sandbox_panjaya_pem)  # hex case, stray newline


def test_a_forged_signature_is_rejected(sandbox_panjaya_pem: str) -> None:
    someone_else = ec.generate_private_key(ec.SECP256R1())
    assert not signature_is_valid(BODY, sign(BODY, someone_else), sandbox_panjaya_pem)
    assert not signature_is_valid(BODY, "30" + "ab" * 69, sandbox_panjaya_pem)  # not even DER
    assert not signature_is_valid(BODY, "not hex", sandbox_panjaya_pem)
    assert not signature_is_valid(BODY, "", sandbox_panjaya_pem)
    assert not signature_is_valid(BODY, None, sandbox_panjaya_pem)


def test_an_altered_body_is_rejected(sandbox_panjaya_pem: str) -> None:
    signature = sign(BODY)
    altered = BODY.replace(b"version_generated", b"version_generate_failed")
    assert not signature_is_valid(altered, signature, sandbox_panjaya_pem)
    assert not signature_is_valid(BODY + b" ", signature, sandbox_panjaya_pem)  # even whitespace counts


def test_the_documents_key_does_not_verify_the_sandboxs_signatures() -> None:
    assert not signature_is_valid(BODY, sign(BODY))  # default: the key printed in Panjaya's document
    assert not signature_is_valid(BODY, sign(BODY), PANJAYA_PUBLIC_KEY_PEM)


def test_a_key_that_is_not_p256_is_refused() -> None:
    from cryptography.hazmat.primitives import serialization

    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    pem = p384.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    with pytest.raises(ValueError, match="P-256"):
        signature_is_valid(BODY, sign(BODY), pem)


def test_verified_callback_parses_a_valid_callback(sandbox_panjaya_pem: str) -> None:
    payload = verified_callback(BODY, sign(BODY), sandbox_panjaya_pem)
    assert payload.event is CallbackEvent.VERSION_GENERATED
    assert (payload.asset_id, payload.version_id, payload.locale) == ("a-1", "v-1", "fr-FR")


def test_verified_callback_rejects_what_must_not_be_believed(sandbox_panjaya_pem: str) -> None:
    with pytest.raises(CallbackRejected, match="does not match"):
        verified_callback(BODY, sign(BODY + b"x"), sandbox_panjaya_pem)
    oversized = b" " * (MAX_CALLBACK_BYTES + 1)
    with pytest.raises(CallbackRejected, match="over the 65536-byte limit"):
        verified_callback(oversized, sign(oversized), sandbox_panjaya_pem)
    not_panjaya = b'{"event": "payment_received", "asset_id": "a-1"}'
    with pytest.raises(CallbackRejected, match="not a Panjaya status update"):
        verified_callback(not_panjaya, sign(not_panjaya), sandbox_panjaya_pem)


# -- the receiver app ----------------------------------------------------------------------------------------
@pytest.fixture
def receiver(sandbox_panjaya_pem: str) -> Iterator[tuple[TestClient, list[str]]]:
    """The callback app with a key resolver that records which connection it was asked about."""
    asked: list[str] = []

    def key_of(conn_id: str) -> str:
        asked.append(conn_id)
        return sandbox_panjaya_pem

    with TestClient(create_callback_app(panjaya_key=key_of)) as client:
        yield client, asked


def post(client: TestClient, body: bytes, signature: str | None, path: str = "/panjaya/panjaya_default"):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return client.post(path, content=body, headers=headers)


def test_receiver_accepts_a_valid_callback_with_204(receiver: tuple[TestClient, list[str]]) -> None:
    client, asked = receiver
    response = post(client, BODY, sign(BODY), "/panjaya/panjaya_eu")
    assert response.status_code == 204
    assert response.content == b""
    assert asked == ["panjaya_eu"]  # the key of the connection named in the path


def test_receiver_rejects_forged_altered_and_unsigned_with_401(
    receiver: tuple[TestClient, list[str]],
) -> None:
    client, _ = receiver
    someone_else = ec.generate_private_key(ec.SECP256R1())
    altered = BODY.replace(b"fr-FR", b"de-DE")
    for body, signature in [(BODY, sign(BODY, someone_else)), (altered, sign(BODY)), (BODY, None)]:
        response = post(client, body, signature)
        assert response.status_code == 401
        assert response.json() == {"detail": REJECTED}  # the same answer whatever was wrong


def test_receiver_refuses_an_oversized_body_with_413(receiver: tuple[TestClient, list[str]]) -> None:
    client, asked = receiver
    oversized = b"{" + b" " * MAX_CALLBACK_BYTES + b"}"
    assert post(client, oversized, sign(oversized)).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        for _ in range(5):
            yield b" " * (MAX_CALLBACK_BYTES // 4)

    streamed = client.post("/panjaya/panjaya_default", content=chunks(), headers={SIGNATURE_HEADER: "00"})
    assert streamed.status_code == 413
    assert asked == []  # refused before any key was looked up


def test_the_key_comes_from_the_connections_extra(
    panjaya_conn: RunningSandbox, sandbox_panjaya_pem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert panjaya_key_from_connection("panjaya_default") == sandbox_panjaya_pem
    monkeypatch.setenv(
        "AIRFLOW_CONN_PANJAYA_DOCUMENTED", json.dumps({"conn_type": "panjaya", "password": "k"})
    )
    assert panjaya_key_from_connection("panjaya_documented") == PANJAYA_PUBLIC_KEY_PEM
    monkeypatch.setenv("AIRFLOW_CONN_NOT_PANJAYA", json.dumps({"conn_type": "http", "host": "example.com"}))
    client = TestClient(create_callback_app())
    # Not a Panjaya connection: answered like a bad signature, so connection types cannot be probed.
    response = post(client, BODY, sign(BODY), "/panjaya/not_panjaya")
    assert response.status_code == 401
    assert response.json() == {"detail": REJECTED}


# -- end to end: the sandbox posts real callbacks to the receiver ------------------------------------------
def sent_callbacks(sandbox: RunningSandbox) -> list[dict]:
    return httpx.get(f"{sandbox.url}/_sandbox/callbacks", timeout=5).json()


def test_the_sandboxs_real_callbacks_are_accepted_by_the_receiver(
    panjaya: PanjayaObjects, sandbox_panjaya_pem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_PANJAYA_DOCUMENTED", json.dumps({"conn_type": "panjaya", "password": "k"})
    )
    # keys from the connections, as deployed
    with serve_app(create_callback_app(), "callback-receiver") as receiver_url:
        trusted = f"{receiver_url}/panjaya/panjaya_default"
        version = panjaya.editable_version(callback_url=trusted)
        panjaya.hook.generate_version(version.id)
        panjaya.wait_version(version.id, VersionStatus.COMPLETED)
        untrusted = f"{receiver_url}/panjaya/panjaya_documented"  # the document's key: not the sandbox's
        panjaya.wait_asset(panjaya.upload_asset(callback_url=untrusted).id)

        expected = ["version_ready", "version_generating", "version_generated", "version_ready"]
        sent = wait_until(
            "four callbacks answered",
            lambda: sent_callbacks(panjaya.sandbox),
            lambda calls: len(calls) == 4 and all(call["status_code"] for call in calls),
        )

    assert sorted(json.loads(call["body"])["event"] for call in sent) == sorted(expected)
    for call in sent:
        body = call["body"].encode()
        signature = call["headers"][SIGNATURE_HEADER]
        assert signature_is_valid(body, signature, sandbox_panjaya_pem)
        if call["url"] == trusted:
            assert call["status_code"] == 204
            assert json.loads(body)["asset_id"] == version.asset_id
        else:
            assert call["url"] == untrusted
            assert call["status_code"] == 401


def test_an_asset_failed_callback_without_a_version_is_accepted(
    panjaya: PanjayaObjects, sandbox_panjaya_pem: str
) -> None:
    received: list[bytes] = []
    app = create_callback_app(panjaya_key=lambda _conn_id: sandbox_panjaya_pem)

    @app.middleware("http")
    async def keep_body(request, call_next: Callable):  # the test's window on what arrived
        received.append(await request.body())
        return await call_next(request)

    with serve_app(app, "callback-receiver") as receiver_url:
        asset = panjaya.create_asset(
            "sample_no_audio.mp4", callback_url=f"{receiver_url}/panjaya/panjaya_default"
        )
        [call] = wait_until(
            "the asset_failed callback answered",
            lambda: sent_callbacks(panjaya.sandbox),
            lambda calls: len(calls) == 1 and calls[0]["status_code"],
        )
    assert call["status_code"] == 204
    assert json.loads(received[0]) == {
        "event": "asset_failed",
        "asset_id": asset.id,
        "version_id": None,
        "locale": None,
    }
