"""Callbacks are believed once: replays and re-stamped copies are refused, and every refusal looks the same.

Panjaya callbacks are signed with the sandbox's key; Akool envelopes are made with the provider's own
`envelope_for`/`expected_signature` (Akool's published scheme). The memory of believed callbacks is the
SQLite store under a per-test folder (`tests/conftest.py`), shared by every app instance of a test as
the api-server's worker processes share it.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from fastapi import HTTPException

from replay_support import offer_keys
from video_localization.akool.webhook import envelope_for, expected_signature
from video_localization.callbacks import guard
from video_localization.callbacks.app import REJECTED, create_callback_app
from video_localization.callbacks.replay import RedisSeenStore, SqliteSeenStore, seen_store_from_settings
from video_localization.panjaya.signature import SIGNATURE_HEADER
from video_localization_dev.sandbox.akool.wire import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from video_localization_dev.sandbox.panjaya import sandbox_signing_key

with warnings.catch_warnings():  # Starlette suggests httpx2 for its test client; httpx is what we have
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
ID, SECRET = SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET


def _body(event: str = "version_generated", version: str = "v-1") -> bytes:
    document = {"event": event, "asset_id": "a-1", "version_id": version, "locale": "fr-FR"}
    return json.dumps(document, separators=(",", ":")).encode()


def sign(body: bytes) -> str:
    return sandbox_signing_key().sign(body, ec.ECDSA(hashes.SHA256())).hex()


def malleate(signature_hex: str) -> str:
    """The other valid signature of the same body: (r, s) -> (r, n - s)."""
    r, s = decode_dss_signature(bytes.fromhex(signature_hex))
    return encode_dss_signature(r, P256_ORDER - s).hex()


def post_panjaya(client: TestClient, body: bytes, signature: str | None, conn_id: str = "panjaya_default"):
    headers = {SIGNATURE_HEADER: signature} if signature is not None else {}
    return client.post(f"/panjaya/{conn_id}", content=body, headers=headers)


@pytest.fixture
def panjaya_client(sandbox_panjaya_pem: str) -> Iterator[TestClient]:
    with TestClient(create_callback_app(panjaya_key=lambda _conn_id: sandbox_panjaya_pem)) as client:
        yield client


def _akool_body(envelope: dict) -> bytes:
    return json.dumps(envelope).encode()


def restamp(envelope: dict, *, seconds: float = 0.0, nonce: str = "8812") -> dict:
    """What anyone who knows the clientId can do: a new timestamp and nonce, the signature recomputed."""
    timestamp = int((time.time() + seconds) * 1000)
    data = envelope["dataEncrypt"]
    signature = expected_signature(ID, timestamp, nonce, data)
    return {"signature": signature, "dataEncrypt": data, "timestamp": timestamp, "nonce": nonce}


def _akool_event(status: int = 3, job: str = "65f8180c24d9989e93dde3b6") -> dict:
    return {"_id": job, "status": status, "type": "video translate", "url": "https://r/x.mp4"}


@pytest.fixture
def akool_client() -> Iterator[TestClient]:
    with TestClient(create_callback_app(akool_credentials=lambda _conn_id: (ID, SECRET))) as client:
        yield client


# -- replays -----------------------------------------------------------------------------------------------
def test_a_replayed_panjaya_callback_is_refused(panjaya_client: TestClient) -> None:
    body, signature = _body(), sign(_body())
    assert post_panjaya(panjaya_client, body, signature).status_code == 204
    replayed = post_panjaya(panjaya_client, body, signature)
    assert (replayed.status_code, replayed.json()) == (401, {"detail": REJECTED})
    # The same signature re-encoded as (r, n - s) is also valid ECDSA: still the same callback.
    malleated = post_panjaya(panjaya_client, body, malleate(signature))
    assert (malleated.status_code, malleated.json()) == (401, {"detail": REJECTED})
    # Another event is believed; so is a newly signed one (Panjaya's signatures carry a random nonce).
    assert post_panjaya(panjaya_client, _body(version="v-2"), sign(_body(version="v-2"))).status_code == 204
    assert post_panjaya(panjaya_client, body, sign(body)).status_code == 204


def test_a_replay_is_refused_by_another_worker_process_of_the_api_server(sandbox_panjaya_pem: str) -> None:
    """Two app instances, each with its own store object on the configured file, as two workers have."""
    first = TestClient(create_callback_app(panjaya_key=lambda _c: sandbox_panjaya_pem))
    second = TestClient(create_callback_app(panjaya_key=lambda _c: sandbox_panjaya_pem))
    body, signature = _body(), sign(_body())
    assert post_panjaya(first, body, signature).status_code == 204
    assert post_panjaya(second, body, signature).status_code == 401


def test_a_replayed_akool_webhook_is_refused(akool_client: TestClient) -> None:
    envelope = envelope_for(_akool_event(), ID, SECRET)
    assert akool_client.post("/akool/akool_default", content=_akool_body(envelope)).status_code == 200
    again = akool_client.post("/akool/akool_default", content=_akool_body(envelope))
    assert (again.status_code, again.json()) == (401, {"detail": REJECTED})


def test_a_restamped_akool_webhook_is_refused(akool_client: TestClient) -> None:
    """Akool's SHA-1 signature is unkeyed: an old dataEncrypt with a fresh timestamp verifies. It is the
    ciphertext that is remembered, so the re-stamped copy is a replay."""
    envelope = envelope_for(_akool_event(), ID, SECRET)
    assert akool_client.post("/akool/akool_default", content=_akool_body(envelope)).status_code == 200
    for copy in (restamp(envelope), restamp(envelope, seconds=5, nonce="1"), restamp(envelope, seconds=-5)):
        response = akool_client.post("/akool/akool_default", content=_akool_body(copy))
        assert (response.status_code, response.json()) == (401, {"detail": REJECTED})
    # The next state of the same job is a new event.
    newer = envelope_for(_akool_event(status=4), ID, SECRET)
    assert akool_client.post("/akool/akool_default", content=_akool_body(newer)).status_code == 200


def test_akool_timestamps_must_be_within_the_configured_skew(
    akool_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__CALLBACK_MAX_SKEW_SECONDS", "30")
    envelope = envelope_for(_akool_event(), ID, SECRET)
    for seconds in (-90, 90):  # stale, and from the future
        response = akool_client.post(
            "/akool/akool_default", content=_akool_body(restamp(envelope, seconds=seconds))
        )
        assert response.status_code == 401
    # Never believed, so never remembered: the same event within the skew is still believed once.
    assert akool_client.post("/akool/akool_default", content=_akool_body(envelope)).status_code == 200


def test_a_restamped_webhook_of_a_never_seen_event_is_believed_once(akool_client: TestClient) -> None:
    """Re-stamping alone proves nothing wrong (Akool's own retries carry new timestamps): once only."""
    envelope = envelope_for(_akool_event(status=2), ID, SECRET)
    assert (
        akool_client.post("/akool/akool_default", content=_akool_body(restamp(envelope))).status_code == 200
    )
    assert akool_client.post("/akool/akool_default", content=_akool_body(envelope)).status_code == 401


# -- one answer for every refusal --------------------------------------------------------------------------
def _spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """Count calls of the guard's verification function (the expensive work every refusal must do)."""
    calls: list[str] = []
    original = getattr(guard, name)

    def counted(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(guard, name, counted)
    return calls


def test_every_panjaya_refusal_is_one_answer_after_the_same_work(
    sandbox_panjaya_pem: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def key_of(conn_id: str) -> str:  # what `panjaya_key_from_connection` does for each case
        if conn_id == "missing":
            raise HTTPException(status_code=404, detail=f"no connection {conn_id!r}")
        if conn_id == "an_http_conn":
            raise HTTPException(status_code=404, detail=f"connection {conn_id!r} is not a Panjaya connection")
        return sandbox_panjaya_pem

    calls = _spy(monkeypatch, "verified_callback")
    client = TestClient(create_callback_app(panjaya_key=key_of))
    body, signature = _body(), sign(_body())
    assert post_panjaya(client, body, signature, "panjaya_default").status_code == 204
    malformed = b'{"event": "payment_received", "asset_id": "a-1"}'
    attempts = {
        "unknown connection": post_panjaya(client, body, signature, "missing"),
        "wrong type": post_panjaya(client, body, signature, "an_http_conn"),
        "bad signature": post_panjaya(client, body, sign(b"other"), "panjaya_default"),
        "no signature": post_panjaya(client, body, None, "panjaya_default"),
        "replay": post_panjaya(client, body, signature, "panjaya_default"),
        "signed but malformed": post_panjaya(client, malformed, sign(malformed), "panjaya_default"),
    }
    assert all(r.elapsed.total_seconds() >= guard.REFUSAL_FLOOR_SECONDS for r in attempts.values())
    answers = {(r.status_code, r.content, r.headers.get("content-type")) for r in attempts.values()}
    assert answers == {
        (401, json.dumps({"detail": REJECTED}, separators=(",", ":")).encode(), "application/json")
    }
    assert len(calls) == 1 + len(attempts)  # every refusal verified a signature, known connection or not
    assert "no connection 'missing'" in caplog.text  # the reason is logged, not answered


def test_every_akool_refusal_is_one_answer_after_the_same_work(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def credentials(conn_id: str) -> tuple[str, str]:
        if conn_id == "missing":
            raise LookupError(f"no connection {conn_id!r}")
        if conn_id == "not_akool":
            raise LookupError(f"connection {conn_id!r} is not an Akool connection")
        if conn_id == "short_secret":
            return ID, "too-short"  # cannot be an AES key: no webhook decrypts
        return ID, SECRET

    calls = _spy(monkeypatch, "verified_event")
    client = TestClient(create_callback_app(akool_credentials=credentials))
    envelope = envelope_for(_akool_event(), ID, SECRET)
    body = _akool_body(envelope)
    assert client.post("/akool/akool_default", content=body).status_code == 200
    attempts = {
        "unknown connection": client.post("/akool/missing", content=body),
        "wrong type": client.post("/akool/not_akool", content=body),
        "unusable secret": client.post("/akool/short_secret", content=body),
        "bad signature": client.post(
            "/akool/akool_default", content=_akool_body({**envelope, "signature": "0" * 40})
        ),
        "replay": client.post("/akool/akool_default", content=body),
        "re-stamped": client.post("/akool/akool_default", content=_akool_body(restamp(envelope))),
        "not an envelope": client.post("/akool/akool_default", content=b"{}"),
    }
    answers = {(r.status_code, r.content) for r in attempts.values()}
    assert answers == {(401, json.dumps({"detail": REJECTED}, separators=(",", ":")).encode())}
    assert len(calls) == 1 + len(attempts)
    assert "is not an Akool connection" in caplog.text


def test_a_signed_but_malformed_panjaya_body_is_not_logged(
    panjaya_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = json.dumps(
        {"event": "payment_received", "asset_id": "a-1", "note": "CUSTOMER-PII-MARKER"}
    ).encode()
    assert post_panjaya(panjaya_client, body, sign(body)).status_code == 401
    assert "not a Panjaya status update" in caplog.text
    assert "CUSTOMER-PII-MARKER" not in caplog.text
    assert "payment_received" not in caplog.text


# -- the stores --------------------------------------------------------------------------------------------
def test_the_sqlite_store_holds_across_processes(tmp_path: Path) -> None:
    """Four processes offer the same 60 keys at once: each key is a first sighting exactly once."""
    path = str(tmp_path / "seen.sqlite3")
    SqliteSeenStore(path)  # created before the race
    keys = [f"k{index}" for index in range(60)]
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    workers = [context.Process(target=offer_keys, args=(path, keys, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    firsts = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sum(firsts) == len(keys)


def test_a_sighting_is_forgotten_after_its_retention(tmp_path: Path) -> None:
    store = SqliteSeenStore(tmp_path / "seen.sqlite3")
    assert store.first_sighting("kept", 3600) is True
    assert store.first_sighting("kept", 3600) is False
    assert store.first_sighting("expired", -1) is True  # remembered until a moment already past
    assert store.first_sighting("expired", 3600) is True
    assert store.first_sighting("expired", 3600) is False


def test_the_store_follows_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__CALLBACK_SEEN_DIR", str(tmp_path / "elsewhere"))
    store = seen_store_from_settings()
    assert isinstance(store, SqliteSeenStore)
    assert store.path == tmp_path / "elsewhere" / "seen.sqlite3"


def _redis_url() -> str | None:
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            raise
        return None
    return url


def test_the_redis_store_remembers_once(monkeypatch: pytest.MonkeyPatch) -> None:
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis at 127.0.0.1:6379 (runs when CI=true)")
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__CALLBACK_SEEN_REDIS_URL", url)
    store = seen_store_from_settings()
    assert isinstance(store, RedisSeenStore)
    key = f"test-{os.getpid()}-{time.time_ns()}"
    assert store.first_sighting(key, 60) is True
    assert store.first_sighting(key, 60) is False
    store.client.delete(store.prefix + key)
