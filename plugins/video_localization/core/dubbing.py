"""The dubbing-vendor protocol: what `localize_video` needs of Panjaya, Akool, BlendVision (and later ones).

A dubbing vendor is an *adapter* that answers, for one run:

- whether it can dub one language pair with the options the user asked for (`refusal`), so routing can send
  each language to a vendor that can;
- its options checked for the languages it was given (`plan_options`), before anything is paid for;
- three steps, each answered as an operator of the vendor's own folder (hooks, submit-once, deferral and
  triggers stay where they are): `prepare` the source once for its group of languages, `dub` one language,
  `deliver` one language into output storage;
- whether a failed job failed for a vendor-side reason (`vendor_side`), which is what lets fallback move a
  language to the next capable vendor (bad input fails everywhere, so it is never moved).

This module stays light on purpose: the DAG file imports the step operators, which import this module at
parse time. Adapters live in `video_localization.<vendor>.adapter` and are imported only when a task runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator

    from video_localization.core.errors import VendorError

#: Every dubbing vendor with an adapter, in the default preference order of `auto` routing.
DUBBING_VENDORS: tuple[str, ...] = ("panjaya", "akool", "blendvision")
#: Human names, for the form and for messages.
VENDOR_NAMES: dict[str, str] = {"panjaya": "Panjaya", "akool": "Akool", "blendvision": "BlendVision"}


@dataclass(frozen=True)
class DubRequest:
    """What the user asked for, as routing and option checks see it (no vendor call needed to judge it)."""

    source: str
    source_kind: str  # "url" (a vendor or we fetch it) or "path" (we stream it)
    source_language: str
    review: bool = False
    lipsync: bool = False
    interval: bool = False  # start_time / end_time given
    subtitles: bool = False  # captions converted from the dubbing vendor's SRT
    conf: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepSpec:
    """One step of one vendor for one run: the plan's options for that vendor plus the step's own ids.

    `group` holds what `prepare` needs (locales, source, title); `job` what `dub` / `deliver` need (the
    language, the ids prepare answered for it, the output folder and file stem).
    """

    vendor: str
    options: Mapping[str, Any]
    group: Mapping[str, Any] = field(default_factory=dict)
    job: Mapping[str, Any] = field(default_factory=dict)
    operator_kwargs: Mapping[str, Any] = field(default_factory=dict)  # deferrable, poll schedule


@runtime_checkable
class DubbingVendor(Protocol):
    """One dubbing vendor behind the pipeline. Implementations: `<vendor>/adapter.py`."""

    name: str
    #: The vendor gives an SRT of each dubbed language (captions can be converted from it).
    gives_subtitles: bool

    def refusal(self, request: DubRequest, target: str) -> str | None:
        """None when this vendor dubs `source_language -> target` with the requested options; else why not."""

    def plan_options(self, request: DubRequest, targets: list[str]) -> dict[str, Any]:
        """This vendor's options for these targets, checked; raises `InvalidInputError(s)` on bad input."""

    def prepare(self, spec: StepSpec) -> BaseOperator:
        """The operator that prepares the source once for `spec.group["locales"]` (returns ids only)."""

    def language_ids(self, prepared: Mapping[str, Any], locale: str) -> dict[str, Any]:
        """The ids one language's dub needs, out of what `prepare` answered."""

    def dub(self, spec: StepSpec) -> BaseOperator:
        """The operator that dubs `spec.job["locale"]` (submit once, wait: deferrable)."""

    def deliver(self, spec: StepSpec) -> BaseOperator:
        """The operator that saves the dubbed language into `spec.job["output_dir"]`, verified."""

    def vendor_side(self, failure: VendorError) -> bool:
        """Whether a failed job failed on the vendor's side (then another vendor may succeed)."""


def dubbing_vendor(name: str) -> DubbingVendor:
    """The adapter of a vendor, imported on first use (never at DAG parse time)."""
    if name not in DUBBING_VENDORS:
        from video_localization.core.errors import InvalidInputError

        raise InvalidInputError("dubbing_vendor", name, DUBBING_VENDORS)
    module = importlib.import_module(f"video_localization.{name}.adapter")
    adapter = module.ADAPTER
    if not isinstance(adapter, DubbingVendor):  # pragma: no cover - a programming error, caught by tests
        raise TypeError(f"video_localization.{name}.adapter.ADAPTER does not implement DubbingVendor")
    return adapter


def failure_code(failure: VendorError) -> str:
    """The vendor's code of a failure, as text ('' when the vendor gave none)."""
    return "" if failure.code is None else str(failure.code)


def failure_words(failure: BaseException) -> str:
    """The vendor's words of a failure, for the manifest: its message without Airflow's decoration."""
    message = getattr(failure, "message", None)
    vendor = getattr(failure, "vendor", None)
    code = getattr(failure, "code", None)
    if message is None:
        return str(failure)
    prefix = f"{vendor}" + (f" code {code}" if code not in (None, "") else "")
    return f"{prefix}: {message}" if vendor else str(message)
