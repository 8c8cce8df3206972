"""Results of mapped tasks as the next task receives them."""

from __future__ import annotations

from typing import Any


def as_result_list(results: Any) -> list[dict[str, Any]]:
    """A mapped task's results as a list of dicts, skipping empty ones.

    Airflow hands a downstream task one dict, not a list of one, when a single map index ran, and
    `None` when the mapped task was skipped; `list()` of that dict would give its keys.
    """
    if results is None:
        return []
    if isinstance(results, dict):
        return [results]
    return [result for result in results if result]
