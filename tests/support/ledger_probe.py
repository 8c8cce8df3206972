"""A probe of the callback ledger on a real stack (both topologies use it).

`PROBE_DAG` is a DAG of the test's own (put it in the stack's DAGs folder): its one task reads the
ledger through the Task SDK, forgets a reference and prunes by age. `webhook` POSTs an Akool webhook,
encrypted and signed as vendor-notes.md says, to the stack api-server's receiver. The whole test is
`check_ledger_reaches_a_task`: verified webhooks are recorded, a forged one is not, and the task sees
exactly them. `rest` is a module fixture on the module's own `stack` fixture.
"""

from __future__ import annotations

import json
import secrets
import textwrap
from pathlib import Path

import httpx
import pytest

from video_localization.callbacks.ledger import REFERENCE_PARAM
from video_localization_dev.rest import AirflowRest
from video_localization_dev.sandbox.akool import webhook as akool_webhook
from video_localization_dev.sandbox.akool.wire import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from video_localization_dev.stack import ADMIN_USER, Stack

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
def rest(stack: Stack):
    """A REST client of the module's `stack`, with the probe DAG parsed and unpaused."""
    # A loaded machine's api-server can take over 30 s (the client's default) to answer one call.
    client = AirflowRest(stack.api_url, ADMIN_USER, stack.password, timeout=180)
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


def check_ledger_reaches_a_task(stack: Stack, rest: AirflowRest) -> None:
    """Webhooks to the api-server, then the probe DAG run: the task reads, forgets and prunes them."""
    reference, other = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    jobs = [secrets.token_hex(12), secrets.token_hex(12)]
    for job_id, status in zip(jobs, (2, 3), strict=True):
        answer = webhook(stack, reference, job_id, status)
        assert answer.status_code == 200 and answer.json()["code"] == 1000, answer.text
    forged = webhook(stack, reference, secrets.token_hex(12), 3, secret="not-the-secret-of-akool!")
    assert forged.status_code == 401  # does not decrypt: refused, nothing recorded under the reference
    assert webhook(stack, other, secrets.token_hex(12), 2).status_code == 200  # another task's

    run = rest.trigger(DAG_ID, {"reference": reference, "other": other})
    final = rest.wait_for_run(DAG_ID, run["dag_run_id"], timeout=600)
    assert final["state"] == "success", rest.task_instances(DAG_ID, run["dag_run_id"])
    seen = rest.xcom(DAG_ID, run["dag_run_id"], "read_and_forget")
    assert seen["named"] == sorted(jobs)  # read by the task process through the Task SDK
    assert (seen["forgotten"], seen["left"]) == (2, [])
    # The other task's entry is younger than an hour: kept; at age zero it goes.
    assert seen["pruned"] == {"deleted": 0, "kept": 1, "stamped": 0}
    assert seen["pruned_at_zero_age"] == {"deleted": 1, "kept": 0, "stamped": 0}
    assert seen["other_left"] == []


def probe_dags(folder: Path) -> Path:
    """`folder` with the probe DAG in it: a stack's `AIRFLOW__CORE__DAGS_FOLDER`."""
    (folder / "ledger_probe.py").write_text(PROBE_DAG)
    return folder
