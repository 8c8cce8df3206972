"""`core.lazy.ImportOnRunOperator`: a light stand-in at parse time, the real operator when the task runs."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, TaskDeferred

from video_localization.core.lazy import ImportOnRunOperator, import_by_path

BUILT: list[dict[str, Any]] = []


class EchoOperator(BaseOperator):
    """Stands for a heavy third-party operator: records how it was built, answers its arguments."""

    def __init__(self, *, message: str, defer: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message
        self.defer_instead = defer
        BUILT.append({"task_id": self.task_id, "message": message})

    def execute(self, context: Any) -> str:
        if self.defer_instead:
            raise TaskDeferred(trigger=None, method_name="execute_complete")  # type: ignore[arg-type]
        return f"{self.task_id}: {self.message}"


def test_the_real_operator_is_built_only_when_the_task_runs() -> None:
    BUILT.clear()
    stand_in = ImportOnRunOperator(
        task_id="notify", real_operator=f"{__name__}.EchoOperator", operator_kwargs={"message": "hello"}
    )
    assert BUILT == []  # parse time: nothing of the real class was built
    assert stand_in.template_fields == ("operator_kwargs",)  # every argument may be templated
    assert stand_in.execute({}) == "notify: hello"
    assert BUILT == [{"task_id": "notify", "message": "hello"}]


def test_a_real_operator_that_defers_is_refused_clearly() -> None:
    stand_in = ImportOnRunOperator(
        task_id="t", real_operator=f"{__name__}.EchoOperator", operator_kwargs={"message": "m", "defer": True}
    )
    with pytest.raises(AirflowException, match=r"deferred.*deferrable=False"):
        stand_in.execute({})


def test_import_by_path() -> None:
    assert import_by_path("video_localization.core.lazy.import_by_path") is import_by_path
    with pytest.raises(ValueError, match="dotted path"):
        import_by_path("EchoOperator")
