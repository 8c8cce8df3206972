"""The Akool endpoints under `/akool` (standing for `https://openapi.akool.com/api/open/v3`).

Vendor endpoints: `POST /getToken`, `GET /language/list`, `POST /content/video/createbytranslate`,
`GET /content/video/infobymodelid`, plus the result "CDN" (`GET /cdn/{_id}/{file}`, signed links).
Sandbox controls (not Akool's): `POST /_sandbox/expire-tokens`, `GET|POST /_sandbox/limits`,
`POST /_sandbox/busy`, `POST /_sandbox/finish` (end a job now), and `GET /_sandbox/icons/{file}` (the
language list's flag icons).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import zlib
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from video_localization_dev.sandbox.akool.errors import AkoolError, akool_error_handler, fault_body
from video_localization_dev.sandbox.akool.media_checks import check_media, fetch_video
from video_localization_dev.sandbox.akool.store import AkoolStore, Job, object_id
from video_localization_dev.sandbox.akool.wire import (
    ACCOUNT_BANNED,
    ACCOUNTS,
    AKOOL_MAX_VIDEO_BYTES,
    API_KEY_HEADER,
    AUTH_SCHEME,
    AUTO_DETECT_SOURCE,
    BAD_CREDENTIALS_CODE,
    COMPLETED,
    CREATED_KIND,
    INVALID_TOKEN,
    LANGUAGE_CODES,
    LANGUAGES,
    LIPSYNC_REPEATED,
    MISSING_AUTH,
    NO_PERMISSION,
    NOT_FOUND,
    PARAMETER_ERROR,
    RESULT_TTL_SECONDS,
    SUCCESS,
    TRANSIENT_CODES,
    VENDOR,
    Account,
)
from video_localization_dev.sandbox.media import probe_bytes
from video_localization_dev.sandbox.state import Sandbox

_BY_CLIENT_ID = {account.client_id: account for account in ACCOUNTS}


def _ok(data: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": SUCCESS, "msg": "OK"}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return body


def _png_1x1() -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + payload))
        return struct.pack(">I", len(payload)) + kind + payload + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x30\x60\xc0"))
        + chunk(b"IEND", b"")
    )


_ICON = _png_1x1()


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise AkoolError(PARAMETER_ERROR, "the body is not JSON") from exc
    if not isinstance(body, dict):
        raise AkoolError(PARAMETER_ERROR, "the body is not a JSON object")
    return body


def _required_str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise AkoolError(PARAMETER_ERROR, f"{name} can not be empty")
    return value.strip()


def _optional_bool(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise AkoolError(PARAMETER_ERROR, f"{name} must be true or false")
    return value


def _is_http_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and len(value) > len("https://")


def _authenticate(store: AkoolStore, request: Request) -> Account:
    """`Authorization: Bearer <token>` wins over `x-api-key` when both are sent (vendor-notes.md)."""
    authorization = request.headers.get("authorization", "").strip()
    api_key = request.headers.get(API_KEY_HEADER, "").strip()
    account: Account | None = None
    if authorization:
        scheme, _, token = authorization.partition(" ")
        owner = store.token_owner(token.strip()) if scheme.lower() == AUTH_SCHEME.lower() else None
        account = _BY_CLIENT_ID.get(owner) if owner else None
    elif api_key:
        account = next(
            (known for known in ACCOUNTS if hmac.compare_digest(known.api_key.encode(), api_key.encode())),
            None,
        )
    else:
        raise AkoolError(MISSING_AUTH)
    if account is None:
        raise AkoolError(INVALID_TOKEN)
    if account.banned:
        raise AkoolError(ACCOUNT_BANNED)
    return account


def _targets(body: dict[str, Any]) -> list[str]:
    """`language` holds one target or several, comma-separated (vendor-notes.md)."""
    raw = _required_str(body, "language")
    targets = [part.strip() for part in raw.split(",")]
    if any(not part for part in targets):
        raise AkoolError(PARAMETER_ERROR, "language has an empty entry")
    unknown = [part for part in targets if part not in LANGUAGE_CODES]
    if unknown:
        raise AkoolError(PARAMETER_ERROR, f"language {', '.join(unknown)} is not supported")
    if len(set(targets)) != len(targets):
        raise AkoolError(PARAMETER_ERROR, "language names a target twice")
    return targets


def _translation_request(body: dict[str, Any]) -> dict[str, Any]:
    url = _required_str(body, "url")
    if not _is_http_url(url):
        raise AkoolError(PARAMETER_ERROR, "url must be an http(s) address")
    targets = _targets(body)
    source = _required_str(body, "source_language")
    if source != AUTO_DETECT_SOURCE and source not in LANGUAGE_CODES:
        raise AkoolError(PARAMETER_ERROR, f"source_language {source} is not supported")
    if source in targets:
        raise AkoolError(PARAMETER_ERROR, "language must differ from source_language")
    lipsync = _optional_bool(body, "lipsync")
    face_enhance = _optional_bool(body, "face_enhance")
    merge_interval = body.get("merge_interval", 1)
    if merge_interval is None:
        merge_interval = 1
    if isinstance(merge_interval, bool) or not isinstance(merge_interval, int | float) or merge_interval <= 0:
        raise AkoolError(PARAMETER_ERROR, "merge_interval must be a positive number")
    webhook_url = body.get("webhookUrl") or ""
    if not isinstance(webhook_url, str) or (webhook_url and not _is_http_url(webhook_url)):
        raise AkoolError(PARAMETER_ERROR, "webhookUrl must be an http(s) address")
    return {
        "url": url,
        "targets": targets,
        "source_language": source,
        "lipsync": lipsync,
        # The document: face_enhance "only works when lipsync is true".
        "face_enhance": face_enhance and lipsync,
        "merge_interval": merge_interval,
        "webhook_url": webhook_url,
    }


def _vendor_router(sandbox: Sandbox, store: AkoolStore) -> APIRouter:
    router = APIRouter(
        prefix=f"/{VENDOR}",
        tags=["akool"],
        dependencies=[Depends(sandbox.vendor_dependency(VENDOR, fault_body))],
    )

    @router.post("/getToken")
    async def get_token(request: Request) -> dict:
        body = await _json_object(request)
        client_id = _required_str(body, "clientId")
        client_secret = _required_str(body, "clientSecret")
        account = _BY_CLIENT_ID.get(client_id)
        if account is None or not hmac.compare_digest(account.client_secret.encode(), client_secret.encode()):
            raise AkoolError(BAD_CREDENTIALS_CODE, "unknown clientId or clientSecret")
        if account.banned:
            raise AkoolError(ACCOUNT_BANNED)
        return {"code": SUCCESS, "token": store.issue_token(account)}

    @router.get("/language/list")
    async def language_list(request: Request) -> dict:
        _authenticate(store, request)
        icons = f"{sandbox.settings.public_url.rstrip('/')}/{VENDOR}/_sandbox/icons"
        lang_list = [
            {"lang_code": code, "lang_name": name, "url": f"{icons}/{code.title()}.png"}
            for code, name in LANGUAGES
        ]
        return _ok({"lang_list": lang_list})

    @router.post("/content/video/createbytranslate")
    async def create_by_translate(request: Request) -> dict:
        account = _authenticate(store, request)
        params = _translation_request(await _json_object(request))
        data = await fetch_video(params["url"], store.max_video_bytes)
        info = probe_bytes(data)
        check_media(info, params["lipsync"])
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        targets: list[str] = params["targets"]
        results: list[dict[str, Any]] = []
        jobs: list[Job] = []
        with sandbox.lock:
            repeated = {
                language
                for language in targets
                if params["lipsync"] and store.lipsync_done_before(account, md5, language)
            }
            if len(repeated) == len(targets):
                error = AkoolError(LIPSYNC_REPEATED)
                if len(targets) == 1:
                    raise error
                return {
                    **error.body(),
                    "all_results": [{**error.body(), "data": {"language": lang}} for lang in targets],
                }
            if store.busy.times > 0:
                store.busy.times -= 1
                raise AkoolError(store.busy.code)
            for language in targets:
                if language in repeated:
                    results.append({**AkoolError(LIPSYNC_REPEATED).body(), "data": {"language": language}})
                    continue
                job = Job(
                    id=_new_id(store),
                    account=account,
                    url=params["url"],
                    source_language=params["source_language"],
                    language=language,
                    lipsync=params["lipsync"],
                    merge_interval=params["merge_interval"],
                    face_enhance=params["face_enhance"],
                    webhook_url=params["webhook_url"],
                    video_bytes=data,
                    duration_seconds=info.duration_seconds,
                    has_speech=info.has_speech,
                    injected_failure=sandbox.take_job_fault(VENDOR, language),
                )
                store.add(job)
                sandbox.record_created(VENDOR, CREATED_KIND)
                jobs.append(job)
                results.append({"code": SUCCESS, "msg": "OK", "data": job.data()})
        store.ensure_ticker()
        if len(targets) == 1:
            return _ok(jobs[0].data())
        return _ok(jobs[0].data(), all_results=results)

    @router.get("/content/video/infobymodelid")
    async def info_by_model_id(request: Request) -> dict:
        account = _authenticate(store, request)
        video_model_id = request.query_params.get("video_model_id", "").strip()
        if not video_model_id:
            raise AkoolError(PARAMETER_ERROR, "video_model_id can not be empty")
        job = store.get(video_model_id)
        if job is None:
            raise AkoolError(NOT_FOUND)
        if job.account.client_id != account.client_id:
            raise AkoolError(NO_PERMISSION)
        return _ok(job.data())

    @router.api_route("/cdn/{job_id}/{file_name}", methods=["GET", "HEAD"])
    async def result_file(job_id: str, file_name: str, request: Request) -> Response:
        """The translated video behind a signed link that expires (Akool: "valid for 7 days")."""
        path = request.url.path
        try:
            expires = int(request.query_params.get("expires", ""))
        except ValueError:
            expires = 0
        signature = request.query_params.get("signature", "")
        if not sandbox.link_is_valid(path, expires, signature):
            return _storage_error(403, "AccessDenied", "Request has expired or the signature does not match")
        job = store.get(job_id)
        if job is None or job.status != COMPLETED or path not in (job.result_path(), job.result_path(True)):
            return _storage_error(404, "NoSuchKey", "The specified key does not exist.")
        headers = {"Content-Length": str(len(job.video_bytes))}
        content = b"" if request.method == "HEAD" else job.video_bytes
        return Response(content=content, media_type="video/mp4", headers=headers)

    return router


def _new_id(store: AkoolStore) -> str:
    while True:
        candidate = object_id()
        if candidate not in store.jobs:
            return candidate


def _storage_error(status: int, code: str, message: str) -> Response:
    """Inferred: the result host answers like an S3/CloudFront origin, with a small XML error."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(content=xml, status_code=status, media_type="application/xml")


