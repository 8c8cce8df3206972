"""The account's configurations offline: actors, voices and backgrounds the plan and the form read.

A plan must reject an unknown voice, a voice of the wrong language or a background of the wrong size
before any call, and the trigger form wants its choices at parse time, when no network is allowed. So
the answer of `GET .../configurations` (without status and quota) is kept as a snapshot,
`data/cdnvideo/configurations.json` (or `[video_localization] cdnvideo_catalogue`).
The generate operator checks every request again against the live answer before it POSTs, so a stale
snapshot costs a clear error at worst. Refresh it from an account with:

    python -m video_localization.cdnvideo.catalogue [conn_id] [path]
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from video_localization.cdnvideo.models import Configurations, parse
from video_localization.core.config import setting
from video_localization.core.paths import data_dir


def snapshot_path() -> Path:
    configured = setting("cdnvideo_catalogue")
    return Path(configured) if configured else data_dir() / "cdnvideo" / "configurations.json"


@cache
def _load(path: Path, mtime_ns: int) -> Configurations:
    return parse(Configurations, json.loads(path.read_text(encoding="utf-8")), f"catalogue snapshot {path}")


def load_snapshot(path: Path | None = None) -> Configurations:
    """The snapshot (read again when the file changes)."""
    path = path or snapshot_path()
    return _load(path, path.stat().st_mtime_ns)


def refresh_snapshot(conn_id: str | None = None, path: Path | None = None) -> Path:
    """Write the live configurations of `conn_id`'s account as the snapshot."""
    from video_localization.cdnvideo.hook import CDNVideoHook

    path = path or snapshot_path()
    configurations = CDNVideoHook(conn_id).get_configurations()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(configurations.catalogue(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


if __name__ == "__main__":
    arguments = sys.argv[1:]
    written = refresh_snapshot(
        arguments[0] if arguments else None, Path(arguments[1]) if len(arguments) > 1 else None
    )
    print(f"Wrote {written}")
