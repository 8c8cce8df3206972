"""PanjayaHook against the Panjaya sandbox: every endpoint, and every documented error shape.

The hook reads `panjaya_default` from the environment (see `panjaya_conn` in conftest.py), so these are
also examples of what a DAG author gets back from each call.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from video_localization.core.errors import VendorError, VendorResponseError
from video_localization.panjaya.hook import PanjayaHook
from video_localization.panjaya.models import (
    Asset,
    AssetErrorCode,
    AssetStatus,
    CreateAssetRequest,
    SrtLocality,
    TargetLanguage,
    Version,
    VersionStatus,
    parse,
)
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import PanjayaObjects

SRT_TIMING = re.compile(r"^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$", re.MULTILINE)
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


# -- assets ---------------------------------------------------------------------------------------------
def test_create_asset_then_get_it_until_each_language_has_a_version(panjaya: PanjayaObjects) -> None:
    created = panjaya.create_asset(targets=("fr-FR", "de-DE"), name="launch video", speakers_count=1)
    assert created.status is AssetStatus.PROCESSING
    assert created.name == "launch video"
    assert created.locale == "en-US"

    asset = panjaya.wait_asset(created.id)
    assert asset.status is AssetStatus.READY
    assert asset.error is None
    versions = asset.versions_by_locale()
    assert set(versions) == {"fr-FR", "de-DE"}
    assert all(v.status is VersionStatus.READY_TO_EDIT for v in versions.values())
    assert panjaya.sandbox.counters()["created"] == {"panjaya:asset": 1}


def test_list_assets_pages_and_iter_assets_walks_every_page(panjaya: PanjayaObjects) -> None:
    names = [f"asset {n}" for n in range(3)]
    ids = [panjaya.upload_asset(name=name).id for name in names]

    first = panjaya.hook.list_assets(page=1, page_size=2)
    second = panjaya.hook.list_assets(page=2, page_size=2)
    assert (first.page, first.page_size, first.total) == (1, 2, 3)
    assert [a.id for a in first.items] == ids[::-1][:2]  # newest first
    assert [a.id for a in second.items] == ids[::-1][2:]

    listed_before = panjaya.requests_to("GET /panjaya/v1/assets/")
    walked = list(panjaya.hook.iter_assets(page_size=2))
    assert [a.name for a in walked] == names[::-1]
    assert panjaya.requests_to("GET /panjaya/v1/assets/") - listed_before == 2


def test_find_assets_named_answers_only_exact_names(panjaya: PanjayaObjects) -> None:
    wanted = panjaya.upload_asset(name="promo [vloc-abc]")
    panjaya.upload_asset(name="promo [vloc-abcd]")
    panjaya.upload_asset(name="promo")
    found = panjaya.hook.find_assets_named("promo [vloc-abc]")
    assert [a.id for a in found] == [wanted.id]
    assert panjaya.hook.find_assets_named("nothing like it") == []


def test_upload_asset_sends_the_video_as_multipart(panjaya: PanjayaObjects) -> None:
    uploaded = panjaya.upload_asset(targets=("es-ES",))
    assert uploaded.name == "sample.mp4"  # an unnamed upload is named after its file
    asset = panjaya.wait_asset(uploaded.id)
    assert asset.status is AssetStatus.READY
    assert list(asset.versions_by_locale()) == ["es-ES"]
    counters = panjaya.sandbox.counters()
    assert counters["requests"]["panjaya POST /panjaya/v1/assets/upload"] == 1
    assert counters["created"] == {"panjaya:asset": 1}


def test_upload_asset_with_a_background_track(panjaya: PanjayaObjects) -> None:
    """The background file reaches the vendor: a track with audio is taken, one without is refused."""
    good = panjaya.wait_asset(panjaya.upload_asset(background="sample_audio_only.mp4").id)
    assert good.status is AssetStatus.READY

    bad = panjaya.wait_asset(panjaya.upload_asset(background="sample_no_audio.mp4").id)
    assert bad.status is AssetStatus.FAILED
    assert bad.error is not None
    assert bad.error.code == AssetErrorCode.INVALID_INPUT
    assert bad.error.message == "the background file has no audio track"


def test_get_asset_and_aget_asset_agree(panjaya: PanjayaObjects) -> None:
    asset = panjaya.wait_asset(panjaya.upload_asset().id)
    from_async = asyncio.run(panjaya.hook.aget_asset(asset.id))
    assert isinstance(from_async, Asset)
    assert from_async.model_dump() == asset.model_dump()


def test_add_languages_to_a_ready_asset(panjaya: PanjayaObjects) -> None:
    asset = panjaya.wait_asset(panjaya.upload_asset(targets=("fr-FR",)).id)
    after = panjaya.hook.add_languages(
        asset.id, [TargetLanguage(locale="ja-JP"), TargetLanguage(locale="it-IT")]
    )
    assert [d.locale for d in after.dubbings] == ["fr-FR", "ja-JP", "it-IT"]
    ready = panjaya.wait_asset(asset.id)
    assert set(ready.versions_by_locale()) == {"fr-FR", "ja-JP", "it-IT"}

    with pytest.raises(VendorError) as caught:
        panjaya.hook.add_languages(asset.id, [TargetLanguage(locale="ja-JP")])
    assert caught.value.status_code == 400
    assert caught.value.message == "the asset is already dubbed into 'ja-JP'"


# -- versions -------------------------------------------------------------------------------------------
def test_get_version_and_aget_version_agree(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version("de-DE")
    assert version.locale == "de-DE"
    assert version.result_url is None
    assert version.studio_url and "signature=" not in version.studio_url  # unsigned: needs a login
    from_async = asyncio.run(PanjayaHook().aget_version(version.id))
    assert isinstance(from_async, Version)
    assert (from_async.id, from_async.status, from_async.asset_id) == (
        version.id,
        VersionStatus.READY_TO_EDIT,
        version.asset_id,
    )


def test_generate_version_until_completed_with_a_signed_result(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version()
    generating = panjaya.hook.generate_version(version.id)
    assert generating.status is VersionStatus.GENERATING
    done = panjaya.wait_version(version.id, VersionStatus.COMPLETED)
    assert done.progress == 100
    assert done.result_url is not None
    assert "signature=" in done.result_url
    video = httpx.get(done.result_url, timeout=10)
    assert video.status_code == 200
    assert video.content == (media_dir() / "sample.mp4").read_bytes()
    assert panjaya.sandbox.counters()["created"]["panjaya:generation"] == 1


def test_revise_version_without_a_studio_link(panjaya: PanjayaObjects) -> None:
    version = panjaya.completed_version()
    answer = panjaya.hook.revise_version(version.id)
    assert answer.studio_url is None
    revised = panjaya.hook.get_version(version.id)
    assert revised.status is VersionStatus.READY_TO_EDIT
    assert revised.result_url is None  # the generated video is gone
    assert httpx.get(version.result_url or "", timeout=10).status_code == 404


def test_revise_version_with_a_signed_studio_link(panjaya: PanjayaObjects) -> None:
    version = panjaya.completed_version()
    answer = panjaya.hook.revise_version(version.id, studio_url_expiration_minutes=15)
    assert answer.studio_url is not None
    expires = int(parse_qs(urlparse(answer.studio_url).query)["expires"][0])
    assert expires == pytest.approx(time.time() + 15 * 60, abs=5)
    page = httpx.get(answer.studio_url, timeout=10)
    assert page.status_code == 200
    assert "is ReadyToEdit" in page.text


def test_create_studio_url_is_signed_and_expires(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version()
    url = panjaya.hook.create_studio_url(version.id, expiration_minutes=5)
    query = parse_qs(urlparse(url).query)
    assert int(query["expires"][0]) == pytest.approx(time.time() + 300, abs=5)
    assert httpx.get(url, timeout=10).status_code == 200
    forged = url.replace(query["signature"][0], "0" * 64)
    refused = httpx.get(forged, timeout=10)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "The signed link is invalid or has expired"}
    # Without minutes the vendor's default (3 hours) applies.
    default = panjaya.hook.create_studio_url(version.id)
    assert int(parse_qs(urlparse(default).query)["expires"][0]) == pytest.approx(
        time.time() + 180 * 60, abs=5
    )


def test_get_srt_source_and_target(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version("fr-FR")
    source = panjaya.hook.get_srt(version.id, SrtLocality.SOURCE)
    target = panjaya.hook.get_srt(version.id, "target")
    assert source.splitlines()[0] == "1"
    assert len(SRT_TIMING.findall(source)) == 3
    assert "Hello and welcome." in source
    assert "[fr-FR] Hello and welcome." in target
    assert SRT_TIMING.findall(target) == SRT_TIMING.findall(source)
    assert panjaya.hook.get_srt(version.id) == target  # target is the default
    with pytest.raises(ValueError):
        panjaya.hook.get_srt(version.id, "both")


# -- test_connection and auth ----------------------------------------------------------------------------
def test_test_connection_ok(panjaya: PanjayaObjects) -> None:
    panjaya.upload_asset()
    assert panjaya.hook.test_connection() == (True, "Connected to Panjaya: 1 assets")


@pytest.fixture
def wrong_key_hook(panjaya_connection: Callable[[str, str], str]) -> PanjayaHook:
    return PanjayaHook(panjaya_connection("panjaya_wrong", "not-my-key"))


def test_test_connection_with_a_wrong_key(wrong_key_hook: PanjayaHook) -> None:
    ok, message = wrong_key_hook.test_connection()
    assert not ok
    assert message == "panjaya HTTP 401: The API key could not be validated"


def test_a_wrong_key_is_a_401_with_the_vendors_words_and_not_retried(
    wrong_key_hook: PanjayaHook, panjaya_conn: RunningSandbox
) -> None:
    with pytest.raises(VendorError) as caught:
        wrong_key_hook.get_asset(UNKNOWN_ID)
    assert caught.value.status_code == 401
    assert caught.value.message == "The API key could not be validated"
    assert not caught.value.retryable
    assert panjaya_conn.counters()["requests"]["panjaya GET /panjaya/v1/assets/{asset_id}"] == 1


def test_the_key_is_sent_with_the_panjaya_prefix_once(panjaya_connection: Callable[[str, str], str]) -> None:
    """A key pasted with its `panjaya-` prefix works too (the prefix is not doubled)."""
    hook = PanjayaHook(panjaya_connection("panjaya_prefixed", "panjaya-sandbox-key"))
    assert hook.auth_headers() == {"Authorization": "Bearer panjaya-sandbox-key"}
    assert hook.test_connection()[0]


# -- documented errors ------------------------------------------------------------------------------------
def test_unknown_asset_and_version_are_404s(panjaya_hook: PanjayaHook) -> None:
    with pytest.raises(VendorError) as asset_error:
        panjaya_hook.get_asset(UNKNOWN_ID)
    assert (asset_error.value.status_code, asset_error.value.message) == (
        404,
        f"Asset {UNKNOWN_ID} not found",
    )
    with pytest.raises(VendorError) as version_error:
        asyncio.run(PanjayaHook().aget_version(UNKNOWN_ID))
    assert (version_error.value.status_code, version_error.value.message) == (
        404,
        f"Version {UNKNOWN_ID} not found",
    )
    assert not version_error.value.retryable


def test_bad_input_is_a_400_with_the_vendors_detail(panjaya: PanjayaObjects) -> None:
    """The hook's own model does not check locales (the operators do): the vendor's words come through."""
    request = CreateAssetRequest(
        media_url=panjaya.media_url(), locale="th-TH", target_languages=[TargetLanguage(locale="fr-FR")]
    )
    with pytest.raises(VendorError) as caught:
        panjaya.hook.create_asset(request)
    assert caught.value.status_code == 400
    assert caught.value.message == "Invalid request: locale: 'th-TH' is not a supported source locale"
    assert panjaya.sandbox.counters()["created"] == {}


def test_generate_is_refused_unless_ready_to_edit(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version()
    panjaya.hook.generate_version(version.id)
    with pytest.raises(VendorError) as caught:
        panjaya.hook.generate_version(version.id)
    assert caught.value.status_code == 400
    assert caught.value.message == "A version can only be generated when ReadyToEdit; this one is Generating"
    assert panjaya.requests_to("POST /panjaya/v1/versions/{version_id}/generate") == 2
    assert panjaya.sandbox.counters()["created"]["panjaya:generation"] == 1


def test_revise_is_refused_while_generating(panjaya: PanjayaObjects) -> None:
    version = panjaya.editable_version()
    panjaya.hook.generate_version(version.id)
    with pytest.raises(VendorError) as caught:
        panjaya.hook.revise_version(version.id)
    assert caught.value.status_code == 400
    assert caught.value.message == (
        "A version can only be revised when Completed, ReadyToEdit or Failed; this one is Generating"
    )


def test_an_unknown_status_word_fails_loudly_with_the_raw_value() -> None:
    raw = {"id": "v1", "locale": "fr-FR", "status": "Queued"}
    with pytest.raises(VendorResponseError) as caught:
        parse(Version, raw, "version")
    assert caught.value.details == "Queued"
    assert "Queued" in caught.value.message
    assert "NotReady, ReadyToEdit, Generating, Completed, Failed" in caught.value.message
    with pytest.raises(VendorResponseError) as asset_error:
        parse(Asset, {"id": "a1", "locale": "en-US", "status": "ready"}, "asset")  # wrong casing
    assert asset_error.value.details == "ready"


def test_an_answer_missing_a_field_fails_with_the_whole_raw_answer() -> None:
    raw = {"locale": "fr-FR", "status": "Completed"}
    with pytest.raises(VendorResponseError) as caught:
        parse(Version, raw, "version", 200)
    assert caught.value.details == raw
    assert caught.value.status_code == 200
    assert "version (id: Field required)" in caught.value.message
    assert "'status': 'Completed'" in caught.value.message  # the raw answer, for the log reader


@pytest.mark.parametrize(
    ("media", "options", "code", "words"),
    [
        ("sample_no_audio.mp4", {}, AssetErrorCode.MISSING_AUDIO_TRACK, "No audio tracks were found"),
        ("sample_audio_only.mp4", {}, AssetErrorCode.UNSUPPORTED_MEDIA, "didn't find a valid video stream"),
        ("sample_silent.mp4", {}, AssetErrorCode.EMPTY_TRANSCRIPT, "No spoken content"),
        ("sample.mp4", {"end_time": 9.5}, AssetErrorCode.TIME_OUT_OF_RANGE, "end_time 9.5 is out of"),
        ("sample.mp4", {"start_time": 8.5}, AssetErrorCode.TIME_OUT_OF_RANGE, "start_time 8.5"),
        ("sample.mp4", {"speakers_count": 7}, AssetErrorCode.INVALID_INPUT, "speakers_count 7"),
    ],
)
def test_asset_error_codes_from_real_causes(
    panjaya: PanjayaObjects, media: str, options: dict, code: AssetErrorCode, words: str
) -> None:
    asset = panjaya.wait_asset(panjaya.create_asset(media, **options).id)
    assert asset.status is AssetStatus.FAILED
    assert asset.error is not None
    assert asset.error.code == code
    assert words in asset.error.message
    assert asset.dubbings == []


def test_account_limits_are_asset_error_codes(
    panjaya: PanjayaObjects, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = panjaya.sandbox.sandbox.settings
    monkeypatch.setattr(settings, "account_duration_limit_seconds", 5.0)
    too_long = panjaya.wait_asset(panjaya.upload_asset().id)
    assert too_long.error is not None
    assert too_long.error.code == AssetErrorCode.VIDEO_DURATION_LIMIT_REACHED

    monkeypatch.setattr(settings, "max_upload_bytes", 1000)
    too_big = panjaya.wait_asset(panjaya.upload_asset().id)
    assert too_big.error is not None
    assert too_big.error.code == AssetErrorCode.VIDEO_SIZE_LIMIT_REACHED
