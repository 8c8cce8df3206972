"""The callback ledger on the distributed topology: PostgreSQL, Redis, CeleryExecutor, each a process.

As `test_callback_ledger_stack` on the embedded stack: verified Akool webhooks to the api-server are
recorded as Airflow Variables in PostgreSQL, and a task of the probe DAG, run by a Celery worker, reads,
forgets and prunes them through the Task SDK. Skips (with the reason) when PostgreSQL or Redis is not
reachable, except under `CI=true`, where it fails instead.
"""

# ruff: noqa: F811  (fixtures imported from the support modules are redefined as test arguments)
from __future__ import annotations

import pytest

from ledger_probe import check_ledger_reaches_a_task, probe_dags, rest  # noqa: F401 (fixture)
from stack_support import postgres_database, redis_broker, running  # noqa: F401 (module fixtures)
from video_localization_dev.rest import AirflowRest
from video_localization_dev.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, postgres_database: str, redis_broker: tuple[str, str]):
    broker_url, prefix = redis_broker
    distributed = Stack(
        home=tmp_path_factory.mktemp("airflow-celery-home"),
        output_dir=tmp_path_factory.mktemp("output"),
        executor="CeleryExecutor",
        database_url=postgres_database,
        broker_url=broker_url,
        broker_key_prefix=prefix,
        extra_env={"AIRFLOW__CORE__DAGS_FOLDER": str(probe_dags(tmp_path_factory.mktemp("probe-dags")))},
    )
    yield from running(distributed)


def test_verified_webhooks_reach_a_celery_task_through_the_variable_ledger(stack: Stack, rest: AirflowRest):
    check_ledger_reaches_a_task(stack, rest)
