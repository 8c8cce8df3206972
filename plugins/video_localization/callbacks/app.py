"""Webhook receiver served by Airflow's api-server (through the plugin) under `/vloc-callbacks`.

Airflow's auth does not cover plugin routes, so nothing here is believed before it is verified: the
body is size-limited first, then the vendor's signature is checked against the key configured on the
named connection, and only then is the event accepted (Panjaya 204; Akool 200, which it requires, after
its envelope is also decrypted with the connection's clientSecret). A forged, altered, stale or
oversized callback gets 401/413 and is logged without its body. A verified callback then wakes the
trigger waiting on its job (`callbacks.wakes`); Rev's unsigned notifications only ever do that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from video_localization.akool.webhook import (
    MAX_WEBHOOK_BYTES,
    WebhookKeyError,
    WebhookRejected,
    credentials_from_connection,
    verified_event,
)
from video_localization.callbacks.wakes import (
    MAX_REV_NOTIFICATION_BYTES,
    RevNotificationRefused,
    rev_order_number,
    wake_akool,
    wake_panjaya,
    wake_rev,
)
from video_localization.panjaya.signature import (
    MAX_CALLBACK_BYTES,
    PANJAYA_PUBLIC_KEY_PEM,
    SIGNATURE_HEADER,
    CallbackRejected,
    verified_callback,
)

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
) -> FastAPI:
    app = FastAPI(title="video-localization vendor callbacks", docs_url=None, redoc_url=None)

    @app.post("/panjaya/{conn_id}", status_code=204)
    async def panjaya_callback(conn_id: str, request: Request) -> Response:
        body = await read_limited_body(request, MAX_CALLBACK_BYTES)
        try:
            payload = verified_callback(body, request.headers.get(SIGNATURE_HEADER), panjaya_key(conn_id))
        except CallbackRejected as rejected:
            log.warning("Rejected a Panjaya callback for %s: %s", conn_id, rejected)
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
        body = await read_limited_body(request, MAX_WEBHOOK_BYTES)
        client_id, client_secret = akool_credentials(conn_id)
        try:
            event = verified_event(body, client_id, client_secret)
        except WebhookRejected as rejected:
            log.warning("Rejected an Akool webhook for %s: %s", conn_id, rejected)
            raise HTTPException(status_code=401, detail=REJECTED) from None
        except WebhookKeyError as unusable:
            log.error("Akool webhooks for %s cannot be decrypted: %s", conn_id, unusable)
            detail = "the connection's clientId/clientSecret cannot decrypt Akool webhooks"
            raise HTTPException(status_code=500, detail=detail) from None
        log.info("Verified Akool webhook: job %s is %s (%s)", event.id, event.status.word, event.type)
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
