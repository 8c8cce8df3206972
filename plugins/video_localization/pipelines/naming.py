"""Deliverables named for people: `<output>/<date>-<title>/<locale>/<title>.<locale>.mp4`.

Readable (the run's title, not its run id), sortable (the date first, ISO order), portable (no colons or
other characters some file systems or object stores refuse), and stable for a run (computed once, in the
plan, and carried in it).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import PurePosixPath

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_SLUG = 60


def slug(text: str) -> str:
    """`Product launch: Q3 (final)` -> `Product-launch-Q3-final`; '' when nothing readable is left."""
    cleaned = _UNSAFE.sub("-", str(text or "")).strip("-._")
    return cleaned[:MAX_SLUG].rstrip("-._")


def short_id(run_id: str) -> str:
    """Eight hex characters that tell runs apart (from the run id, so the same on every retry)."""
    return hashlib.sha256(run_id.encode()).hexdigest()[:8]


def title_of(title: str | None, source: str | None, fallback: str) -> str:
    """The human title: the one given, else the source file's stem, else `fallback`."""
    if title and str(title).strip():
        return str(title).strip()
    if source:
        stem = PurePosixPath(str(source).split("?", 1)[0]).stem
        if stem:
            return stem
    return fallback


def run_folder(title: str, run_id: str, when: datetime, taken: bool = False) -> str:
    """`2026-12-04-launch`; with `taken` (a folder of that name holds another run), `-<short id>` added."""
    name = slug(title) or short_id(run_id)
    folder = f"{when:%Y-%m-%d}-{name}"
    if taken and not folder.endswith(short_id(run_id)):
        folder = f"{folder}-{short_id(run_id)}"
    return folder


def file_stem(title: str, locale: str, vendor: str | None = None) -> str:
    """`launch.fr-FR` (or `launch.fr-FR.akool` when two vendors dub the same language side by side)."""
    parts = [slug(title) or "video", locale]
    if vendor:
        parts.append(vendor)
    return ".".join(parts)
