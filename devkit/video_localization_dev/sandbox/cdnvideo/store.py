"""The emulator's memory: tokens, tasks, the per-account POST window and monthly quota, and its clock.

Wall-clock facts (token expiry, the one-minute POST window, the calendar month of the quota, the 30 days
a video is kept, the `date` of a task) use `now()`, which a test can move forward with a control; the
processing states are driven by `Sandbox.stages_elapsed` like every other emulator. All access goes
through `sandbox.lock`.
"""

from __future__ import annotations

import math
import secrets
import string
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from video_localization_dev.sandbox.cdnvideo import constants as c
from video_localization_dev.sandbox.cdnvideo.catalogue import ConfigError, Resolved, resolve
from video_localization_dev.sandbox.cdnvideo.errors import ApiError
from video_localization_dev.sandbox.cdnvideo.script import estimate_seconds, ssml_problem
from video_localization_dev.sandbox.cdnvideo.validation import GenerateRequest, check_limits
from video_localization_dev.sandbox.state import Sandbox

_TOKEN_ALPHABET = string.ascii_uppercase + string.digits


@dataclass
class Token:
    value: str
    account: str
    expires_at: float


@dataclass
class TaskState:
    status: str
    attempts: int
    message: str


@dataclass
class Task:
    id: str
    account: str
    received_at: float  # emulator wall clock, for `date`, list filters and the 30 days of storage
    started_mono: float  # monotonic, for the time-driven states
    script: str
    config: Resolved
    video_name: str
    duration: float
    failure: str | None  # why every attempt fails (bad SSML), or None
    canceled: TaskState | None = None  # set when the user canceled
    deleted: bool = False
    link_ips: set[str] = field(default_factory=set)

    @property
    def video_path(self) -> str:
        return f"{c.PREFIX}{c.VIDEO_FILES_PREFIX}/{self.account}/{self.id}.mp4"


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Emulator:
    """Everything CDNvideo remembers for the sandbox accounts."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.reset()

    def reset(self) -> None:
        with self.sandbox.lock:
            self.clock_offset = 0.0
            self.token_lifetime = float(c.TOKEN_LIFETIME_SECONDS)
            self.link_ttl = c.LINK_TTL_SECONDS
            self.quota_limit = c.MONTHLY_REQUEST_QUOTA
            self.tokens: dict[str, Token] = {}
            self.tasks: dict[str, Task] = {}
            self.posts: dict[str, deque[float]] = {}
            self.quota_used: dict[tuple[str, str], int] = {}

    # -- clock --------------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def month(self) -> str:
        return datetime.fromtimestamp(self.now(), UTC).strftime("%Y-%m")

    # -- auth ---------------------------------------------------------------------------------------
    def issue_token(self, username: str, password: str) -> tuple[Token, int]:
        """A token for the account these credentials belong to; 401 with no body when they are wrong."""
        account = next(
            (name for name, (user, pwd, _pid) in c.ACCOUNTS.items() if (user, pwd) == (username, password)),
            None,
        )
        if account is None:
            raise ApiError(401, None)
        with self.sandbox.lock:
            now = self.now()
            live = next(
                (t for t in self.tokens.values() if t.account == account and t.expires_at > now), None
            )
            if live is None or not c.TOKEN_REUSE:
                value = c.TOKEN_PREFIX + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(30))
                live = Token(value=value, account=account, expires_at=now + self.token_lifetime)
                self.tokens[value] = live
            return live, c.ACCOUNTS[account][2]

    def authenticate(self, token_value: str | None, account: str) -> None:
        """The `CDN-AUTH-TOKEN` check of every API method: 403 with the vendor's error body."""
        if not token_value:
            raise ApiError(403, c.MSG_NO_TOKEN)
        with self.sandbox.lock:
            token = self.tokens.get(token_value.strip())
            if token is None:
                raise ApiError(403, c.MSG_INVALID_TOKEN)
            if token.expires_at <= self.now():
                raise ApiError(403, c.MSG_TOKEN_EXPIRED)
        if account != token.account:
            raise ApiError(403, c.MSG_INVALID_ACCOUNT)

    def expire_tokens(self) -> int:
        with self.sandbox.lock:
            now = self.now()
            for token in self.tokens.values():
                token.expires_at = min(token.expires_at, now)
            return len(self.tokens)

    # -- limits -------------------------------------------------------------------------------------
    def admit_post(self, account: str) -> None:
        """The sliding one-minute window of POST requests per account."""
        with self.sandbox.lock:
            now = self.now()
            window = self.posts.setdefault(account, deque())
            while window and window[0] <= now - c.RATE_LIMIT_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= c.RATE_LIMIT_POSTS:
                retry_after = max(1, math.ceil(window[0] + c.RATE_LIMIT_WINDOW_SECONDS - now))
                raise ApiError(
                    c.RATE_LIMIT_STATUS,
                    c.MSG_RATE_LIMITED.format(limit=c.RATE_LIMIT_POSTS),
                    {"Retry-After": str(retry_after)},
                )
            window.append(now)

    def quota(self, account: str) -> tuple[int, int]:
        """(limit, used) of the account's requests this calendar month."""
        with self.sandbox.lock:
            return self.quota_limit, self.quota_used.get((account, self.month()), 0)

    def check_quota(self, account: str) -> None:
        limit, used = self.quota(account)
        if used >= limit:
            raise ApiError(403, c.MSG_QUOTA_EXCEEDED.format(limit=limit))

    def set_quota(self, account: str, limit: int | None, used: int | None) -> None:
        with self.sandbox.lock:
            if limit is not None:
                self.quota_limit = limit
            if used is not None:
                self.quota_used[(account, self.month())] = used

    # -- tasks --------------------------------------------------------------------------------------
    def create_task(self, account: str, request: GenerateRequest) -> Task:
        """Check limits and consistency, then enqueue; counts one billable task and one quota request."""
        check_limits(request)
        try:
            config = resolve(request.actor, request.voice, request.background, request.emotion)
        except ConfigError as exc:
            raise ApiError(400, str(exc)) from None
        seconds = estimate_seconds(request.script)
        if seconds > c.MAX_VIDEO_SECONDS:
            raise ApiError(400, c.MSG_VIDEO_TOO_LONG.format(seconds=seconds, limit=c.MAX_VIDEO_SECONDS))
        with self.sandbox.lock:
            self.check_quota(account)
            task = Task(
                id=str(uuid.uuid4()),
                account=account,
                received_at=self.now(),
                started_mono=time.monotonic(),
                script=request.script,
                config=config,
                video_name=request.video_name,
                duration=seconds,
                failure=ssml_problem(request.script),
            )
            self.tasks[task.id] = task
            key = (account, self.month())
            self.quota_used[key] = self.quota_used.get(key, 0) + 1
        self.sandbox.record_created("cdnvideo", "task")
        return task

    def get(self, account: str, task_id: str) -> Task | None:
        with self.sandbox.lock:
            task = self.tasks.get(task_id)
        return task if task is not None and task.account == account else None

    def state(self, task: Task) -> TaskState:
        """The task's state now: queued, processing (one attempt, or several for bad SSML), then done."""
        if task.canceled is not None:
            return task.canceled
        elapsed = self.sandbox.stages_elapsed(task.started_mono)
        if elapsed < c.QUEUE_STAGES:
            return TaskState(c.STATUS_IN_QUEUE, 0, c.MSG_IN_QUEUE)
        attempt = 1 + (elapsed - c.QUEUE_STAGES) // c.PROCESSING_STAGES
        if task.failure is None:
            if attempt == 1:
                return TaskState(c.STATUS_PROCESSING, 1, c.MSG_PROCESSING)
            return TaskState(c.STATUS_PROCESSED, 1, c.MSG_PROCESSED)
        if attempt == 1:
            return TaskState(c.STATUS_PROCESSING, 1, c.MSG_PROCESSING)
        if attempt <= c.MAX_ATTEMPTS:
            return TaskState(
                c.STATUS_PROCESSING, attempt, c.MSG_RETRYING.format(attempt=attempt - 1, reason=task.failure)
            )
        return TaskState(
            c.STATUS_CANCELED,
            c.MAX_ATTEMPTS,
            c.MSG_FAILED.format(attempts=c.MAX_ATTEMPTS, reason=task.failure),
        )

    def cancel(self, task: Task) -> None:
        with self.sandbox.lock:
            current = self.state(task)
            if current.status not in (c.STATUS_IN_QUEUE, c.STATUS_PROCESSING):
                raise ApiError(400, c.MSG_WRONG_STATUS.format(status=current.status.upper()))
            task.canceled = TaskState(c.STATUS_CANCELED_BY_USER, current.attempts, c.MSG_USER_CANCELED)

    def stored(self, task: Task) -> bool:
        """Whether the task's video can still be had: generated, not deleted, not older than 30 days."""
        return (
            not task.deleted
            and self.state(task).status == c.STATUS_PROCESSED
            and self.now() - task.received_at < c.STORAGE_DAYS * 86400
        )

    def listed(self, task: Task) -> bool:
        if task.deleted or self.now() - task.received_at >= c.STORAGE_DAYS * 86400:
            return False
        status = self.state(task).status
        if status == c.STATUS_PROCESSED:
            return True
        return c.LIST_INCLUDES_UNFINISHED and status in (c.STATUS_IN_QUEUE, c.STATUS_PROCESSING)

    def link(self, task: Task, client_ip: str) -> str:
        """A signed, expiring link to the video, downloadable only from the IP that asked for it."""
        with self.sandbox.lock:
            task.link_ips.add(client_ip)
        return self.sandbox.sign_path(task.video_path, self.link_ttl)

    def account_tasks(self, account: str) -> list[Task]:
        with self.sandbox.lock:
            return [task for task in self.tasks.values() if task.account == account]
