"""The HTTP surface: the token endpoint, the talking-head API methods, the video files and the controls."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.cdnvideo import catalogue
from video_localization_dev.sandbox.cdnvideo import constants as c
from video_localization_dev.sandbox.cdnvideo.errors import ApiError, fault_response
from video_localization_dev.sandbox.cdnvideo.store import Emulator, Task, iso
from video_localization_dev.sandbox.cdnvideo.validation import (
    parse_list_query,
    validate_generate,
    validate_rename,
)
from video_localization_dev.sandbox.state import Sandbox

ACCOUNT_PATH = c.API_PREFIX + "/{account}"


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise ApiError(400, c.MSG_INVALID_JSON) from None


async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        return {key: str(value) for key, value in form.items()}
    if content_type.startswith("application/x-www-form-urlencoded") or not content_type:
        parsed = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}
    return {}


def api_router(emulator: Emulator, sandbox: Sandbox) -> APIRouter:
    """Every documented method; unknown paths and methods get 404 with no body, like the service."""
    router = APIRouter(
        prefix=c.PREFIX,
        dependencies=[Depends(sandbox.vendor_dependency("cdnvideo", fault_response))],
        tags=["cdnvideo"],
    )

    def guard(request: Request, account: str) -> None:
        emulator.authenticate(request.headers.get(c.TOKEN_HEADER), account)

    def task_or_error(account: str, task_id: str, message: str) -> Task:
        task = emulator.get(account, task_id)
        if task is None:
            raise ApiError(400, message)
        return task

    @router.post(c.TOKEN_PATH)
    async def token(request: Request) -> Response:
        """White-label OAuth: form `username`/`password`; 400 and 401 with no body."""
        form = await _form(request)
        if not form.get("username") or not form.get("password"):
            return Response(status_code=400)
        issued, person_id = emulator.issue_token(form["username"], form["password"])
        lifetime_ms = max(0, int((issued.expires_at - emulator.now()) * 1000))
        return JSONResponse(
            {"person_id": person_id, "status": 200, "token": issued.value, "lifetime": lifetime_ms}
        )

    @router.get(ACCOUNT_PATH + "/configurations")
    def configurations(account: str, request: Request) -> dict:
        guard(request, account)
        limit, used = emulator.quota(account)
        return {
            "status": "ok",
            "voices": catalogue.VOICES,
            "models": catalogue.MODELS,
            "backgrounds": catalogue.BACKGROUNDS,
            "quota": {"limit": float(limit), "left": float(max(0, limit - used))},
            "watermark": catalogue.WATERMARK,
        }

    @router.post(ACCOUNT_PATH + "/generate")
    async def generate(account: str, request: Request) -> JSONResponse:
        guard(request, account)
        emulator.admit_post(account)
        emulator.check_quota(account)
        task = emulator.create_task(account, validate_generate(await _json_body(request)))
        return JSONResponse({"status": "ok", "id": task.id}, status_code=202)

    @router.get(ACCOUNT_PATH + "/status/{task_id}")
    def status(account: str, task_id: str, request: Request) -> dict:
        guard(request, account)
        task = task_or_error(account, task_id, c.MSG_NO_SUCH_TASK)
        state = emulator.state(task)
        return {
            "status": "ok",
            "task": {
                "id": task.id,
                "attempts": state.attempts,
                "status": state.status,
                "message": state.message,
            },
        }

    @router.delete(ACCOUNT_PATH + "/cancel/{task_id}")
    def cancel(account: str, task_id: str, request: Request) -> dict:
        guard(request, account)
        emulator.cancel(task_or_error(account, task_id, c.MSG_NO_SUCH_TASK))
        return {"status": "ok"}

    @router.get(ACCOUNT_PATH + "/video/{task_id}")
    def video_link(account: str, task_id: str, request: Request) -> dict:
        guard(request, account)
        task = task_or_error(account, task_id, c.MSG_NO_SUCH_VIDEO)
        if not emulator.stored(task):
            unfinished = emulator.state(task).status in (c.STATUS_IN_QUEUE, c.STATUS_PROCESSING)
            raise ApiError(
                400, c.MSG_VIDEO_NOT_READY if unfinished and not task.deleted else c.MSG_NO_SUCH_VIDEO
            )
        return {"status": "ok", "url": emulator.link(task, _client_ip(request))}

    @router.patch(ACCOUNT_PATH + "/video/{task_id}")
    async def rename(account: str, task_id: str, request: Request) -> dict:
        guard(request, account)
        task = task_or_error(account, task_id, c.MSG_NO_SUCH_VIDEO)
        if task.deleted:
            raise ApiError(400, c.MSG_NO_SUCH_VIDEO)
        name = validate_rename(await _json_body(request))
        if name is not None:
            with sandbox.lock:
                task.video_name = name
        return {"status": "ok", "message": c.MSG_SUCCESS}

    @router.delete(ACCOUNT_PATH + "/video/{task_id}")
    def delete(account: str, task_id: str, request: Request) -> dict:
        guard(request, account)
        task = task_or_error(account, task_id, c.MSG_NO_SUCH_VIDEO)
        if not emulator.stored(task):
            raise ApiError(400, c.MSG_NO_SUCH_VIDEO)
        with sandbox.lock:
            task.deleted = True
        return {"status": "ok", "message": c.MSG_SUCCESS}

    @router.get(ACCOUNT_PATH + "/tasks")
    def tasks(account: str, request: Request) -> list[dict]:
        guard(request, account)
        query = parse_list_query(dict(request.query_params))
        rows: list[tuple[Task, dict]] = []
        for task in emulator.account_tasks(account):
            if not emulator.listed(task):
                continue
            if query.task_id and task.id != query.task_id:
                continue
            if query.start and task.received_at < query.start.timestamp():
                continue
            if query.end and task.received_at >= query.end.timestamp():
                continue
            rows.append((task, _list_row(emulator, task, query.fields)))
        rows.sort(key=lambda pair: _sort_key(pair[0], pair[1], query.sort_field), reverse=query.descending)
        rows = rows[query.offset :]
        if query.limit is not None:
            rows = rows[: query.limit]
        ip = _client_ip(request)
        result = []
        for task, row in rows:
            if row["duration"] is not None:
                row["video_url"] = emulator.link(task, ip)
            result.append(row)
        return result

    @router.api_route(
        c.VIDEO_FILES_PREFIX + "/{account}/{file_name}", methods=["GET", "HEAD"], include_in_schema=False
    )
    def video_file(account: str, file_name: str, request: Request) -> Response:
        """The CDN behind the links: 403 for a bad signature or another IP, 410 once expired, no bodies."""
        task = emulator.get(account, file_name.removesuffix(".mp4"))
        if task is None or not file_name.endswith(".mp4") or not emulator.stored(task):
            return Response(status_code=404)
        try:
            expires = int(request.query_params.get("expires", ""))
        except ValueError:
            return Response(status_code=403)
        if not sandbox.link_is_valid(task.video_path, expires, request.query_params.get("signature", "")):
            return Response(status_code=410 if expires <= time.time() else 403)
        if _client_ip(request) not in task.link_ips:
            return Response(status_code=403)
        return FileResponse(media_dir() / c.RESULT_MEDIA, media_type="video/mp4", filename=file_name)

    @router.api_route(
        "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], include_in_schema=False
    )
    def not_found(rest: str) -> Response:
        return Response(status_code=404)

    return router


def _list_row(emulator: Emulator, task: Task, fields: list[str]) -> dict:
    processed = emulator.state(task).status == c.STATUS_PROCESSED
    row: dict[str, Any] = {
        "id": task.id,
        "video_url": None,
        "duration": task.duration if processed else None,
        "resolution": task.config.size,
        "date": iso(task.received_at),
    }
    extra = {
        "background": task.config.background,
        "shot": task.config.shot,
        "script": task.script,
        "voice_name": task.config.voice,
        "actor_name": task.config.actor_name,
        "model_version": task.config.model_version,
        "video_name": task.video_name,
        "emotion": task.config.emotion,
    }
    for name in fields:
        row[name] = extra[name]
    return row


def _sort_key(task: Task, row: dict, field: str) -> tuple:
    value = {
        "date": task.received_at,
        "duration": row["duration"],
        "background": task.config.background,
        "shot": task.config.shot,
        "script": task.script,
        "voice_name": task.config.voice,
        "actor_name": task.config.actor_name,
        "model_version": task.config.model_version,
        "video_name": task.video_name,
        "emotion": task.config.emotion,
        "id": task.id,
        "resolution": task.config.size,
    }[field]
    return (value is not None, value if value is not None else 0, task.received_at)


class _Seconds(BaseModel):
    seconds: float = Field(gt=0)


class _Quota(BaseModel):
    limit: int | None = Field(default=None, ge=0)
    used: int | None = Field(default=None, ge=0)
    account: str = c.SANDBOX_ACCOUNT


class _Clock(BaseModel):
    advance_seconds: float = Field(ge=0)


def control_router(emulator: Emulator) -> APIRouter:
    """Test controls under /cdnvideo/_sandbox: not counted as vendor requests, never faulted."""
    router = APIRouter(prefix=c.PREFIX + "/_sandbox", tags=["cdnvideo sandbox controls"])

    @router.post("/token-lifetime")
    def token_lifetime(body: _Seconds) -> dict:
        """Lifetime of tokens issued from now on (default 6 h)."""
        emulator.token_lifetime = body.seconds
        return {"seconds": body.seconds}

    @router.post("/expire-tokens")
    def expire_tokens() -> dict:
        """Every token issued so far stops working now."""
        return {"expired": emulator.expire_tokens()}

    @router.post("/link-ttl")
    def link_ttl(body: _Seconds) -> dict:
        """Validity of video links issued from now on (default 6 h)."""
        emulator.link_ttl = max(1, round(body.seconds))
        return {"seconds": emulator.link_ttl}

    @router.post("/quota")
    def quota(body: _Quota) -> dict:
        """Set the monthly request limit (all accounts) and/or this month's used count of one account."""
        emulator.set_quota(body.account, body.limit, body.used)
        limit, used = emulator.quota(body.account)
        return {"account": body.account, "limit": limit, "used": used}

    @router.post("/clock")
    def clock(body: _Clock) -> dict:
        """Move the emulator's wall clock forward (token expiry, POST window, month, 30-day storage)."""
        emulator.clock_offset += body.advance_seconds
        return {"now": iso(emulator.now()), "offset_seconds": emulator.clock_offset}

    @router.get("/state")
    def state() -> dict:
        with emulator.sandbox.lock:
            return {
                "now": iso(emulator.now()),
                "token_lifetime_seconds": emulator.token_lifetime,
                "link_ttl_seconds": emulator.link_ttl,
                "quota_limit": emulator.quota_limit,
                "quota_used": {f"{a} {m}": n for (a, m), n in emulator.quota_used.items()},
                "tasks": {task.id: emulator.state(task).status for task in emulator.tasks.values()},
            }

    return router
