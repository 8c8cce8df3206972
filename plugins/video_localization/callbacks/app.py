"""Webhook receiver served by Airflow's api-server (through the plugin) under `/vloc-callbacks`.

Airflow's auth does not cover plugin routes, so nothing here is believed before it is verified: the
body is size-limited first, then the vendor's signature is checked against the key configured on the
named connection, and only then is the event accepted (Panjaya 204; Akool 200, which it requires, after
its envelope is also decrypted with the connection's clientSecret). A forged, altered, stale, replayed
callback, or one for a connection that is missing or of another type, gets the same 401 (`callbacks.guard`
decides, `callbacks.replay` remembers); an oversized one 413. None is logged with its body. A verified
callback then wakes the trigger waiting on its job (`callbacks.wakes`); Rev's unsigned notifications only
ever do that.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from video_localization.akool.webhook import MAX_WEBHOOK_BYTES, credentials_from_connection
from video_localization.callbacks.guard import Refused, believe_akool, believe_panjaya, refusal_pause
from video_localization.callbacks.ledger import CallbackLedger, VariableLedger, reference_from
from video_localization.callbacks.replay import SeenStore, seen_store_from_settings
from video_localization.callbacks.wakes import (
    MAX_REV_NOTIFICATION_BYTES,
    RevNotificationRefused,
    rev_order_number,
    wake_akool,
    wake_panjaya,
    wake_rev,
)
from video_localization.panjaya.signature import MAX_CALLBACK_BYTES, PANJAYA_PUBLIC_KEY_PEM, SIGNATURE_HEADER

log = logging.getLogger(__name__)

KeyResolver = Callable[[str], str]

#: The one answer to any webhook that is not believed; why is logged here, not told to the sender
#: (a sender told "bad padding" apart from "bad shape" could probe the decryption).
REJECTED = "webhook rejected: not verified"
AkoolCredentialsResolver = Callable[[str], tuple[str, str]]


def panjaya_key_from_connection(conn_id: str) -> str:
    """The PEM on the connection's `callback_public_key` extra, else the key in Panjaya's document."""
    from airflow.models.connection import Connection  # the api-server reads connections directly

    try:
        connection = Connection.get_connection_from_secrets(conn_id)
    except Exception as exc:  # AirflowNotFoundException and secrets backend errors alike
        raise HTTPException(status_code=404, detail=f"no connection {conn_id!r}") from exc
    if connection.conn_type != "panjaya":
        raise HTTPException(status_code=404, detail=f"connection {conn_id!r} is not a Panjaya connection")
    return connection.extra_dejson.get("callback_public_key") or PANJAYA_PUBLIC_KEY_PEM


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) anything over `limit` bytes without reading it all into memory."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413, detail=f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPException(status_code=413, detail=f"body over {limit} bytes")
    return bytes(body)


def akool_credentials_from_connection(conn_id: str) -> tuple[str, str]:
    """(clientId, clientSecret) of the named Akool connection; 404 when there is none to use."""
    try:
        return credentials_from_connection(conn_id)
    except LookupError as missing:
        raise HTTPException(status_code=404, detail=str(missing)) from None


def create_callback_app(
    panjaya_key: KeyResolver = panjaya_key_from_connection,
    akool_credentials: AkoolCredentialsResolver = akool_credentials_from_connection,
    ledger: CallbackLedger | None = None,
    seen_store: SeenStore | None = None,
) -> FastAPI:
    ledger = ledger or VariableLedger()
    app = FastAPI(title="video-localization vendor callbacks", docs_url=None, redoc_url=None)
    stores: list[SeenStore] = [seen_store] if seen_store is not None else []

    def seen() -> SeenStore:
        """The shared memory of believed callbacks, opened on first use (not at plugin import)."""
        if not stores:
            stores.append(seen_store_from_settings())
        return stores[0]

    @app.post("/panjaya/{conn_id}", status_code=204)
    async def panjaya_callback(conn_id: str, request: Request) -> Response:
        started = time.monotonic()
        body = await read_limited_body(request, MAX_CALLBACK_BYTES)
        try:
            signature = request.headers.get(SIGNATURE_HEADER)
            payload = believe_panjaya(conn_id, body, signature, panjaya_key, seen())
        except Refused as refused:
            log.warning("Rejected a Panjaya callback for %r: %s", conn_id, refused)
            await refusal_pause(started)
            raise HTTPException(status_code=401, detail=REJECTED) from None
        log.info(
            "Verified Panjaya callback: %s asset=%s version=%s locale=%s",
            payload.event.value,
            payload.asset_id,
            payload.version_id,
            payload.locale,
        )
        await wake_panjaya(payload)
        return Response(status_code=204)

    @app.post("/akool/{conn_id}")
    async def akool_webhook(conn_id: str, request: Request) -> Response:
        """Akool wants HTTP 200 (else it sends again): only for a verified, decrypted job update."""
        started = time.monotonic()
        body = await read_limited_body(request, MAX_WEBHOOK_BYTES)
        try:
            event = believe_akool(conn_id, body, akool_credentials, seen())
        except Refused as refused:
            log.warning("Rejected an Akool webhook for %r: %s", conn_id, refused)
            await refusal_pause(started)
            raise HTTPException(status_code=401, detail=REJECTED) from None
        log.info("Verified Akool webhook: job %s is %s (%s)", event.id, event.status.word, event.type)
        if (reference := reference_from(request.query_params)) is not None:
            # Names the job to a task whose create answer was lost (see callbacks/ledger.py); a failure
            # here answers 500, so Akool sends the webhook again.
            await run_in_threadpool(ledger.record, "akool", reference, event.id, event.status.word)
        await wake_akool(event.id)
        return JSONResponse({"code": 1000, "msg": "OK"})

    @app.post("/rev/{conn_id}", status_code=204)
    async def rev_notification(conn_id: str, request: Request) -> Response:
        """Rev signs nothing: the order number only wakes its wait, which then asks Rev itself."""
        body = await read_limited_body(request, MAX_REV_NOTIFICATION_BYTES)
        try:
            number = rev_order_number(body, request.headers.get("content-type"))
        except RevNotificationRefused as refused:
            log.warning("Refused a Rev notification for %s: %s", conn_id, refused)
            raise HTTPException(status_code=400, detail="not a Rev order notification") from None
        await wake_rev(number)
        return Response(status_code=204)

    return app
