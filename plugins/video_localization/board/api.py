"""The board's FastAPI app, mounted by the plugin under `/vloc-board` in Airflow's api-server.

Airflow applies no auth to a plugin's routes, so every data route here checks it itself: the caller's
token (`Authorization: Bearer`, else the `_token` cookie the UI's login sets) through Airflow's own
`get_user` dependency (no credentials: 401, a bad token: 403), then the auth manager's per-DAG read
permission on runs (`is_authorized_dag`, DagAccessEntity.RUN) for each DAG shown and each file served.
Runs are then read through `/api/v2` with that same token, so Airflow's API checks them again.

Only the page's ES module under `/static` is public (it holds no data).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from video_localization.board import cells
from video_localization.board.airflow_api import AirflowApi, AirflowApiError
from video_localization.board.files import (
    file_in_run,
    file_response,
    output_roots,
    srt_as_webvtt,
    under_roots,
)
from video_localization.board.manifest import ManifestError, RunManifest, read_manifest
from video_localization.core.storage import as_storage_path
from video_localization.core.triggers import parse_status_line

STATIC_DIR = Path(__file__).parent / "static"
URL_PREFIX = "/vloc-board"
#: Runs per DAG the board lists (newest first).
DEFAULT_RUNS, MAX_RUNS = 20, 100
#: Extra REST reads in flight per board request (the api-server answers itself; keep it polite).
CONCURRENCY = 8


class BoundedCache:
    """Answers that never change once a task try ended (a failed try's reason, a finished download's
    result, a succeeded plan), kept so polling every few seconds does not re-read them. Only consulted
    after the caller's own REST call showed them the run, so nothing leaks between users."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return None

    def __contains__(self, key: Any) -> bool:
        return key in self._items

    def put(self, key: Any, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


CACHE = BoundedCache()


# -- auth ---------------------------------------------------------------------------------------------
def caller_token(request: Request) -> str:
    """The credential the caller presented, in `get_user`'s order: bearer header, then the UI's cookie."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN

    header = request.headers.get("authorization") or ""
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE_NAME_JWT_TOKEN, "")


async def _user(request: Request) -> Any:
    """Airflow's own `get_user` (imported late: the module needs a configured Airflow)."""
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi.security import HTTPAuthorizationCredentials

    header = request.headers.get("authorization") or ""
    scheme, _, credentials = header.partition(" ")
    bearer = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials.strip()) if credentials else None
    )
    return await get_user(request, None, bearer)


User = Annotated[Any, Depends(_user)]


def may_read_runs(user: Any, dag_id: str) -> bool:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    return get_auth_manager().is_authorized_dag(
        method="GET", access_entity=DagAccessEntity.RUN, details=DagDetails(id=dag_id), user=user
    )


def require_run_access(user: Any, dag_id: str) -> None:
    if dag_id not in cells.BOARD_DAGS:
        raise HTTPException(status_code=404, detail=f"the board shows {', '.join(cells.BOARD_DAGS)} only")
    if not may_read_runs(user, dag_id):
        raise HTTPException(status_code=403, detail=f"not allowed to read the runs of {dag_id}")


def api_base_url(request: Request) -> str:
    """Where this api-server answers its own public API."""
    from airflow.configuration import conf

    configured = conf.get("api", "base_url", fallback="") or ""
    if configured.startswith(("http://", "https://")):
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def rest_for(request: Request) -> AirflowApi:
    return AirflowApi(api_base_url(request), caller_token(request))


# -- reading one run ----------------------------------------------------------------------------------
async def run_plan(
    api: AirflowApi, dag_id: str, run_id: str, tis: list[dict[str, Any]]
) -> dict[str, Any] | None:
    plan_ti = next((ti for ti in tis if ti["task_id"] == "plan"), None)
    if plan_ti is None or plan_ti.get("state") != "success":
        return None
    key = ("plan", dag_id, run_id, plan_ti.get("try_number"))
    if key not in CACHE:
        CACHE.put(key, await api.xcom(dag_id, run_id, "plan"))
    return CACHE.get(key)