def _control_router(store: AkoolStore) -> APIRouter:
    """Sandbox-only controls; they are not part of Akool's API and need no auth."""
    router = APIRouter(prefix=f"/{VENDOR}/_sandbox", tags=["akool sandbox controls"])

    @router.post("/expire-tokens")
    def expire_tokens() -> dict:
        """Expire every token issued so far, so a client's refresh on 1101 can be tested."""
        return _ok({"expired": store.expire_tokens()})

    def limits_view() -> dict:
        return {"max_video_bytes": store.max_video_bytes, "result_ttl_seconds": store.result_ttl_seconds}

    @router.get("/limits")
    def get_limits() -> dict:
        return _ok(limits_view())

    @router.post("/limits")
    async def set_limits(request: Request) -> Response:
        """Lower the size limit (1207 without a 300 MB file) or the result-link lifetime; null restores."""
        body = await _json_object(request)
        defaults = {"max_video_bytes": AKOOL_MAX_VIDEO_BYTES, "result_ttl_seconds": RESULT_TTL_SECONDS}
        updates: dict[str, int] = {}
        for name, default in defaults.items():
            if name not in body:
                continue
            value = body[name]
            if value is None:
                updates[name] = default
            elif isinstance(value, int) and not isinstance(value, bool) and value > 0:
                updates[name] = value
            else:
                return JSONResponse({"code": PARAMETER_ERROR, "msg": f"{name} must be a positive integer"})
        for name, value in updates.items():
            setattr(store, name, value)
        return JSONResponse(_ok(limits_view()))

    @router.post("/busy")
    async def set_busy(request: Request) -> Response:
        """The next `times` otherwise valid creates answer `code` (1201 or 1205, "try again later")."""
        body = await _json_object(request)
        times = body.get("times", 1)
        code = body.get("code", 1201)
        if not isinstance(times, int) or isinstance(times, bool) or times < 0 or code not in TRANSIENT_CODES:
            detail = f"times must be >= 0 and code one of {sorted(TRANSIENT_CODES)}"
            return JSONResponse({"code": PARAMETER_ERROR, "msg": detail})
        store.busy.times = times
        store.busy.code = code
        return JSONResponse(_ok({"times": times, "code": code}))

    @router.post("/finish")
    async def finish(request: Request) -> Response:
        """End a job now (completed, or failed for a source without speech), webhooks included; with a
        long `step_seconds` this lets a caller decide when each job ends. Answers when it ended."""
        body = await _json_object(request)
        finished = store.finish(str(body.get("video_model_id", "")))
        if finished is None:
            return JSONResponse({"code": NOT_FOUND, "msg": "no such job"})
        job, finished_at = finished
        return JSONResponse(_ok({"_id": job.id, "video_status": job.status, "finished_at": finished_at}))

    @router.get("/icons/{file_name}")
    def icon(file_name: str) -> Response:
        return Response(content=_ICON, media_type="image/png")

    return router


def register(app: FastAPI, sandbox: Sandbox) -> None:
    store = AkoolStore(sandbox)
    sandbox.reset_hooks.append(store.reset)
    app.add_exception_handler(AkoolError, akool_error_handler)
    app.include_router(_control_router(store))
    app.include_router(_vendor_router(sandbox, store))
