"""Akool webhooks: verified (signature before decryption), decrypted, and only then believed.

Envelopes are made by the sandbox's own implementation (`sandbox.akool.webhook`), independent of the
provider's, so a round trip proves both follow the same reading of Akool's page. The end-to-end test lets
the sandbox post its real webhooks to the project's receiver served by uvicorn.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator

import pytest

from akool_test_support import HTTP, AkoolObjects, akool_connection_json
from video_localization.akool.models import VideoStatus
from video_localization.akool.webhook import (
    MAX_WEBHOOK_AGE_SECONDS,
    MAX_WEBHOOK_BYTES,
    WebhookKeyError,
    WebhookRejected,
    credentials_from_connection,
    decrypt,
    encrypt,
    envelope_for,
    expected_signature,
    verified_event,
)
from video_localization.callbacks.app import REJECTED, create_callback_app
from video_localization_dev.sandbox.akool import webhook as sandbox_webhook
from video_localization_dev.sandbox.akool.wire import (
    SANDBOX_API_KEY,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_OTHER_CLIENT_ID,
    SANDBOX_OTHER_CLIENT_SECRET,
    WEBHOOK_ATTEMPTS,
)
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import serve_app, wait_until

with warnings.catch_warnings():  # Starlette suggests httpx2 for its test client; httpx is what we have
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PAYLOAD = {
    "_id": "65f8180c24d9989e93dde3b6",
    "status": 3,
    "type": "video translate",
    "url": "https://r/x.mp4",
}
ID, SECRET = SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET


def sandbox_envelope(payload: dict = PAYLOAD, client_id: str = ID, secret: str = SECRET) -> dict:
    """An envelope made by the sandbox's emulation of Akool."""
    return sandbox_webhook.envelope(payload, client_id, secret)


def raw(envelope: dict) -> bytes:
    return json.dumps(envelope).encode()


# -- verify and decrypt ------------------------------------------------------------------------------------
def test_an_envelope_from_the_sandbox_verifies_and_decrypts() -> None:
    event = verified_event(raw(sandbox_envelope()), ID, SECRET)
    assert (event.id, event.status, event.type, event.url) == (
        PAYLOAD["_id"],
        VideoStatus.COMPLETED,
        "video translate",
        "https://r/x.mp4",
    )


def test_the_providers_own_envelope_round_trips_both_ways() -> None:
    mine = envelope_for(PAYLOAD, ID, SECRET)
    assert json.loads(decrypt(mine["dataEncrypt"], ID, SECRET)) == PAYLOAD
    theirs = sandbox_envelope()
    assert theirs["signature"] == expected_signature(
        ID, theirs["timestamp"], theirs["nonce"], theirs["dataEncrypt"]
    )
    assert sandbox_webhook.encrypt(b"hello", ID, SECRET) == encrypt(b"hello", ID, SECRET)


def test_a_tampered_signature_is_rejected() -> None:
    envelope = sandbox_envelope()
    flipped = ("0" if envelope["signature"][0] != "0" else "1") + envelope["signature"][1:]
    with pytest.raises(WebhookRejected, match="signature does not match"):
        verified_event(raw({**envelope, "signature": flipped}), ID, SECRET)
    for field, value in (("nonce", "9999"), ("timestamp", envelope["timestamp"] + 1)):
        with pytest.raises(WebhookRejected, match="signature does not match"):
            verified_event(raw({**envelope, field: value}), ID, SECRET)


def test_a_tampered_ciphertext_is_rejected_before_it_is_decrypted() -> None:
    envelope = sandbox_envelope()
    cipher = bytearray(base64.b64decode(envelope["dataEncrypt"]))
    cipher[0] ^= 0x01
    tampered = base64.b64encode(bytes(cipher)).decode()
    with pytest.raises(WebhookRejected, match="signature does not match"):
        verified_event(raw({**envelope, "dataEncrypt": tampered}), ID, SECRET)


