"""Where the provider's data files live: inside the package, found with `importlib.resources`.

Language tables, the CDNvideo configuration catalogue and the sample talking-head scripts ship in
`data/`, so an installed wheel finds them exactly as a checkout does.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def data_dir() -> Path:
    """The package's `data/` folder as a real path (wheels install unzipped, so no copy is made)."""
    with as_file(files("video_localization") / "data") as path:
        return Path(path)
