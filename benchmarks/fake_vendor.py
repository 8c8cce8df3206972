"""A local fake vendor for the wait benchmarks: jobs that finish at set times, and a request counter.

It speaks BlendVision's dubbing-job shapes (`GET /bv/cms/v1/dubbing-jobs/{id}` and the newest-first list,
100 a page), which this project's trigger reads, and `GET /done/{id}` (404 until the job is finished,
then 200), which Airflow's `HttpSensorTrigger` waits on. Both answer from the same job table, so the two
contenders wait on the same schedule. Run as its own process (`python -m benchmarks.fake_vendor PORT`),
so its CPU is not counted as the client's.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JOBS: dict[str, float] = {}  # job id -> epoch second it finishes
ORDER: list[str] = []  # newest first
COUNTS: Counter[str] = Counter()


def _wire(job_id: str) -> dict[str, Any]:
    done = time.time() >= JOBS[job_id]
    return {
        "id": job_id,
        "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
        "source_id": f"src-{job_id}",
        "source_lang_code": "en",
        "outputs": [{"id": f"file-{job_id}" if done else None, "lang_code": "de"}],
        "status": "DUBBING_STATUS_SUCCEEDED" if done else "DUBBING_STATUS_PROCESSING",
        "error_infos": [],
    }


async def set_jobs(request: Request) -> Response:
    body = await request.json()
    JOBS.clear()
    JOBS.update({job_id: float(at) for job_id, at in body["jobs"].items()})
    ORDER[:] = list(reversed(list(JOBS)))
    COUNTS.clear()
    return JSONResponse({"jobs": len(JOBS)})


async def stats(_request: Request) -> Response:
    return JSONResponse(dict(COUNTS))


async def done(request: Request) -> Response:
    COUNTS["done"] += 1
    job_id = request.path_params["job_id"]
    if job_id not in JOBS or time.time() < JOBS[job_id]:
        return Response(status_code=404)
    return Response(status_code=200)


async def one_job(request: Request) -> Response:
    COUNTS["single"] += 1
    job_id = request.path_params["job_id"]
    if job_id not in JOBS:
        return JSONResponse({"code": 5, "message": "not found"}, status_code=404)
    return JSONResponse({"dubbing_job": _wire(job_id)})


async def list_jobs(request: Request) -> Response:
    COUNTS["list"] += 1
    page = int(request.query_params.get("current_page", "1"))
    per_page = int(request.query_params.get("items_per_page", "10"))
    chunk = ORDER[(page - 1) * per_page : page * per_page]
    return JSONResponse(
        {
            "dubbing_jobs": [_wire(job_id) for job_id in chunk],
            "page": {"items_per_page": per_page, "current_page": page, "total_items": len(ORDER)},
        }
    )


app = Starlette(
    routes=[
        Route("/bench/jobs", set_jobs, methods=["POST"]),
        Route("/bench/stats", stats),
        Route("/done/{job_id}", done),
        Route("/bv/cms/v1/dubbing-jobs", list_jobs),
        Route("/bv/cms/v1/dubbing-jobs/{job_id}", one_job),
    ]
)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", backlog=4096)
