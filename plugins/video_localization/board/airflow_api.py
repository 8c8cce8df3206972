"""Airflow's public REST API (`/api/v2`), called by the board with the caller's own token.

The board keeps no database of its own and reads no Airflow table directly: runs, task instances,
XCom, task logs and approvals come through the same API the UI uses, as the person looking at the
board, so Airflow's own permission checks apply to every read. The api-server calls itself at
`[api] base_url` (the address the stack and every deployment set), else at the address the request
came in on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

#: Deadline of one REST call (the api-server answering itself; generous for a loaded 2-core machine).
TIMEOUT_SECONDS = 60.0


class AirflowApiError(RuntimeError):
    def __init__(self, status_code: int, path: str, body: str) -> None:
        self.status_code = status_code
        super().__init__(f"GET {path} -> {status_code}: {body[:500]}")


def _q(value: str) -> str:
    return quote(value, safe="")


class AirflowApi:
    """A few read-only calls of `/api/v2`; one instance per board request (it holds the caller's token)."""

    def __init__(self, base_url: str, token: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/api/v2",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
            transport=transport,
        )

    async def __aenter__(self) -> AirflowApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AirflowApiError(response.status_code, path, response.text)
        return response.json()

    async def dag_runs(self, dag_id: str, limit: int) -> list[dict[str, Any]]:
        """The newest runs first."""
        answer = await self._call(
            "GET", f"/dags/{_q(dag_id)}/dagRuns", params={"limit": limit, "order_by": "-run_after"}
        )
        return list(answer["dag_runs"])

    async def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}")

    async def task_instances(self, dag_ids: list[str], run_ids: list[str]) -> list[dict[str, Any]]:
        """Every task instance of these runs in one batch call (pages of 1,000)."""
        found: list[dict[str, Any]] = []
        while True:
            answer = await self._call(
                "POST",
                "/dags/~/dagRuns/~/taskInstances/list",
                json={
                    "dag_ids": dag_ids,
                    "dag_run_ids": run_ids,
                    "page_limit": 1000,
                    "page_offset": len(found),
                },
            )
            page = list(answer["task_instances"])
            found.extend(page)
            if not page or len(found) >= int(answer.get("total_entries") or 0):
                return found

    async def xcom(
        self, dag_id: str, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1
    ) -> Any:
        """An XCom's value, or None when there is none (not yet pushed, or the task was skipped)."""
        try:
            answer = await self._call(
                "GET",
                f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances/{_q(task_id)}/xcomEntries/{_q(key)}",
                params={"map_index": map_index, "deserialize": True},
            )
        except AirflowApiError as error:
            if error.status_code == 404:
                return None
            raise
        return answer.get("value")

    async def log_events(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int
    ) -> list[dict[str, Any]]:
        """A task try's structured log lines (`event`, `level`, `error_detail`, ...), oldest first."""
        try:
            answer = await self._call(
                "GET",
                f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances/{_q(task_id)}/logs/{try_number}",
                params={"map_index": map_index, "full_content": True},
            )
        except AirflowApiError as error:
            if error.status_code == 404:
                return []
            raise
        content = answer.get("content") or []
        return [line for line in content if isinstance(line, dict)]

    async def hitl_details(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The run's approvals (asked, answered by whom and when)."""
        answer = await self._call("GET", f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/hitlDetails")
        return list(answer.get("hitl_details") or [])
