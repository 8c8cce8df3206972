"""What a run may read and where it may write: configured roots, resolved before they are compared.

A run's `source`, `output_location` and the intake's `inbox` come from users (the form, the REST API, a
file dropped in an inbox). Left alone, they let a user send any file the worker can read to a vendor
(`/etc/passwd`, `/proc/self/environ`), write results anywhere the worker can write (`../../`), or make
the intake rename files in any folder. Here each is confined to the roots an operator configured
(`core.trust_settings`):

- a local source is resolved first (symlinks, `..`), must lie under `source_roots`, be a regular file
  and start like a video container (`core.sniff`) before a byte of it leaves the machine; an
  object-storage source must lie under a `source_roots` URI;
- an output location must use one of `output_schemes` and lie under `output_roots`;
- an inbox must be one of `inbox_roots`.

Text that names a location may not hold NUL, control or bidirectional-override characters (a name
with U+202E shows a different name than it has). Every refusal names field, value and what is allowed.
Existence is only checked inside the roots, so a refusal never tells whether a file outside exists.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from video_localization.core import trust_settings
from video_localization.core.errors import InvalidInputError
from video_localization.core.sniff import VIDEO_CONTAINERS, describe_head, read_head, video_container

#: Unicode categories refused in a location: controls, format characters (bidi overrides, zero-width
#: joiners), line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def unsafe_characters(text: str) -> list[str]:
    """The code points of `text` that may not appear in a location (`U+202E`, `U+0000`, ...)."""
    return [f"U+{ord(char):04X}" for char in text if unicodedata.category(char) in _REFUSED_CATEGORIES]


def check_text(field: str, value: Any, allowed: str, *, shown: Any = None) -> str:
    """`value` as stripped text without NUL, control or bidi-override characters."""
    text = str(value if value is not None else "").strip()
    bad = unsafe_characters(text)
    if bad:
        what = "a NUL byte" if "U+0000" in bad else "control or bidirectional-override characters"
        raise InvalidInputError(
            field,
            value if shown is None else shown,
            f"{allowed}, without control, NUL or bidirectional-override characters",
            f"contains {what} ({', '.join(sorted(set(bad)))})",
        )
    return text


# -- comparing locations -------------------------------------------------------------------------------
def _scheme(text: str) -> str:
    return urlparse(text).scheme.lower() if "://" in text else ""


def _local_path(text: str) -> Path:
    """A local path (plain or `file://`), resolved: symlinks followed, `..` and `~` applied."""
    if _scheme(text) == "file":
        text = urlparse(text).path
    return Path(os.path.realpath(Path(text).expanduser()))


def _uri_key(text: str) -> str:
    """`scheme://netloc/path` without duplicate or trailing slashes, for prefix comparison."""
    parsed = urlparse(text)
    path = posixpath.normpath("/" + parsed.path.lstrip("/")) if parsed.path.strip("/") else "/"
    return f"{parsed.scheme.lower()}://{parsed.netloc.lower()}{path.rstrip('/')}"


def _has_parent_segment(text: str) -> bool:
    path = urlparse(text).path if "://" in text else text
    return ".." in path.replace("\\", "/").split("/")


def _under(child: str, root: str) -> bool:
    return child == root or child.startswith(root.rstrip("/") + "/")


def location_under(text: str, roots: list[str]) -> str | None:
    """The root `text` lies under (compared resolved, local or URI alike), else None."""
    if _scheme(text) in ("", "file"):
        resolved = str(_local_path(text))
        for root in roots:
            if _scheme(root) in ("", "file") and _under(resolved, str(_local_path(root))):
                return root
        return None
    key = _uri_key(text)
    for root in roots:
        if _scheme(root) not in ("", "file") and _under(key, _uri_key(root)):
            return root
    return None


def normalized(text: str) -> str:
    """A local location as its resolved absolute path; a URI as given."""
    return str(_local_path(text)) if _scheme(text) in ("", "file") else text


# -- sources ---------------------------------------------------------------------------------------------
def check_stored_source(field: str, value: Any, help_text: str) -> str:
    """A local path or object-storage URI under `source_roots`, a regular file, a video container.

    Answers the resolved location as a storage URI (`file:///...` for a local file); the caller streams
    exactly that, not the name the user gave (which a symlink swap could redirect).
    """
    from video_localization.core.storage import as_storage_path

    text = check_text(field, value, help_text)
    roots = trust_settings.source_roots()
    allowed = f"{help_text}; files only under {', '.join(roots)}"
    if not text:
        raise InvalidInputError(field, value, allowed, "empty")
    if _scheme(text) not in ("", "file") and _has_parent_segment(text):
        raise InvalidInputError(field, value, allowed, "'..' segments are not allowed")
    if location_under(text, roots) is None:
        raise InvalidInputError(field, value, allowed, "outside the configured source roots")
    path = as_storage_path(normalized(text))
    if not path.is_file():
        raise InvalidInputError(field, value, allowed, "no such file")
    with path.open("rb") as stream:
        head = read_head(stream)
    if video_container(head) is None:
        raise InvalidInputError(
            field,
            value,
            f"a video file ({', '.join(VIDEO_CONTAINERS)})",
            f"its first bytes are {describe_head(head)}, not a video container",
        )
    return str(path)


# -- outputs -------------------------------------------------------------------------------------------
def check_output_location(field: str, value: Any) -> str:
    """An output folder under `output_roots`, with a scheme from `output_schemes`; answered normalized."""
    help_text = "a folder path or object-storage URI"
    text = check_text(field, value, help_text)
    roots, schemes = trust_settings.output_roots(), trust_settings.output_schemes()
    allowed = f"{help_text} under {', '.join(roots)} (schemes: {', '.join(schemes)})"
    if not text:
        raise InvalidInputError(field, value, allowed, "empty")
    scheme = _scheme(text) or "file"
    if scheme not in schemes:
        raise InvalidInputError(field, value, allowed, f"the {scheme}:// scheme is not allowed for outputs")
    if _has_parent_segment(text):
        raise InvalidInputError(field, value, allowed, "'..' segments are not allowed")
    if location_under(text, roots) is None:
        raise InvalidInputError(field, value, allowed, "outside the configured output roots")
    return normalized(text)


# -- intake inboxes ------------------------------------------------------------------------------------
def check_inbox(field: str, value: Any) -> str:
    """One of the configured `inbox_roots` (compared resolved); answered as configured."""
    roots = trust_settings.inbox_roots()
    allowed = ", ".join(roots)
    text = check_text(field, value, f"one of {allowed}")
    if not text:
        raise InvalidInputError(field, value, allowed, "empty")
    wanted = normalized(text) if _scheme(text) in ("", "file") else _uri_key(text)
    for root in roots:
        known = normalized(root) if _scheme(root) in ("", "file") else _uri_key(root)
        if wanted == known:
            return root
    raise InvalidInputError(field, value, allowed, "not a configured inbox")
