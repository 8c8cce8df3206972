"""Finding a Panjaya asset whose create answer was lost, without trusting the undocumented `name`.

The retry lookup searches the asset list for the name carrying the task's reference; that Panjaya keeps
and returns `name` is a guess (`core.guesses` PANJAYA_ASSET_NAME). If it is wrong, the name lookup finds
nothing and a resent create pays twice. So each create runs inside a write-ahead marker
(`panjaya_create_sent` in the durable task state store), and a retry that finds it still open, with no
asset of that name, reconciles by the list's own fields: the source locale, the target languages (or,
when the answers name no locales, their number: one dubbing per language is documented) and the creation
time (after the create was sent). One match is reattached to; several stop the task
(`AirflowFailException`) instead of guessing or paying again; none means the create never made an asset,
and it is sent again.

An asset whose name carries another task's reference is never a candidate: where Panjaya keeps names it
is provably someone else's. (Found by the chaos suite: a run whose create never reached Panjaya took the
asset another run of the same source and languages had made seconds later.)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from video_localization.core.errors import VendorError
from video_localization.core.http import vendor_did_not_act
from video_localization.core.submit_once import STATE_RETENTION_DAYS
from video_localization.panjaya.hook import PanjayaHook
from video_localization.panjaya.models import AssetOptions, AssetStatus, AssetSummary

log = logging.getLogger(__name__)

CREATE_SENT_KEY = "panjaya_create_sent"
CLOCK_SKEW = timedelta(minutes=2)
#: A task instance's reference in an asset name (`core.submit_once.idempotency_reference`).
REFERENCE_IN_NAME = re.compile(r"\[vloc-[0-9a-f]+\]")


def _store(context: Any) -> Any:
    return context.get("task_state_store") if hasattr(context, "get") else None


def guarded_create(context: Any, create: Callable[[], str]) -> str:
    """Run `create()` (answers the asset id) inside the write-ahead marker."""
    store = _store(context)
    _mark(store, "sent")
    try:
        asset_id = create()
    except VendorError as error:
        if vendor_did_not_act(error) or (error.status_code is not None and 400 <= error.status_code < 500):
            _mark(store, "answered")  # refused, or provably never received: no asset was made
        raise
    _mark(store, "created", asset_id)  # kept until submit_once records it
    return asset_id


def find_existing(
    context: Any, hook: PanjayaHook, options: AssetOptions, by_name: Callable[[], str | None]
) -> str | None:
    """`submit_once`'s `find_existing`: by name (the guess), else, after an unanswered create, by fields."""
    store = _store(context)
    marker = store.get(CREATE_SENT_KEY) if store is not None else None
    if isinstance(marker, Mapping) and marker.get("state") == "created" and marker.get("asset_id"):
        return str(marker["asset_id"])
    named = by_name()
    if named is not None:
        return named
    if not isinstance(marker, Mapping) or marker.get("state") != "sent":
        return None
    sent_at = _parse(marker.get("at"))
    targets = {language.locale for language in options.target_languages}
    candidates = [
        asset
        for asset in hook.iter_assets()
        if _could_be(asset, options.locale, targets, sent_at) and not _named_for_another(asset, options.name)
    ]
    if len(candidates) == 1:
        log.warning(
            "Found asset %s of an unanswered create by its locales and time (no asset is named %r: guess "
            "PANJAYA_ASSET_NAME is wrong here); reattaching",
            candidates[0].id,
            options.name,
        )
        return candidates[0].id
    if candidates:
        raise AirflowFailException(
            f"an asset create sent at {marker.get('at')} was never answered and may be any of "
            f"{', '.join(asset.id for asset in candidates)}; stopping instead of guessing or paying again"
        )
    return None


def _named_for_another(asset: AssetSummary, own_name: str) -> bool:
    """The asset's name carries a task reference that is not this task's: another task made it."""
    return bool(asset.name and REFERENCE_IN_NAME.search(asset.name)) and asset.name != own_name


def _could_be(asset: AssetSummary, source: str, targets: set[str], sent_at: datetime | None) -> bool:
    if asset.status is AssetStatus.FAILED:
        return False
    if asset.locale is not None and asset.locale != source:
        return False
    locales = [dubbing.locale for dubbing in asset.dubbings]
    if None in locales:  # answers without `locale` (guess PANJAYA_ANSWER_LOCALE): one dubbing per language
        if len(locales) != len(targets):
            return False
    elif locales and set(locales) != targets:
        return False
    return sent_at is None or asset.created_at is None or asset.created_at >= sent_at - CLOCK_SKEW


def _mark(store: Any, state: str, asset_id: str | None = None) -> None:
    if store is not None:
        marker = {"state": state, "at": datetime.now(UTC).isoformat()}
        if asset_id is not None:
            marker["asset_id"] = asset_id
        store.set(CREATE_SENT_KEY, marker, retention=timedelta(days=STATE_RETENTION_DAYS))


def _parse(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
