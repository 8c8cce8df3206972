"""The trust boundaries an operator configures: where runs may read and write, which hosts they may name.

The settings are declared with all others in `core.config` (section `[video_localization]`); this module
gives them the shapes the checks want. Every setting is read when a check runs (not at import), so a
test or a deployment can change it without re-importing anything.
"""

from __future__ import annotations

from pathlib import Path

from video_localization.core.config import bool_setting, float_setting, list_setting, setting


def source_roots() -> list[str]:
    """`source_roots`, else the folder of a local `default_source`, else none (local sources refused)."""
    configured = list_setting("source_roots")
    if configured:
        return configured
    default = setting("default_source")
    if default and "://" not in default:
        return [str(Path(default).expanduser().parent)]
    return []


def output_roots() -> list[str]:
    return list_setting("output_roots") or [setting("output_root")]


def output_schemes() -> list[str]:
    return [scheme.lower() for scheme in list_setting("output_schemes")]


def inbox_roots() -> list[str]:
    return list_setting("inbox_roots") or [setting("intake_inbox")]


def allow_private_urls() -> bool:
    return bool_setting("allow_private_urls")


def allowed_url_hosts() -> list[str]:
    return list_setting("allowed_url_hosts")


def url_resolve_timeout() -> float:
    return float_setting("url_resolve_timeout")
