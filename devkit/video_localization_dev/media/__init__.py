"""Sample media with known properties (see catalogue.json), served by the sandbox and used by the demo."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def media_dir() -> Path:
    """This folder as a real path."""
    with as_file(files(__name__)) as path:
        return Path(path)