def test_a_forger_who_knows_the_client_id_still_cannot_make_a_believable_event() -> None:
    """Akool's signature uses no secret, so a forger can re-sign; only the clientSecret decrypts."""
    envelope = sandbox_envelope()
    forged_plain = encrypt(json.dumps({**PAYLOAD, "status": 3}).encode(), ID, "x" * 24)  # not the secret
    for data in (forged_plain, base64.b64encode(b"\x00" * 32).decode(), "not base64!", ""):
        resigned = {
            **envelope,
            "dataEncrypt": data,
            "signature": expected_signature(ID, envelope["timestamp"], envelope["nonce"], data),
        }
        with pytest.raises(WebhookRejected):
            verified_event(raw(resigned), ID, SECRET)


def test_a_wrong_key_is_rejected() -> None:
    body = raw(sandbox_envelope())
    with pytest.raises(WebhookRejected, match=r"does not decrypt|not an Akool job update"):
        verified_event(body, ID, SANDBOX_OTHER_CLIENT_SECRET)  # another account's secret
    with pytest.raises(WebhookRejected, match="signature does not match"):
        verified_event(body, SANDBOX_OTHER_CLIENT_ID, SECRET)  # another clientId (IV and signature)
    with pytest.raises(WebhookKeyError, match="clientSecret of 16/24/32 bytes"):
        verified_event(body, ID, "short")


def test_stale_and_future_envelopes_are_rejected() -> None:
    envelope = sandbox_envelope()
    sent = envelope["timestamp"] / 1000
    verified_event(raw(envelope), ID, SECRET, now=sent + MAX_WEBHOOK_AGE_SECONDS - 1)
    for now in (sent + MAX_WEBHOOK_AGE_SECONDS + 1, sent - MAX_WEBHOOK_AGE_SECONDS - 1):
        with pytest.raises(WebhookRejected, match="away from now"):
            verified_event(raw(envelope), ID, SECRET, now=now)


def test_a_timestamp_in_seconds_is_read_as_seconds() -> None:
    envelope = envelope_for(PAYLOAD, ID, SECRET)
    seconds = envelope["timestamp"] // 1000
    in_seconds = {
        **envelope,
        "timestamp": seconds,
        "signature": expected_signature(ID, seconds, envelope["nonce"], envelope["dataEncrypt"]),
    }
    assert verified_event(raw(in_seconds), ID, SECRET).id == PAYLOAD["_id"]


def test_what_is_not_an_akool_webhook_is_rejected() -> None:
    with pytest.raises(WebhookRejected, match="over the 65536-byte limit"):
        verified_event(b" " * (MAX_WEBHOOK_BYTES + 1), ID, SECRET)
    for body in (b"not json", b"[]", json.dumps({"signature": "x"}).encode()):
        with pytest.raises(WebhookRejected, match="not an Akool webhook envelope"):
            verified_event(body, ID, SECRET)
    not_a_job = sandbox_envelope({"hello": "world"})
    with pytest.raises(WebhookRejected, match="not an Akool job update"):
        verified_event(raw(not_a_job), ID, SECRET)
    unknown_status = sandbox_envelope({**PAYLOAD, "status": 9})
    with pytest.raises(WebhookRejected, match="not an Akool job update"):
        verified_event(raw(unknown_status), ID, SECRET)


# -- the receiver route -------------------------------------------------------------------------------------
@pytest.fixture
def receiver() -> Iterator[tuple[TestClient, list[str]]]:
    asked: list[str] = []

    def credentials(conn_id: str) -> tuple[str, str]:
        asked.append(conn_id)
        return ID, SECRET

    with TestClient(create_callback_app(akool_credentials=credentials)) as client:
        yield client, asked


def test_the_receiver_answers_200_to_a_verified_webhook(receiver: tuple[TestClient, list[str]]) -> None:
    client, asked = receiver
    response = client.post("/akool/akool_eu", content=raw(sandbox_envelope()))
    assert response.status_code == 200
    assert response.json() == {"code": 1000, "msg": "OK"}
    assert asked == ["akool_eu"]