async def run_folder_and_manifest(
    api: AirflowApi, dag_id: str, run_id: str, tis: list[dict[str, Any]], plan: dict[str, Any] | None
) -> tuple[str | None, str | None]:
    """The run folder and its manifest's URI: the manifest task's XCom, else `<run_dir>/manifest.json`."""
    manifest_ti = next((ti for ti in tis if ti["task_id"] == "manifest"), None)
    uri = None
    if manifest_ti is not None and manifest_ti.get("state") == "success":
        key = ("manifest", dag_id, run_id, manifest_ti.get("try_number"))
        if key not in CACHE:
            CACHE.put(key, await api.xcom(dag_id, run_id, "manifest"))
        stored = CACHE.get(key) or {}
        uri = ((stored.get("manifest") or {}) if isinstance(stored, dict) else {}).get("uri")
    if uri:
        path = as_storage_path(str(uri))
        return str(path.parent), str(path)
    if plan and plan.get("run_dir"):
        folder = str(as_storage_path(str(plan["run_dir"])))
        return folder, folder.rstrip("/") + "/manifest.json"
    return None, None


def load_manifest(manifest_uri: str, run_folder: str) -> RunManifest | None:
    """The manifest if it exists under an output root; None when absent, outside the roots or unreadable."""
    if not under_roots(run_folder, output_roots()):
        return None
    path = as_storage_path(manifest_uri)
    try:
        if not path.is_file():
            return None
        return read_manifest(path.read_bytes(), run_folder)
    except (OSError, ManifestError):
        return None


async def _lookup(
    api: AirflowApi, dag_id: str, run_id: str, want: cells.Wanted, lookups: cells.Lookups
) -> None:
    key = (want.task_id, want.map_index)
    cache_key = (want, dag_id, run_id)
    if want.kind == "reason":
        if cache_key not in CACHE:
            events = await api.log_events(dag_id, run_id, want.task_id, want.map_index, want.try_number)
            CACHE.put(cache_key, cells.reason_from_log(events))
        if CACHE.get(cache_key):
            lookups.reasons[key] = CACHE.get(cache_key)
    elif want.kind == "status":  # a waiting task: its status changes, never cached
        events = await api.log_events(dag_id, run_id, want.task_id, want.map_index, want.try_number)
        for event in reversed(events):
            parsed = parse_status_line(str(event.get("event", "")))
            if parsed is not None:
                lookups.vendor_status[key] = parsed
                break
    elif want.kind == "xcom":
        value = CACHE.get(cache_key)
        if value is None:
            value = await api.xcom(dag_id, run_id, want.task_id, want.key, want.map_index)
            if value is not None:
                CACHE.put(cache_key, value)
        if value is None:
            return
        if want.key == "return_value":
            lookups.results[key] = value
        elif want.key == cells.STUDIO_URL_KEY:
            lookups.studio_urls[want.map_index] = str(value)
        else:
            lookups.job_ids[key] = str(value)


async def board_row(
    api: AirflowApi, dag_id: str, run: dict[str, Any], tis: list[dict[str, Any]], limiter: asyncio.Semaphore
) -> dict[str, Any]:
    run_id = run["dag_run_id"]
    async with limiter:
        plan = await run_plan(api, dag_id, run_id, tis)
        folder, manifest_uri = await run_folder_and_manifest(api, dag_id, run_id, tis, plan)
    manifest = (
        await run_in_threadpool(load_manifest, manifest_uri, folder) if manifest_uri and folder else None
    )
    lookups = cells.Lookups()
    if any(ti["task_id"] in cells.REVIEW_STEPS and ti.get("try_number") for ti in tis):
        async with limiter:
            try:
                lookups.approvals = await api.hitl_details(dag_id, run_id)
            except AirflowApiError:
                lookups.approvals = []

    async def one(want: cells.Wanted) -> None:
        async with limiter:
            # A log or XCom the caller may not read, or gone: the cell says less, the board goes on.
            with contextlib.suppress(AirflowApiError):
                await _lookup(api, dag_id, run_id, want, lookups)

    await asyncio.gather(*(one(want) for want in cells.wanted_lookups(dag_id, run, tis, manifest)))
    readable = folder if folder and under_roots(folder, output_roots()) else None
    row = cells.build_row(dag_id, run, tis, plan, manifest, readable, lookups)
    if folder and readable is None:
        row["notice"] = "The run's folder is outside the board's output roots: its files are not shown."
    return row


def matches(row: dict[str, Any], state: str | None, vendor: str | None, language: str | None) -> bool:
    if state and row["state"] != state:
        return False
    if vendor and row["vendor"] != vendor and not any(lang["vendor"] == vendor for lang in row["languages"]):
        return False
    return not (language and not any(lang["locale"] == language for lang in row["languages"]))


