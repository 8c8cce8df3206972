"""CDNVideoHook: the only place that knows CDNvideo's wire format (paths, token, error shape, pacing).

Connection (`cdnvideo_default`): login / password = the CDNvideo user (exchanged for a token); host = the
API host (default `https://api.cdnvideo.ru`); extras: `account` (required: the account name in every
path), `pacing_dir` (folder of the POST ledger shared by workers, default a folder in the system temp
dir), `post_limit` / `post_window_seconds` (the account's POST budget, default 10 a minute). Where workers
share no folder (several machines or containers), `[video_localization] cdnvideo_pacing_url` = a Redis URL
keeps the ledger there instead (shared_pacing.py).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from airflow.sdk.log import mask_secret

from video_localization.cdnvideo.auth import TOKEN_HEADER, TOKEN_PATH, TOKENS, is_token_failure
from video_localization.cdnvideo.models import (
    VENDOR,
    Configurations,
    GenerateAnswer,
    GenerateRequest,
    StatusAnswer,
    TaskInfo,
    TaskRow,
    TokenAnswer,
    VideoLink,
    parse,
)
from video_localization.cdnvideo.pacing import PacerTurn, PostPacer
from video_localization.cdnvideo.shared_pacing import RedisPacerTurn, RedisPostPacer, shared_pacer
from video_localization.core.config import setting
from video_localization.core.errors import VendorError, VendorResponseError
from video_localization.core.hooks import VendorHook, base_url_of
from video_localization.core.http import ErrorParser, VendorApi

DEFAULT_BASE_URL = "https://api.cdnvideo.ru"
API_PREFIX = "/app/th-api/v1/accounts"
#: The vendor's POST budget (vendor-notes: "10 POST requests a minute").
POST_LIMIT = 10
POST_WINDOW_SECONDS = 60.0
#: Rows asked for per page when walking the list of videos.
LIST_PAGE_SIZE = 100


def cdnvideo_error(response: httpx.Response) -> VendorError:
    """`{"status": "ERROR", "message": ...}` -> VendorError; 404/500/503 come with no body at all."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "message" in body:
        return VendorError(
            VENDOR,
            str(body["message"]),
            status_code=response.status_code,
            code=body.get("status"),
            details=body,
        )
    text = response.text[:2000]
    message = f"{response.reason_phrase} ({'body: ' + repr(text) if text else 'no body'})"
    return VendorError(VENDOR, message, status_code=response.status_code, details=body)


def _ok_answer(response: httpx.Response) -> None:
    """An API answer with HTTP 2xx must still say `"status": "ok"`; anything else is the vendor's error."""
    try:
        body = response.json()
    except ValueError:
        raise VendorResponseError(
            VENDOR, "answer (not JSON)", response.text, status_code=response.status_code
        ) from None
    if isinstance(body, dict) and str(body.get("status", "ok")).lower() != "ok":
        raise cdnvideo_error(response)


