"""The sandbox app: one FastAPI application serving offline emulators of all five vendor APIs.

Each vendor lives under its own prefix (`/panjaya`, `/akool`, `/rev`, `/cdnvideo`, `/blendvision`), so a
connection's host is simply `http://127.0.0.1:<port>/<vendor>`. `/_sandbox` holds the test controls:
counters, injected faults (plain answers, and lost answers, drops and delays: see `sandbox.faults`),
the log of faults fired, reset, the processing step, sample media and the list of webhooks sent.
"""

from __future__ import annotations

import importlib
import mimetypes
from dataclasses import asdict

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.faults import FaultingApp
from video_localization_dev.sandbox.state import (
    Fault,
    FaultInjected,
    JobFault,
    Sandbox,
    SandboxSettings,
    fault_response_handler,
)

# Vendor emulator modules; each exposes `register(app: FastAPI, sandbox: Sandbox) -> None`.
VENDOR_MODULES = ("panjaya", "akool", "rev", "cdnvideo", "blendvision")


class StepRequest(BaseModel):
    step_seconds: float = Field(gt=0)


class FaultRequest(BaseModel):
    """A fault rule (see `state.Fault` for each field's meaning)."""

    vendor: str
    status: int = 500
    times: int = 1
    method: str | None = None
    path_prefix: str | None = None
    retry_after: float | None = None
    message: str = "injected fault"
    skip: int = 0
    after_effect: bool = False
    drop: bool = False
    delay_seconds: float = 0.0
    label: str | None = None


class JobFaultRequest(BaseModel):
    vendor: str
    locale: str
    times: int = 1


def _control_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", tags=["sandbox controls"])

    @router.get("/health")
    def health() -> dict:
        return {"status": "ok", "vendors": sorted(sandbox.error_bodies)}

    @router.get("/counters")
    def counters() -> dict:
        return sandbox.snapshot()

    @router.post("/reset")
    def reset() -> dict:
        sandbox.reset()
        return {"reset": True}

    @router.post("/step")
    def step(request: StepRequest) -> dict:
        """Change how long a processing stage lasts, from now on. Stages are computed when read, so a
        long step holds every job where it is and a tiny one finishes them: a test decides when."""
        with sandbox.lock:
            sandbox.settings.step_seconds = request.step_seconds
        return {"step_seconds": request.step_seconds}

    @router.post("/faults")
    def add_fault(fault: FaultRequest) -> dict:
        sandbox.add_fault(Fault(**fault.model_dump()))
        return {"queued": fault.model_dump()}

    @router.post("/faults/clear")
    def clear_faults() -> dict:
        """Drop every pending rule; the counters and the log of fired faults stay."""
        with sandbox.lock:
            dropped = len(sandbox.faults)
            sandbox.faults.clear()
        return {"dropped": dropped}

    @router.get("/faults")
    def faults() -> dict:
        """The rules still pending and every fault fired so far (with the sender's address)."""
        with sandbox.lock:
            return {
                "pending": [asdict(fault) for fault in sandbox.faults],
                "fired": [asdict(fired) for fired in sandbox.fired],
            }

    @router.post("/job-faults")
    def add_job_fault(fault: JobFaultRequest) -> dict:
        """The next paid job(s) for one language at one vendor fail on the vendor's side (fallback demos)."""
        sandbox.add_job_fault(JobFault(**fault.model_dump()))
        return {"queued": fault.model_dump()}

    @router.get("/callbacks")
    def callbacks() -> list[dict]:
        with sandbox.lock:
            return [
                {**asdict(sent), "body": sent.body.decode("utf-8", "replace")} for sent in sandbox.callbacks
            ]

    @router.get("/media/{name}")
    def media(name: str) -> FileResponse:
        """Serve the committed sample media, so `media_url` inputs have a real file behind them."""
        path = (media_dir() / name).resolve()
        if path.parent != media_dir().resolve() or not path.is_file():
            raise HTTPException(status_code=404, detail=f"no sample media named {name!r}")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media_type)

    return router


def create_app(settings: SandboxSettings | None = None, sandbox: Sandbox | None = None) -> FastAPI:
    """Build the sandbox app with every vendor emulator that is present."""
    sandbox = sandbox or Sandbox(settings=settings or SandboxSettings())
    app = FaultingApp(title="video-localization vendor sandbox", version="1")
    app.sandbox = sandbox
    app.state.sandbox = sandbox
    app.add_exception_handler(FaultInjected, fault_response_handler)
    app.include_router(_control_router(sandbox))
    for name in VENDOR_MODULES:
        try:
            module = importlib.import_module(f"video_localization_dev.sandbox.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"video_localization_dev.sandbox.{name}":
                raise
            continue
        register = getattr(module, "register", None)
        if register is not None:  # a vendor package without `register` is not an emulator (yet)
            register(app, sandbox)
    return app
