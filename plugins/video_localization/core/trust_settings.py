"""The trust boundaries an operator configures: where runs may read and write, which hosts they may name.

All settings live in the `[video_localization]` section of Airflow's configuration (so also in
`AIRFLOW__VIDEO_LOCALIZATION__<KEY>` environment variables). Older `VLOC_*` variables still give the
defaults where they meant the same thing (`VLOC_OUTPUT_DIR`, `VLOC_INTAKE_INBOX`, `VLOC_DEFAULT_SOURCE`).

Lists are written comma- or newline-separated. Every setting is read when a check runs (not at import),
so a test or a deployment can change it without re-importing anything.

- `source_roots`: folders / storage URIs local sources must lie under. Default: the sample media
  folder (and the folder of `$VLOC_DEFAULT_SOURCE` when that is set).
- `output_roots`: folders / storage URIs outputs must lie under. Default: `$VLOC_OUTPUT_DIR`, else
  `<project>/output`.
- `output_schemes`: storage schemes an output location may use. Default: `file,s3,gs,gcs,az,abfs,abfss`.
- `inbox_roots`: the intake inbox folders a run may choose among (the first is the default).
  Default: `$VLOC_INTAKE_INBOX`, else `<project>/inbox`.
- `allow_private_urls`: let user URLs point at loopback / private / link-local hosts. Default: false.
- `allowed_url_hosts`: hosts, `host:port`, IPs or CIDR networks user URLs may point at anyway.
  Default: none.
- `url_resolve_timeout`: seconds to resolve a user URL's host name at plan time. Default: 5.
"""

from __future__ import annotations

import os
from pathlib import Path

SECTION = "video_localization"
_PROJECT_DIR = Path(__file__).resolve().parents[3]
DEFAULT_OUTPUT_SCHEMES = ("file", "s3", "gs", "gcs", "az", "abfs", "abfss")


def setting(key: str, fallback: str | None = None) -> str | None:
    """`[video_localization] <key>` from Airflow's configuration (env vars included), else `fallback`."""
    from airflow.sdk import conf

    value = conf.get(SECTION, key, fallback=None)
    if value is None or not str(value).strip():
        return fallback
    return str(value).strip()


def setting_list(key: str, fallback: list[str]) -> list[str]:
    """A comma- or newline-separated setting as a list of non-empty items."""
    raw = setting(key)
    if raw is None:
        return list(fallback)
    return [item.strip() for item in raw.replace("\n", ",").split(",") if item.strip()]


def setting_bool(key: str, fallback: bool = False) -> bool:
    raw = setting(key)
    if raw is None:
        return fallback
    return raw.lower() in ("1", "true", "yes", "on")


def setting_float(key: str, fallback: float) -> float:
    raw = setting(key)
    try:
        return float(raw) if raw is not None else fallback
    except ValueError:
        return fallback


def default_output_location() -> str:
    """`$VLOC_OUTPUT_DIR`, else `output/` in the project folder (the form's default output location)."""
    return os.environ.get("VLOC_OUTPUT_DIR") or str(_PROJECT_DIR / "output")


def default_inbox() -> str:
    """`$VLOC_INTAKE_INBOX`, else `inbox/` in the project folder."""
    return os.environ.get("VLOC_INTAKE_INBOX") or str(_PROJECT_DIR / "inbox")


def source_roots() -> list[str]:
    from video_localization.core.paths import media_dir

    defaults = [str(media_dir())]
    configured_default = os.environ.get("VLOC_DEFAULT_SOURCE")
    if configured_default and "://" not in configured_default:
        defaults.append(str(Path(configured_default).expanduser().parent))
    return setting_list("source_roots", defaults)


def output_roots() -> list[str]:
    return setting_list("output_roots", [default_output_location()])


def output_schemes() -> list[str]:
    return [scheme.lower() for scheme in setting_list("output_schemes", list(DEFAULT_OUTPUT_SCHEMES))]


def inbox_roots() -> list[str]:
    return setting_list("inbox_roots", [default_inbox()])


def allow_private_urls() -> bool:
    return setting_bool("allow_private_urls", False)


def allowed_url_hosts() -> list[str]:
    return setting_list("allowed_url_hosts", [])


def url_resolve_timeout() -> float:
    return setting_float("url_resolve_timeout", 5.0)
