"""A standing-still clock for sandbox tests that must act between two vendor stages.

The sandbox moves an object by the stages elapsed since it started (`Sandbox.stages_elapsed`, worked
out whenever the object is read), each stage lasting `settings.step_seconds`. A test that sets a
fraction of a second and hopes to read the object inside a stage depends on the machine's load. Here
the step is an hour, so nothing moves by itself, and `advance` moves one object exactly that many
stages on by moving its start that much into the past (under the sandbox's lock). Whatever the load, a
read then finds the object where the test put it.
"""

from __future__ import annotations

from typing import TypeVar

from video_localization_dev.sandbox.akool.store import AkoolStore
from video_localization_dev.sandbox.blendvision.store import BlendVisionStore
from video_localization_dev.sandbox.panjaya.store import PanjayaStore
from video_localization_dev.sandbox.rev.store import RevStore
from video_localization_dev.sandbox.server import RunningSandbox

#: One stage lasts an hour: no test lives long enough to see one pass by itself.
STANDING_STEP_SECONDS = 3600.0

StoreT = TypeVar("StoreT")


class StandingClock:
    """Stops the sandbox's stages (until the `sandbox` fixture's next reset) and moves objects by hand."""

    def __init__(self, running: RunningSandbox) -> None:
        self.sandbox = running.sandbox
        self.sandbox.settings.step_seconds = STANDING_STEP_SECONDS

    def store(self, kind: type[StoreT]) -> StoreT:
        """A vendor emulator's store (each registers its reset with the sandbox)."""
        for reset in self.sandbox.reset_hooks:
            owner = getattr(reset, "__self__", None)
            if isinstance(owner, kind):
                return owner
        raise LookupError(f"the sandbox has no {kind.__name__}")

    def advance(self, thing: object, start_attribute: str, stages: int) -> None:
        """Move `thing` `stages` stages on: its start (`start_attribute`, monotonic) that much earlier."""
        with self.sandbox.lock:
            started = getattr(thing, start_attribute)
            setattr(thing, start_attribute, started - stages * self.sandbox.settings.step_seconds)

    # -- one method per kind of timed object ---------------------------------------------------------
    def panjaya_asset(self, asset_id: str, stages: int) -> None:
        self.advance(self.store(PanjayaStore).assets[asset_id], "started", stages)

    def panjaya_version(self, version_id: str, stages: int) -> None:
        """Moves the version's current step (preparing, or generating) on."""
        self.advance(self.store(PanjayaStore).versions[version_id], "step_started", stages)

    def akool_job(self, job_id: str, stages: int) -> None:
        self.advance(self.store(AkoolStore).jobs[job_id], "started_at", stages)

    def rev_order(self, number: str, stages: int) -> None:
        self.advance(self.store(RevStore).orders[number], "started_at", stages)

    def blendvision_job(self, job_id: str, stages: int) -> None:
        self.advance(self.store(BlendVisionStore).jobs[job_id], "started_at", stages)
