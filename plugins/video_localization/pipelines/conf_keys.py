"""Unknown keys in a run's conf are refused, naming the keys a DAG takes.

Airflow's Params validate the keys they declare and let any other key through (the conf is merged into
`params` as is), so a typo such as `human_review` for `review` would run with the default silently.
Each DAG's plan calls `check_known_keys` with its own Params' names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from video_localization.core.errors import InvalidInputError
from video_localization.core.validation import Checks


def unknown_keys(conf: Mapping[str, Any], known: Iterable[str]) -> list[str]:
    allowed = set(known)
    return [str(key) for key in conf if str(key) not in allowed]


def check_known_keys(conf: Mapping[str, Any], known: Iterable[str], checks: Checks | None = None) -> None:
    """One `InvalidInputError` per unknown key (added to `checks`, else raised together)."""
    allowed = sorted(set(known))
    own = checks or Checks()
    for key in unknown_keys(conf, allowed):
        own.add(InvalidInputError(key, conf[key], allowed, "unknown key"))
    if checks is None:
        own.raise_if_any()
