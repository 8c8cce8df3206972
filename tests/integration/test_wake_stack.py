"""Callback wakes through real processes: sandbox -> api-server receiver -> wake channel -> triggerer.

One stack per channel (module-scoped): the processes `vloc up` starts, on SQLite with the
LocalExecutor, running the `vloc_wait_probe_callbacks` DAG (`benchmarks/stack_dags`): one Akool
translation whose wait defers to the real triggerer, and whose connection's `webhook_url` makes the
sandbox post Akool's signed, encrypted webhooks to the real api-server's receiver. Channels: the
embedded `file` one, and Redis pub/sub (the distributed topology's; skipped without Redis at
127.0.0.1:6379 unless CI=true, where it fails).

Nothing depends on timing luck: the sandbox's processing step is an hour, so a job stays queued until
a test ends it (`POST /akool/_sandbox/finish`: complete at once, and the sandbox sends its webhooks);
every poll schedule is ten hours and the operator's check counts as fresh, so within the tests'
deadlines only a wake can make the trigger ask Akool, and only Akool's answer can resume the task.
Conditions are waited on with generous deadlines, never slept on.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator

import httpx
import pytest

from video_localization_dev.sandbox.akool.webhook import envelope
from video_localization_dev.sandbox.akool.wire import (
    COMPLETED,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    WEBHOOK_TYPE,
)
from video_localization_dev.wait_probe import CALLBACKS_DAG, ProbeClient, probe_stack, wait_for, webhook_url

pytestmark = pytest.mark.integration

REDIS = ("127.0.0.1", 6379)
#: Ten hours between polls: within a test only a wake makes a trigger ask the vendor.
NO_POLLS = "36000,1,36000"
LANGUAGE = "fr-FR"
STARTUP_SECONDS = 300
STEP_SECONDS = 240


def _redis_url_or_skip() -> str:
    try:
        socket.create_connection(REDIS, timeout=2).close()
    except OSError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS[0]}:{REDIS[1]} is required under CI=true: {error}")
        pytest.skip(f"Redis not reachable at {REDIS[0]}:{REDIS[1]}: {error}")
    return f"redis://{REDIS[0]}:{REDIS[1]}/0"


@pytest.fixture(scope="module", params=["file", "redis"])
def probe(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbeClient]:
    channel = "file" if request.param == "file" else _redis_url_or_skip()
    stack = probe_stack(
        tmp_path_factory.mktemp(f"home-{request.param}"),
        tmp_path_factory.mktemp("output"),
        wake_channel=channel,
        settings={
            "poll_schedule": NO_POLLS,
            "callback_poll_schedule": NO_POLLS,
            "fresh_observation": "36000",  # a trigger never polls at start: the operator's check counts
        },
    )
    client = None
    try:
        stack.start()
        client = ProbeClient(stack)
        yield client
    finally:
        if client is not None:
            client.close()
        stack.stop()


class DeferredWait:
    """One probe run whose single Akool job is held queued and whose task is deferred."""

    def __init__(self, probe: ProbeClient) -> None:
        self.probe = probe
        probe.hold_jobs()
        self.run_id = probe.trigger(CALLBACKS_DAG, waits=1, language=LANGUAGE)
        probe.wait_deferred(CALLBACKS_DAG, self.run_id, 1, STEP_SECONDS)
        self.job_id = probe.job_ids(CALLBACKS_DAG, self.run_id, 0)[LANGUAGE]
        self.wait_until_listening()

    def state(self) -> str:
        return self.probe.translate_instances(CALLBACKS_DAG, self.run_id)[0]["state"]

    def _ended_run(self) -> dict | None:
        run = self.probe.rest.dag_run(CALLBACKS_DAG, self.run_id)
        return run if run["state"] in ("success", "failed") else None

    def wait_until_listening(self) -> None:
        """On Redis a wake sent before the triggerer subscribed is lost (by design: a trigger polls at a
        restart instead), so wait for the subscription; a wake file waits for its reader by itself."""
        channel = self.probe.stack.extra_env["AIRFLOW__VIDEO_LOCALIZATION__WAKE_CHANNEL"]
        if not channel.startswith("redis://"):
            return
        import redis

        name = f"{self.probe.stack.extra_env['AIRFLOW__VIDEO_LOCALIZATION__WAKE_PREFIX']}:wake"
        with redis.Redis.from_url(channel) as client:
            wait_for(
                "the triggerer subscribed to the wake channel",
                lambda: dict(client.pubsub_numsub(name)).get(name.encode(), 0) >= 1,
                STEP_SECONDS,
            )

    def finish_and_wait_for_success(self) -> dict:
        """Akool ends the job now (the sandbox then sends its webhooks); the run must succeed."""
        self.probe.finish_job(self.job_id)
        run = wait_for("the run ended", self._ended_run, STEP_SECONDS, interval=1)
        assert run["state"] == "success", self.probe.translate_instances(CALLBACKS_DAG, self.run_id)
        return self.probe.result(CALLBACKS_DAG, self.run_id, 0)


def _akool_webhook(job_id: str, forged_url: str, *, break_signature: bool = False) -> bytes:
    """Akool's webhook for `job_id` saying "completed", signed and encrypted with the sandbox account's
    credentials (so the receiver believes it), or with its signature broken."""
    payload = {"_id": job_id, "status": COMPLETED, "type": WEBHOOK_TYPE, "url": forged_url}
    body = envelope(payload, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    if break_signature:
        body["signature"] = ("0" if body["signature"][0] != "0" else "1") + body["signature"][1:]
    return json.dumps(body).encode()


def test_a_verified_webhook_wakes_the_deferred_task_through_the_channel(probe: ProbeClient) -> None:
    waiting = DeferredWait(probe)
    calls_before = probe.status_calls()
    sent_before = len(probe.akool_webhooks())

    result = waiting.finish_and_wait_for_success()

    assert result["video_model_ids"] == {LANGUAGE: waiting.job_id}
    assert result["statuses"] == {LANGUAGE: "completed"}
    delivered = [
        sent
        for sent in probe.akool_webhooks()[sent_before:]
        if sent["url"].startswith(webhook_url(probe.stack))
    ]
    assert delivered and all(sent["status_code"] == 200 for sent in delivered), delivered
    # No poll could have run (ten hours apart): the trigger asked Akool only because a webhook woke it,
    # once per webhook at most (processing, then completed; it ends at the first look that sees the end).
    assert 1 <= probe.status_calls() - calls_before <= len(delivered)


def test_a_forged_wake_costs_one_status_call_and_resumes_nothing(probe: ProbeClient) -> None:
    waiting = DeferredWait(probe)
    receiver = webhook_url(probe.stack)
    calls_before = probe.status_calls()

    # A broken signature is refused before anything is woken: no status call at all.
    refused = httpx.post(receiver, content=_akool_webhook(waiting.job_id, "", break_signature=True))
    assert refused.status_code == 401
    # A webhook the receiver must believe (the account's own keys), saying "completed" while Akool says
    # queued: it wakes the trigger, which asks Akool once and believes Akool.
    first = httpx.post(receiver, content=_akool_webhook(waiting.job_id, "https://forged.example/1.mp4"))
    assert first.status_code == 200, first.text
    wait_for("the woken look", lambda: probe.status_calls() >= calls_before + 1, STEP_SECONDS)
    # Only a trigger still waiting can answer a second wake: the first one ended nothing.
    second = httpx.post(receiver, content=_akool_webhook(waiting.job_id, "https://forged.example/2.mp4"))
    assert second.status_code == 200, second.text
    wait_for("the second woken look", lambda: probe.status_calls() >= calls_before + 2, STEP_SECONDS)
    assert probe.status_calls() == calls_before + 2  # one call per believed wake, none for the refused one
    assert waiting.state() == "deferred"

    result = waiting.finish_and_wait_for_success()
    assert result["statuses"] == {LANGUAGE: "completed"}
