"""Where the project's data files (`include/`) live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def include_dir() -> Path:
    """The `include/` folder: beside `plugins/` in a checkout, `_include` inside an installed wheel."""
    for candidate in (_PACKAGE_DIR.parent.parent / "include", _PACKAGE_DIR / "_include"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no include/ folder found next to {_PACKAGE_DIR}")


def media_dir() -> Path:
    return include_dir() / "media"
