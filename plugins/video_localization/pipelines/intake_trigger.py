"""The intake's trigger: a `localize_video` run from a claimed request file, its conf read at execute time.

A request may carry a pre-signed source URL (a credential). Handed over as a trigger's `conf`, it would
sit in the claim task's XCom and in the trigger task's rendered fields for anyone who may read the intake
DAG. So the claim answers only the claimed file's location and run id, and this operator reads the request
from that file when it runs (checking it is still the content it was claimed with), masks its URLs in the
logs, and triggers with it. Its template fields show the file, not the conf.

Why not a subclass of the standard provider's `TriggerDagRunOperator`: that module imports Airflow's ORM
(`airflow.models.dagrun`, `trigger_dag`, ...: about 250 modules, +0.6 s on every parse of the intake DAG
file) for the Airflow 2 path it also carries. In Airflow 3 the operator does not touch the ORM at all: its
`execute` raises the Task SDK's `DagRunTriggerException`, and the task runner sends a `TriggerDagRun`
message to its supervisor, which creates the run through the Execution API. This operator raises the same
exception, so the run is created the same way, by the same code:

- the run id is the request's (`trigger_run_id`), so Airflow refuses a second run with it; with
  `skip_when_already_exists` the task runner then marks this task skipped (never a second run);
- on success the task runner pushes the `trigger_run_id` XCom (the intake's `finish` reads it) and
  `TriggeredRunLink` turns it into the "Triggered DAG" link, as the provider's operator link does.

The intake never waits for the runs it triggers, so the waiting options of the provider's operator
(`wait_for_completion`, `deferrable`, ...) have no counterpart here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator, BaseOperatorLink

#: The XCom key the task runner pushes the triggered run's id under (the provider's `XCOM_RUN_ID`).
XCOM_RUN_ID = "trigger_run_id"


class TriggeredRunLink(BaseOperatorLink):
    """The run this task triggered, in the Airflow UI (empty when it triggered none: skipped, failed)."""

    name = "Triggered DAG"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        from urllib.parse import quote

        from airflow.sdk import conf

        from video_localization.core.links import pushed_value

        run_id = pushed_value(ti_key, XCOM_RUN_ID)
        if not isinstance(run_id, str) or not run_id:
            return ""
        base_url = conf.get("api", "base_url", fallback="/").rstrip("/")
        return f"{base_url}/dags/{quote(operator.trigger_dag_id)}/runs/{quote(run_id, safe='')}"


class ClaimedRequestTriggerOperator(BaseOperator):
    """Trigger `trigger_dag_id` once, as run `trigger_run_id`, with the conf of the request at `request_path`.

    :param trigger_dag_id: the DAG to trigger (templated).
    :param trigger_run_id: the run id, derived from the request's content (templated).
    :param request_path: the claimed request file; its run id must be `trigger_run_id` (templated).
    :param skip_when_already_exists: a run with that id exists already: skip this task (the request was
        triggered before) rather than fail it.
    """

    template_fields: Sequence[str] = ("trigger_dag_id", "trigger_run_id", "request_path")
    ui_color = "#ffefeb"  # the provider's TriggerDagRunOperator colour: it does the same job
    operator_extra_links = (TriggeredRunLink(),)

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        trigger_run_id: str,
        request_path: str,
        skip_when_already_exists: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.request_path = request_path
        self.skip_when_already_exists = skip_when_already_exists

    def execute(self, context: Any) -> None:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException, DagRunTriggerException

        from video_localization.core import secret_source
        from video_localization.core.errors import InvalidInputError, InvalidInputs
        from video_localization.core.storage import as_storage_path
        from video_localization.pipelines.intake import read_claimed

        try:
            claimed = read_claimed(as_storage_path(self.request_path))
        except FileNotFoundError:
            moved = f"{self.request_path} was already moved on by an overlapping intake"
            raise AirflowSkipException(moved) from None
        except (InvalidInputError, InvalidInputs) as error:
            raise AirflowFailException(f"the claimed request cannot be triggered: {error}") from error
        if claimed.run_id != self.trigger_run_id:
            raise AirflowFailException(
                f"{self.request_path} holds the request of run {claimed.run_id}, not {self.trigger_run_id}"
            )
        for value in claimed.conf.values():
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                secret_source.mask(value)
        # Handled by the task runner (see the module doc): one TriggerDagRun through the supervisor.
        raise DagRunTriggerException(
            trigger_dag_id=self.trigger_dag_id,
            dag_run_id=self.trigger_run_id,
            conf=claimed.conf,
            logical_date=None,  # runs are request-driven, not data intervals: the run id identifies them
            reset_dag_run=False,  # never clear an existing run: it is the request's, maybe under way
            skip_when_already_exists=self.skip_when_already_exists,
            wait_for_completion=False,
            allowed_states=[],
            failed_states=[],
            poke_interval=0,
            deferrable=False,
        )
