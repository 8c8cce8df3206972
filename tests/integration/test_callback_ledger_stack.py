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

# ruff: noqa: F811  (the `rest` fixture imported from ledger_probe is redefined as a test argument)
from __future__ import annotations

import pytest

from ledger_probe import check_ledger_reaches_a_task, probe_dags, rest  # noqa: F401 (fixture)
from stack_support import running
from video_localization_dev.rest import AirflowRest
from video_localization_dev.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    embedded = Stack(
        home=tmp_path_factory.mktemp("airflow-home"),
        output_dir=tmp_path_factory.mktemp("output"),
        extra_env={"AIRFLOW__CORE__DAGS_FOLDER": str(probe_dags(tmp_path_factory.mktemp("probe-dags")))},
    )
    yield from running(embedded)


def test_verified_webhooks_reach_a_task_through_the_variable_ledger(stack: Stack, rest: AirflowRest):
    check_ledger_reaches_a_task(stack, rest)
