"""Keeping DAG files fast to parse: heavy modules load when a task runs, never when the scheduler parses.

The dag-processor imports every DAG file in a fresh process, again and again; the worker imports it
once more before each task. Anything a DAG file imports at module level is paid on every parse, so the
house rule (checked by tests/dag/test_parse_imports.py, measured by `python -m benchmarks parse`) is:

1. Package `__init__` modules import nothing of their own package.
2. An operator's *module* imports only what building the operator needs: `airflow.sdk`, light
   validation and constants. Hooks, pydantic models, triggers, caption converters and storage code
   are imported inside `execute` / `execute_complete` (or in helpers those call). Type hints use
   `from __future__ import annotations` and `if TYPE_CHECKING:` imports.
3. `pipelines/` modules keep their imports for task code inside the functions that run in tasks.
4. A third-party operator whose module is heavy (the http provider's `HttpOperator` pulls in aiohttp
   and requests) is used through `ImportOnRunOperator`: a light stand-in that imports the real
   class by its dotted path and runs it when the task runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator


def import_by_path(dotted: str) -> Any:
    """`package.module.Name` -> the object, imported now."""
    module_name, _, attribute = dotted.rpartition(".")
    if not module_name:
        raise ValueError(f"{dotted!r} is not a dotted path like 'package.module.Class'")
    return getattr(importlib.import_module(module_name), attribute)


class ImportOnRunOperator(BaseOperator):
    """A parse-time stand-in for `real_operator` (a dotted path): built and run only when the task runs.

    `operator_kwargs` are the real operator's own arguments; they are templated here as a whole (every
    string in them may use Jinja), then handed to the real operator, whose `execute` runs in this task.
    Task-level arguments (`retries`, `trigger_rule`, ...) go to this operator as usual. The real
    operator must finish in `execute`: one that defers is refused with a clear error (its resume method
    would not exist on this stand-in), so pass `deferrable=False` where the real class has the option.
    """

    template_fields: Sequence[str] = ("operator_kwargs",)
    ui_color = "#eeeeee"

    def __init__(self, *, real_operator: str, operator_kwargs: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.real_operator = real_operator
        self.operator_kwargs = dict(operator_kwargs)

    def execute(self, context: Any) -> Any:
        from airflow.sdk.exceptions import AirflowException, TaskDeferred

        real_class = import_by_path(self.real_operator)
        real = real_class(task_id=self.task_id, **self.operator_kwargs)
        try:
            return real.execute(context)
        except TaskDeferred as deferred:
            raise AirflowException(
                f"{self.real_operator} deferred, which ImportOnRunOperator cannot resume; "
                "pass deferrable=False in operator_kwargs"
            ) from deferred
