"""The intake's trigger: a `localize_video` run from a claimed request file, its conf read at execute time.

A request may carry a pre-signed source URL (a credential). Handed over as the TriggerDagRunOperator's
`conf`, it would sit in the claim task's XCom and in the trigger task's rendered fields for anyone who may
read the intake DAG. So the claim answers only the claimed file's location and run id, and this operator
reads the request from that file when it runs (checking it is still the content it was claimed with),
masks its URLs in the logs, and triggers with it. Its template fields show the file, not the conf.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from video_localization.core import secret_source
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.storage import as_storage_path


class ClaimedRequestTriggerOperator(TriggerDagRunOperator):
    """Trigger `trigger_dag_id` with the conf of the request claimed at `request_path`."""

    template_fields: Sequence[str] = (*TriggerDagRunOperator.template_fields, "request_path")

    def __init__(self, *, request_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request_path = request_path

    def execute(self, context: Any) -> Any:
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
        self.conf = claimed.conf
        return super().execute(context)
