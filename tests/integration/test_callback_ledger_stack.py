"""The callback ledger on the real stack: the api-server records, a task process reads through the Task SDK.

The embedded stack (SQLite, LocalExecutor; api-server, scheduler, dag-processor, triggerer as
processes) runs one probe DAG of this test's own. Akool webhooks, encrypted and signed as vendor-notes.md
says with the sandbox account's credentials, are POSTed to the api-server's `/vloc-callbacks/akool/...`
with a task reference in the query, as the Akool operator's `webhookUrl` carries it. The receiver verifies
each and records the job it names into `VariableLedger` (Airflow Variables in the metadata DB); a task of
the probe DAG, in its own worker process, lists them through the Task SDK, forgets them, and prunes old
entries as `vendor_housekeeping` does. A webhook encrypted with another secret records nothing.
About two minutes.
"""

from __future__ import annotations

import json
import secrets
import textwrap

import httpx
import pytest

from video_localization.callbacks.ledger import REFERENCE_PARAM
from video_localization_dev.rest import AirflowRest
from video_localization_dev.sandbox.akool import webhook as akool_webhook
from video_localization_dev.sandbox.akool.wire import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from video_localization_dev.stack import ADMIN_USER, Stack

pytestmark = pytest.mark.integration

DAG_ID = "vloc_ledger_probe"
PROBE_DAG = textwrap.dedent(
    f'''
    """Reads, forgets and prunes the callback ledger from a task (the Task SDK's Variable API)."""
    from datetime import timedelta

    from airflow.sdk import dag, task

    from video_localization.callbacks.ledger import VariableLedger


    @dag(dag_id="{DAG_ID}", schedule=None, params={{"reference": "", "other": ""}})
    def probe():
        @task
        def read_and_forget(**context):
            params = context["params"]
            ledger = VariableLedger()
            named = ledger.job_ids("akool", params["reference"])
            forgotten = ledger.forget("akool", params["reference"])
            left = ledger.job_ids("akool", params["reference"])
            pruned = ledger.prune(timedelta(hours=1)).to_dict()
            other_after_zero_age = ledger.prune(timedelta(0)).to_dict()
            return {{
                "named": named,
                "forgotten": forgotten,
                "left": left,
                "pruned": pruned,
                "pruned_at_zero_age": other_after_zero_age,
                "other_left": ledger.job_ids("akool", params["other"]),
            }}

        read_and_forget()


    probe()
    '''
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    dags = tmp_path_factory.mktemp("probe-dags")
    (dags / "ledger_probe.py").write_text(PROBE_DAG)
    running = Stack(
        home=tmp_path_factory.mktemp("airflow-home"),
        output_dir=tmp_path_factory.mktemp("output"),
        extra_env={"AIRFLOW__CORE__DAGS_FOLDER": str(dags)},
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def rest(stack: Stack):
    client = AirflowRest(stack.api_url, ADMIN_USER, stack.password)
    client.wait_for_dag(DAG_ID)
    client.unpause(DAG_ID)
    yield client
    client.close()


def webhook(stack: Stack, reference: str, job_id: str, status: int, secret: str = SANDBOX_CLIENT_SECRET):
    """POST one Akool webhook (AES-CBC `dataEncrypt`, SHA-1 `signature`) to the api-server's receiver."""
    payload = {"_id": job_id, "status": status, "type": "video translate", "url": ""}
    envelope = akool_webhook.envelope(payload, SANDBOX_CLIENT_ID, secret)
    return httpx.post(
        f"{stack.api_url}/vloc-callbacks/akool/akool_default",
        params={REFERENCE_PARAM: reference},
        content=json.dumps(envelope).encode(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )


def test_verified_webhooks_reach_a_task_through_the_variable_ledger(stack: Stack, rest: AirflowRest):
    reference, other = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    jobs = [secrets.token_hex(12), secrets.token_hex(12)]
    for job_id, status in zip(jobs, (2, 3), strict=True):
        answer = webhook(stack, reference, job_id, status)
        assert answer.status_code == 200 and answer.json()["code"] == 1000, answer.text
    forged = webhook(stack, reference, secrets.token_hex(12), 3, secret="not-the-secret-of-akool!")
    assert forged.status_code == 401  # does not decrypt: refused, nothing recorded under the reference
    assert webhook(stack, other, secrets.token_hex(12), 2).status_code == 200  # another task's

    run = rest.trigger(DAG_ID, {"reference": reference, "other": other})
    final = rest.wait_for_run(DAG_ID, run["dag_run_id"], timeout=300)
    assert final["state"] == "success", rest.task_instances(DAG_ID, run["dag_run_id"])
    seen = rest.xcom(DAG_ID, run["dag_run_id"], "read_and_forget")
    assert seen["named"] == sorted(jobs)  # read by the task process through the Task SDK
    assert (seen["forgotten"], seen["left"]) == (2, [])
    # The other task's entry is younger than an hour: kept; at age zero it goes.
    assert seen["pruned"] == {"deleted": 0, "kept": 1, "stamped": 0}
    assert seen["pruned_at_zero_age"] == {"deleted": 1, "kept": 0, "stamped": 0}
    assert seen["other_left"] == []