def test_the_receiver_rejects_tampered_and_stale_webhooks_with_401(
    receiver: tuple[TestClient, list[str]],
) -> None:
    client, _ = receiver
    envelope = sandbox_envelope()
    old = sandbox_envelope()
    old["timestamp"] -= (MAX_WEBHOOK_AGE_SECONDS + 60) * 1000
    old["signature"] = expected_signature(ID, old["timestamp"], old["nonce"], old["dataEncrypt"])
    for body in (raw({**envelope, "signature": "0" * 40}), raw(old), b"{}"):
        response = client.post("/akool/akool_default", content=body)
        assert response.status_code == 401, response.text
        # One answer for every reason: a sender cannot tell a bad padding from a bad shape.
        assert response.json() == {"detail": REJECTED}


def test_the_receiver_refuses_an_oversized_body_before_looking_up_keys(
    receiver: tuple[TestClient, list[str]],
) -> None:
    client, asked = receiver
    assert client.post("/akool/akool_default", content=b" " * (MAX_WEBHOOK_BYTES + 1)).status_code == 413
    assert asked == []


def test_the_receiver_reads_credentials_from_the_named_connection(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_AKOOL_DEFAULT", akool_connection_json(sandbox))
    monkeypatch.setenv(
        "AIRFLOW_CONN_AKOOL_KEYED",
        akool_connection_json(sandbox, password=None, api_key=SANDBOX_API_KEY),  # API key = clientSecret
    )
    monkeypatch.setenv("AIRFLOW_CONN_AKOOL_NOID", akool_connection_json(sandbox, login=None))
    monkeypatch.setenv("AIRFLOW_CONN_NOT_AKOOL", json.dumps({"conn_type": "http", "host": "example.com"}))
    assert credentials_from_connection("akool_default") == (ID, SECRET)
    assert credentials_from_connection("akool_keyed") == (ID, SECRET)
    client = TestClient(create_callback_app())
    assert client.post("/akool/akool_keyed", content=raw(sandbox_envelope())).status_code == 200
    # Unusable connections are answered like a bad signature: ids and types cannot be probed.
    for conn_id in ("not_akool", "akool_noid", "akool_missing"):
        response = client.post(f"/akool/{conn_id}", content=raw(sandbox_envelope()))
        assert response.status_code == 401
        assert response.json() == {"detail": REJECTED}


# -- end to end: the sandbox posts real webhooks to the receiver --------------------------------------------
def sent(sandbox: RunningSandbox) -> list[dict]:
    return HTTP.get(f"{sandbox.url}/_sandbox/callbacks").json()


def test_the_sandboxs_real_webhooks_are_accepted_only_with_the_right_secret(
    akool: AkoolObjects, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AKOOL_OTHER",
        akool_connection_json(
            akool.sandbox, login=SANDBOX_OTHER_CLIENT_ID, password=SANDBOX_OTHER_CLIENT_SECRET
        ),
    )
    # credentials from the connections, as deployed
    with serve_app(create_callback_app(), "akool-receiver") as receiver_url:
        trusted = f"{receiver_url}/akool/akool_default"
        job = akool.create(webhook_url=trusted).data
        akool.wait_job(job.id)
        wrong = f"{receiver_url}/akool/akool_other"  # another account's keys
        akool.wait_job(akool.create(languages=("de",), webhook_url=wrong).data.id)
        # Wait for every delivery, retries included, so none lands in a later test's callback list:
        # two states a job, and a refused one is tried WEBHOOK_ATTEMPTS times.
        refused = 2 * WEBHOOK_ATTEMPTS
        calls = wait_until(
            "webhooks answered",
            lambda: sent(akool.sandbox),
            lambda calls: (
                sum(call["url"] == trusted and call["status_code"] == 200 for call in calls) == 2
                and sum(call["url"] == wrong for call in calls) == refused
            ),
        )
    accepted = [call for call in calls if call["url"] == trusted]
    assert [call["status_code"] for call in accepted] == [200, 200]  # processing, completed
    events = [verified_event(call["body"].encode(), ID, SECRET) for call in accepted]
    assert [(event.id, event.status) for event in events] == [
        (job.id, VideoStatus.PROCESSING),
        (job.id, VideoStatus.COMPLETED),
    ]
    assert events[1].url and "signature=" in events[1].url
    assert [call["status_code"] for call in calls if call["url"] == wrong] == [401] * refused
