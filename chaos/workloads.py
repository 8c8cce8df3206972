"""What the chaos runs ask for: one workload per vendor path, and what each must create at the vendors.

Between them the workloads use all five vendors and both DAGs: Panjaya, Akool and BlendVision dubbing
in `localize_video`, Rev captions (on a Panjaya run: one Rev order on the source and one per dubbed
video), and CDNvideo presenters in `talking_head_video`. `expected` is what one run must create at the
vendors (the sandbox's `created` counters), so any excess over the sum of all runs is a duplicate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from video_localization_dev.media import media_dir

LOCALIZE = "localize_video"
TALKING_HEAD = "talking_head_video"


@dataclass(frozen=True)
class Workload:
    """One kind of run: its DAG, the vendors it calls, its conf, and what it creates at the vendors."""

    name: str
    dag_id: str
    vendors: tuple[str, ...]
    conf: Callable[[str, Path, str], dict[str, Any]]  # (sandbox_url, output_dir, run token) -> conf
    expected: dict[str, int]


def _localize(vendor: str, languages: list[str], **extra: Any) -> Callable[[str, Path, str], dict[str, Any]]:
    def conf(sandbox_url: str, output: Path, token: str) -> dict[str, Any]:
        source: str = str(media_dir() / "sample.mp4")
        if vendor == "akool":
            # Akool fetches the source itself. The query names the run, so the person answering an
            # "Akool did not confirm" question can tell this run's jobs apart in the dashboard.
            source = f"{sandbox_url}/_sandbox/media/sample.mp4?chaos_run={token}"
        return {
            "source": source,
            "source_language": "en-US",
            "target_languages": languages,
            "dubbing_vendor": vendor,
            "output_location": str(output),
            **extra,
        }

    return conf


def _talking_head(locales: list[str]) -> Callable[[str, Path, str], dict[str, Any]]:
    def conf(sandbox_url: str, output: Path, token: str) -> dict[str, Any]:
        from video_localization.pipelines.talking_head import sample_scripts

        scripts = sample_scripts()
        return {"scripts": {locale: scripts[locale] for locale in locales}, "output_location": str(output)}

    return conf


WORKLOADS: dict[str, Workload] = {
    "panjaya": Workload(
        "panjaya",
        LOCALIZE,
        ("panjaya",),
        _localize("panjaya", ["fr-FR", "de-DE"]),
        {"panjaya:asset": 1, "panjaya:generation": 2},
    ),
    "akool": Workload(
        "akool",
        LOCALIZE,
        ("akool",),
        _localize("akool", ["fr-FR", "de-DE"]),
        {"akool:translation": 2},
    ),
    "blendvision": Workload(
        "blendvision",
        LOCALIZE,
        ("blendvision",),
        _localize("blendvision", ["ja-JP", "es-ES"]),
        {"blendvision:file": 1, "blendvision:dubbing_job": 2},
    ),
    "rev": Workload(
        "rev",
        LOCALIZE,
        ("panjaya", "rev"),
        _localize("panjaya", ["fr-FR"], captions_source="rev", caption_formats=["SubRip"]),
        # Rev: one input and one order for the source video and for the dubbed one.
        {"panjaya:asset": 1, "panjaya:generation": 1, "rev:input": 2, "rev:order": 2},
    ),
    "cdnvideo": Workload(
        "cdnvideo",
        TALKING_HEAD,
        ("cdnvideo",),
        _talking_head(["en-US", "de-DE"]),
        {"cdnvideo:task": 2},
    ),
}


def expected_total(names: list[str]) -> Counter:
    """What all these runs together must create at the vendors."""
    total: Counter = Counter()
    for name in names:
        total.update(WORKLOADS[name].expected)
    return total