# -- the app ------------------------------------------------------------------------------------------
def create_board_app() -> FastAPI:
    app = FastAPI(title="Localization board", description="Data API of the localization board page.")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api/runs")
    async def runs(
        request: Request,
        user: User,
        state: Annotated[str | None, Query()] = None,
        vendor: Annotated[str | None, Query()] = None,
        language: Annotated[str | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_RUNS)] = DEFAULT_RUNS,
    ) -> dict[str, Any]:
        """Recent runs of the board's DAGs the caller may read, newest first, each with its matrix."""
        allowed = [dag_id for dag_id in cells.BOARD_DAGS if may_read_runs(user, dag_id)]
        if not allowed:
            raise HTTPException(
                status_code=403, detail="not allowed to read the runs of any localization DAG"
            )
        rows: list[dict[str, Any]] = []
        async with rest_for(request) as api:
            found: list[tuple[str, dict[str, Any]]] = []
            for dag_id in allowed:
                try:
                    found += [(dag_id, run) for run in await api.dag_runs(dag_id, limit)]
                except AirflowApiError as error:
                    if error.status_code not in (403, 404):  # 404: the DAG is not deployed here
                        raise HTTPException(status_code=502, detail=str(error)) from error
            tis_by_run: dict[tuple[str, str], list[dict[str, Any]]] = {}
            if found:
                all_tis = await api.task_instances(
                    sorted({dag for dag, _ in found}), sorted({run["dag_run_id"] for _, run in found})
                )
                for ti in all_tis:
                    tis_by_run.setdefault((ti["dag_id"], ti["dag_run_id"]), []).append(ti)
            limiter = asyncio.Semaphore(CONCURRENCY)
            rows = await asyncio.gather(
                *(
                    board_row(api, dag_id, run, tis_by_run.get((dag_id, run["dag_run_id"]), []), limiter)
                    for dag_id, run in found
                )
            )
        rows.sort(key=lambda row: row.get("started") or "", reverse=True)
        return {
            "refreshed_at": datetime.now(UTC).isoformat(),
            # Per language too: a routed run (`auto`) spans vendors.
            "vendors": sorted(
                {row["vendor"] for row in rows}
                | {lang["vendor"] for row in rows for lang in row["languages"]}
            ),
            "languages": sorted({lang["locale"] for row in rows for lang in row["languages"]}),
            "states": sorted({str(row["state"]) for row in rows}),
            "runs": [row for row in rows if matches(row, state, vendor, language)][:limit],
        }

    @app.get("/files/{dag_id}/{run_id}/{path:path}")
    async def run_file(
        request: Request,
        user: User,
        dag_id: str,
        run_id: str,
        path: str,
        as_: Annotated[str | None, Query(alias="as")] = None,
        locale: Annotated[str, Query()] = "",
        download: Annotated[bool, Query()] = False,
    ) -> Response:
        """A file of a run's folder: whole or by Range; `?as=vtt` serves an SRT as WebVTT."""
        require_run_access(user, dag_id)
        # A playing <video> asks for many ranges: a finished run's folder is looked up once.
        folder_key = ("folder", dag_id, run_id)
        async with rest_for(request) as api:
            try:
                await api.dag_run(dag_id, run_id)  # Airflow's own check of this run, as the caller, each time
                folder = CACHE.get(folder_key)
                if folder is None:
                    tis = await api.task_instances([dag_id], [run_id])
                    plan = await run_plan(api, dag_id, run_id, tis)
                    folder, _ = await run_folder_and_manifest(api, dag_id, run_id, tis, plan)
                    if folder and any(
                        t["task_id"] == "manifest" and t.get("state") == "success" for t in tis
                    ):
                        CACHE.put(folder_key, folder)
            except AirflowApiError as error:
                raise HTTPException(
                    status_code=error.status_code if error.status_code < 500 else 502
                ) from error
        if folder is None:
            raise HTTPException(status_code=404, detail="this run has no output folder (yet)")
        target = file_in_run(folder, path, output_roots())
        if as_ == "vtt":
            if not await run_in_threadpool(target.is_file):
                raise HTTPException(status_code=404, detail="no such file in this run")
            data = await run_in_threadpool(srt_as_webvtt, target, locale or "und")
            return Response(data, media_type="text/vtt", headers={"Cache-Control": "private, no-store"})
        return await run_in_threadpool(file_response, target, request, download=download)

    return app