def list_time(moment: datetime) -> str:
    """The list's time format: UTC, seconds equal to 00 (document), e.g. `2020-02-11T12:30:00+00`."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:00+00")


class PacedVendorApi(VendorApi):
    """The vendor client whose every POST attempt to the API (retries included) first asks the pacer.

    httpx calls request event hooks right before each send, so VendorApi's own retries are paced too.
    """

    def __init__(self, *args: Any, admit_post: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._admit_post = admit_post

    @property
    def client(self) -> httpx.Client:
        client = super().client
        hooks = client.event_hooks
        if self._on_request not in hooks["request"]:
            hooks["request"].append(self._on_request)
            client.event_hooks = hooks
        return client

    def _on_request(self, request: httpx.Request) -> None:
        if request.method == "POST" and API_PREFIX in request.url.path:
            self._admit_post()


class CDNVideoHook(VendorHook):
    """One method per Talking Head method; async twins for what triggers poll and cancel.

    :param cdnvideo_conn_id: the Airflow connection (type `cdnvideo`); `conn_id` is accepted too. Default
        `cdnvideo_default`.
    :param timeout: seconds per HTTP request.
    :param retry: the backoff policy for retryable answers (429, 5xx, timeouts); default `RetryPolicy()`.
    """

    vendor = VENDOR
    default_base_url = DEFAULT_BASE_URL
    conn_name_attr = "cdnvideo_conn_id"
    default_conn_name = "cdnvideo_default"
    conn_type = "cdnvideo"
    hook_name = "CDNvideo Talking Head"

    _turn: PacerTurn | RedisPacerTurn | None = None

    # -- connection -------------------------------------------------------------------------------
    @property
    def account(self) -> str:
        account = str(self.extras.get("account") or "").strip()
        if not account:
            raise VendorError(
                VENDOR, f"connection {self.conn_id!r} has no `account` extra (the account name)"
            )
        return account

    def _path(self, tail: str) -> str:
        return f"{API_PREFIX}/{quote(self.account, safe='')}/{tail}"

    @property
    def _token_key(self) -> tuple[str, str]:
        """API and user, with a fingerprint of the password: a token is never reused for another password
        (a changed secret, or the connection form's Test button trying a wrong one in the api-server)."""
        fingerprint = hashlib.sha256((self.connection.password or "").encode()).hexdigest()[:16]
        return (self.api.base_url, f"{self.connection.login or ''}|{fingerprint}")

    def _login_form(self) -> dict[str, str]:
        login, password = self.connection.login, self.connection.password
        if not login or not password:
            raise VendorError(VENDOR, f"connection {self.conn_id!r} needs the CDNvideo username and password")
        return {"username": login, "password": password}

    def error_parser(self) -> ErrorParser:
        return cdnvideo_error

    @cached_property
    def api(self) -> VendorApi:
        return PacedVendorApi(
            self.vendor,
            base_url_of(self.connection, self.default_base_url),
            auth_headers=self.auth_headers,
            error_parser=self.error_parser(),
            timeout=self.timeout,
            retry=self.retry,
            admit_post=self._admit_post,
        )

    # -- token ------------------------------------------------------------------------------------
    def _remember(self, response: httpx.Response) -> str:
        body = response.json()
        shown = body  # what an error may show of the answer: never the token itself
        token = body.get("token") if isinstance(body, dict) else None
        if isinstance(token, str) and token:
            mask_secret(token)
            shown = {**body, "token": "<redacted>"}
        try:
            answer = TokenAnswer.model_validate(body)
        except ValueError:
            parse(TokenAnswer, shown, "token answer", response.status_code)  # raises, without the token
            raise VendorResponseError(
                VENDOR, "token answer", "<redacted>", status_code=response.status_code
            ) from None
        lifetime = answer.lifetime / 1000 if answer.lifetime is not None else None
        TOKENS.put(self._token_key, answer.token, lifetime)
        return answer.token

    def _login_refused(self, error: VendorError) -> VendorError:
        if error.status_code in (400, 401):
            return VendorError(
                VENDOR,
                f"the token endpoint refused the login of connection {self.conn_id!r} "
                f"(HTTP {error.status_code}): check its username and password",
                status_code=error.status_code,
            )
        return error

    def get_token(self) -> str:
        """A live token: the process's cached one, or a fresh login."""
        key = self._token_key
        token = TOKENS.get(key)
        if token:
            return token
        with TOKENS.fetch_lock(key):
            token = TOKENS.get(key)
            if token:
                return token
            try:
                response = self.api.request("POST", TOKEN_PATH, data=self._login_form(), authenticated=False)
            except VendorError as error:
                raise self._login_refused(error) from error
            return self._remember(response)

    async def aget_token(self) -> str:
        """The async twin: triggers polling at once on the triggerer's loop wait for one login."""
        api = await self.aapi()
        key = self._token_key
        token = TOKENS.get(key)
        if token:
            return token
        async with TOKENS.async_fetch_lock(key):
            token = TOKENS.get(key)
            if token:
                return token
            try:
                response = await api.arequest(
                    "POST", TOKEN_PATH, data=self._login_form(), authenticated=False
                )
            except VendorError as error:
                raise self._login_refused(error) from error
            return self._remember(response)

    def forget_token(self) -> None:
        TOKENS.drop(self._token_key)

    def auth_headers(self) -> dict[str, str]:
        return {TOKEN_HEADER: self.get_token()}

    # -- requests: one fresh login and one more try when the vendor refuses the token ----------------
    def _request(self, method: str, tail: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.api.request(method, self._path(tail), check=_ok_answer, **kwargs)
        except VendorError as error:
            if not is_token_failure(error):
                raise
            self.log.info("CDNvideo refused the token (%s); logging in again", error.message)
            self.forget_token()
            return self.api.request(method, self._path(tail), check=_ok_answer, **kwargs)

    async def _arequest(self, method: str, tail: str, **kwargs: Any) -> httpx.Response:
        api = await self.aapi()
        try:
            headers = {TOKEN_HEADER: await self.aget_token()}
            return await api.arequest(
                method, self._path(tail), auth_headers=headers, check=_ok_answer, **kwargs
            )
        except VendorError as error:
            if not is_token_failure(error):
                raise
            self.log.info("CDNvideo refused the token (%s); logging in again", error.message)
            self.forget_token()
            headers = {TOKEN_HEADER: await self.aget_token()}
            return await api.arequest(
                method, self._path(tail), auth_headers=headers, check=_ok_answer, **kwargs
            )

    # -- pacing -----------------------------------------------------------------------------------
    @cached_property
    def pacer(self) -> PostPacer | RedisPostPacer:
        """The account's POST budget: in Redis when `cdnvideo_pacing_url` is set, else a file ledger."""
        extras = self.extras
        digest = hashlib.sha256(f"{self.api.base_url}|{self.account}".encode()).hexdigest()[:16]
        limit = int(extras.get("post_limit") or POST_LIMIT)
        window = float(extras.get("post_window_seconds") or POST_WINDOW_SECONDS)
        shared_url = setting("cdnvideo_pacing_url").strip()
        if shared_url:
            return shared_pacer(
                shared_url, f"video-localization:cdnvideo:posts:{digest}", limit=limit, window=window
            )
        folder = Path(extras.get("pacing_dir") or Path(tempfile.gettempdir()) / "vloc-cdnvideo-pacing")
        return PostPacer(folder.expanduser() / f"posts-{digest}.json", limit=limit, window=window)

    @contextmanager
    def paced(self) -> Iterator[PacerTurn | RedisPacerTurn]:
        """Hold a turn of the shared POST budget: every API POST attempt inside waits for room first."""
        with self.pacer.turn() as turn:
            self._turn = turn
            try:
                yield turn
            finally:
                self._turn = None

    def _admit_post(self) -> None:
        if self._turn is None:
            raise RuntimeError("a CDNvideo API POST must be sent inside `with hook.paced():`")
        self._turn.admit()

    # -- configurations ---------------------------------------------------------------------------
    def get_configurations(self) -> Configurations:
        response = self._request("GET", "configurations")
        return parse(Configurations, response.json(), "configurations")

    # -- tasks ------------------------------------------------------------------------------------
    def generate(self, request: GenerateRequest) -> str:
        """Enqueue a video (one request of the monthly quota); answers the task id.

        Every attempt waits for room in the shared POST budget first; a 503/429 (the vendor did not act)
        is resent after its Retry-After, anything else is not resent blindly.
        """
        with self.paced() as turn:
            response = self._request(
                "POST", "generate", json=request.wire(), expected=(200, 202), creates=True
            )
        if turn.waited:
            self.log.info("Waited %.1f s for CDNvideo's POST budget", turn.waited)
        return parse(GenerateAnswer, response.json(), "generate answer", response.status_code).id

    def get_status(self, job_id: str) -> TaskInfo:
        response = self._request("GET", f"status/{quote(job_id, safe='')}")
        return parse(StatusAnswer, response.json(), "task status").task

    def status_url(self, job_id: str) -> str:
        """The task's own URL (`GET .../accounts/<account>/status/<id>`): what its extra link opens."""
        return self.api.url(self._path(f"status/{quote(job_id, safe='')}"))

    async def aget_status(self, job_id: str) -> TaskInfo:
        response = await self._arequest("GET", f"status/{quote(job_id, safe='')}")
        return parse(StatusAnswer, response.json(), "task status").task

    def cancel(self, job_id: str) -> None:
        """Stop a queued or processing task; a finished one is refused ("wrong task status: ...")."""
        self._request("DELETE", f"cancel/{quote(job_id, safe='')}")

    async def acancel(self, job_id: str) -> None:
        await self._arequest("DELETE", f"cancel/{quote(job_id, safe='')}")

    # -- videos -----------------------------------------------------------------------------------
    def get_video_url(self, job_id: str) -> str:
        """A link valid 6 hours and only from this machine's IP address: download it at once, here."""
        response = self._request("GET", f"video/{quote(job_id, safe='')}")
        return parse(VideoLink, response.json(), "video link").url

    def rename_video(self, job_id: str, video_name: str) -> None:
        self._request("PATCH", f"video/{quote(job_id, safe='')}", json={"video_name": video_name})

    def delete_video(self, job_id: str) -> None:
        self._request("DELETE", f"video/{quote(job_id, safe='')}")

    def list_tasks(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int | None = None,
        limit: int | None = None,
        sort: str | None = None,
        fields: Sequence[str] = (),
        job_id: str | None = None,
    ) -> list[TaskRow]:
        """`GET .../tasks`: `start` inclusive (floored to the minute), `end` exclusive (raised to one)."""
        params: dict[str, Any] = {}
        if start is not None:
            params["start"] = list_time(start)
        if end is not None:
            params["end"] = list_time(end + timedelta(seconds=59, microseconds=999999))
        for name, value in (("offset", offset), ("limit", limit), ("sort", sort), ("id", job_id)):
            if value is not None:
                params[name] = value
        if fields:
            params["fields"] = ",".join(fields)
        response = self._request("GET", "tasks", params=params)
        body = response.json()
        if not isinstance(body, list):
            raise VendorResponseError(VENDOR, "task list (expected a JSON list)", body)
        return [parse(TaskRow, row, "task list row") for row in body]

    def iter_tasks(self, *, page_size: int = LIST_PAGE_SIZE, **filters: Any) -> Iterator[TaskRow]:
        offset = 0
        while True:
            rows = self.list_tasks(offset=offset, limit=page_size, **filters)
            yield from rows
            if len(rows) < page_size:
                return
            offset += len(rows)

    def find_task(self, video_name: str, since: datetime) -> TaskRow | None:
        """The newest task named `video_name` received since `since` (how a retry finds its task)."""
        for row in self.iter_tasks(start=since, sort="-date", fields=("video_name",)):
            if row.video_name == video_name:
                return row
        return None

    # -- UI ---------------------------------------------------------------------------------------
    def test_connection(self) -> tuple[bool, str]:
        try:
            configurations = self.get_configurations()
        except VendorError as error:
            return False, str(error)
        quota = configurations.quota
        left = f"; {quota.left:g} of {quota.limit:g} requests left this month" if quota else ""
        return True, (
            f"Connected to CDNvideo account {self.account!r}: {len(configurations.models)} actors, "
            f"{len(configurations.voices)} voices{left}"
        )
