"""Panjaya answers without `locale` (or `name`): a run still completes and nothing is paid twice.

The document prints neither field in its answers (guesses PANJAYA_ANSWER_LOCALE and PANJAYA_ASSET_NAME
in `core.guesses`); the sandbox's omit switch answers the strict way. Which version is which language is
checked against the sandbox's machine translation, whose every cue starts with `[<target locale>]`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from video_localization.core.guesses import guess
from video_localization.panjaya import languages
from video_localization.panjaya.models import Asset
from video_localization.panjaya.operators import (
    PanjayaAddLanguagesOperator,
    PanjayaCreateAssetOperator,
    PanjayaDownloadVersionOperator,
    PanjayaGenerateVersionOperator,
)
from video_localization.panjaya.reconcile import CREATE_SENT_KEY
from video_localization.panjaya.triggers import PanjayaAssetTrigger, asset_outcome
from vloc_test_support import PanjayaObjects

QUICK = {"deferrable": False, "poll_interval": 0.05, "max_poll_interval": 0.1, "wait_timeout": 20}
ContextFactory = Callable[..., dict[str, Any]]


class Killed(BaseException):
    """Stands in for SIGKILL right after Panjaya made the asset."""


@pytest.fixture
def strict(panjaya: PanjayaObjects) -> PanjayaObjects:
    """The sandbox answering without the guessed fields (the sandbox reset switches it back)."""
    panjaya.omit_inferred_fields()
    return panjaya


def create_operator(panjaya: PanjayaObjects, targets: list[str]) -> PanjayaCreateAssetOperator:
    return PanjayaCreateAssetOperator(
        task_id="create_asset",
        media_url=panjaya.media_url(),
        source_locale="en-US",
        target_locales=targets,
        asset_name="launch video",
        **QUICK,
    )


def dubbed_into(panjaya: PanjayaObjects, version_id: str) -> str:
    """The language the sandbox really dubbed a version into, read from its machine translation."""
    first_cue_text = panjaya.hook.get_srt(version_id).split("\n")[2]
    return first_cue_text.split("]", 1)[0].removeprefix("[")


def test_the_sandbox_switch_leaves_the_guessed_fields_out(strict: PanjayaObjects) -> None:
    created = strict.create_asset(targets=("fr-FR",), name="named")
    asset = strict.wait_asset(created.id)
    assert (asset.locale, asset.name, asset.dubbings[0].locale) == (None, None, None)
    assert strict.hook.get_version(asset.dubbings[0].versions[0].id).locale is None
    raw = strict.hook.api.request("GET", f"/v1/assets/{asset.id}").json()
    assert "locale" not in raw and "name" not in raw


def test_a_run_completes_and_pays_once_when_answers_name_no_language(
    strict: PanjayaObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    created = create_operator(strict, ["fr-FR", "de-DE", "ja-JP"]).execute(make_context())
    versions = created["versions"]
    assert list(versions) == ["fr-FR", "de-DE", "ja-JP"]
    assert {locale: dubbed_into(strict, version_id) for locale, version_id in versions.items()} == {
        "fr-FR": "fr-FR",
        "de-DE": "de-DE",
        "ja-JP": "ja-JP",
    }
    assert created["version_statuses"] == dict.fromkeys(versions, "ReadyToEdit")

    generated = PanjayaGenerateVersionOperator(
        task_id="generate", version_id=versions["de-DE"], locale="de-DE", **QUICK
    ).execute(make_context())
    assert generated == {"version_id": versions["de-DE"], "locale": "de-DE", "status": "Completed"}
    downloaded = PanjayaDownloadVersionOperator(
        task_id="download", version_id=versions["de-DE"], locale="de-DE", output_dir=str(tmp_path), **QUICK
    ).execute(make_context())
    assert downloaded["locale"] == "de-DE"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["de-DE.srt", "video.mp4"]
    assert strict.counters()["created"] == {"panjaya:asset": 1, "panjaya:generation": 1}


def test_an_unanswered_create_is_found_again_without_names_or_locales(
    strict: PanjayaObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    first = create_operator(strict, ["fr-FR", "es-MX"])
    real_submit = first._submit

    def submit_then_die(options: Any) -> str:
        real_submit(options)
        raise Killed

    monkeypatch.setattr(first, "_submit", submit_then_die)
    with pytest.raises(Killed):
        first.execute(context)
    assert context["task_state_store"].get(CREATE_SENT_KEY)["state"] == "sent"

    result = create_operator(strict, ["fr-FR", "es-MX"]).execute(context)
    assert {locale: dubbed_into(strict, version_id) for locale, version_id in result["versions"].items()} == {
        "fr-FR": "fr-FR",
        "es-MX": "es-MX",
    }
    assert strict.counters()["created"] == {"panjaya:asset": 1}


def test_the_deferred_wait_ends_and_the_resumed_task_matches_the_languages(
    strict: PanjayaObjects, make_context: ContextFactory
) -> None:
    created = strict.create_asset(targets=("fr-FR", "ko-KR"))
    trigger = PanjayaAssetTrigger(
        asset_id=created.id,
        conn_id="panjaya_default",
        poll_interval=0.02,
        max_poll_interval=0.1,
        deadline=time.time() + 30,
    )
    [event] = asyncio.run(_events(trigger))
    assert (event["status"], event["versions"]) == ("success", {})  # nothing named: matched on resume

    operator = create_operator(strict, ["fr-FR", "ko-KR"])
    result = operator.execute_complete(make_context(), event)
    assert {locale: dubbed_into(strict, version_id) for locale, version_id in result["versions"].items()} == {
        "fr-FR": "fr-FR",
        "ko-KR": "ko-KR",
    }


async def _events(trigger: PanjayaAssetTrigger) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


def test_adding_languages_to_an_asset_whose_dubbings_name_none_asks_instead_of_adding(
    strict: PanjayaObjects, make_context: ContextFactory
) -> None:
    asset = strict.wait_asset(strict.upload_asset(targets=("fr-FR",)).id)
    operator = PanjayaAddLanguagesOperator(
        task_id="add", asset_id=asset.id, target_locales=["fr-FR", "ko-KR"], **QUICK
    )
    with pytest.raises(AirflowFailException, match=r"PANJAYA_ANSWER_LOCALE.*nothing was added"):
        operator.execute(make_context())
    assert strict.requests_to("POST /panjaya/v1/assets/{asset_id}/languages") == 0


# -- matching, on answers alone ------------------------------------------------------------------------
def asset_answer(*dubbings: tuple[str, str | None], status: str = "Ready") -> Asset:
    return Asset.model_validate(
        {
            "id": "a-1",
            "status": status,
            "dubbings": [
                {
                    "id": dubbing_id,
                    **({"locale": locale} if locale else {}),
                    "versions": [{"id": f"v-{dubbing_id}", "status": "ReadyToEdit"}],
                }
                for dubbing_id, locale in dubbings
            ],
        }
    )


def test_named_dubbings_are_taken_at_their_word_and_one_unnamed_by_elimination() -> None:
    asset = asset_answer(("d-ko", None), ("d-fr", "fr-FR"))
    matched = languages.versions_for(asset, ["ko-KR", "fr-FR"])
    assert {locale: version.id for locale, version in matched.items()} == {
        "ko-KR": "v-d-ko",
        "fr-FR": "v-d-fr",
    }


def test_a_version_answer_that_names_the_language_wins_over_the_request_order() -> None:
    asset = asset_answer(("d-1", None), ("d-2", None))
    named_by_version = {"v-d-1": "ja-JP", "v-d-2": "fr-FR"}
    matched = languages.versions_for(asset, ["fr-FR", "ja-JP"], named_by_version.get)
    assert {locale: version.id for locale, version in matched.items()} == {"fr-FR": "v-d-2", "ja-JP": "v-d-1"}


def test_a_count_that_does_not_add_up_stops_with_the_facts() -> None:
    asset = asset_answer(("d-1", None), ("d-2", None), ("d-3", None))  # one more than was asked for
    with pytest.raises(AirflowFailException, match=r"d-1, d-2, d-3.*fr-FR, ja-JP"):
        languages.versions_for(asset, ["fr-FR", "ja-JP"])


def test_an_asset_without_locales_is_prepared_when_every_dubbing_left_not_ready() -> None:
    outcome = asset_outcome(asset_answer(("d-1", None), ("d-2", None)))
    assert (outcome.terminal, outcome.success, outcome.payload["versions"]) == (True, True, {})


def test_the_guess_and_its_fallback_are_registered() -> None:
    assert "languages.py" in guess("PANJAYA_ANSWER_LOCALE").where
    assert "languages.py" in guess("PANJAYA_DUBBING_ORDER").where
