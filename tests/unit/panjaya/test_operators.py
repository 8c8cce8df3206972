"""Panjaya operators, sensors and the studio link, run with a fake task context against the sandbox.

What they promise: bad input never reaches the vendor (and the error says which field, which value, what
is allowed); a paid step happens once per task instance whatever retries and crashes happen around it;
results are saved verified and only ids and URIs go to XCom.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import AirflowException

from video_localization.core.errors import InvalidInputError, InvalidInputs, VendorJobFailed
from video_localization.core.submit_once import STATE_RETENTION_DAYS, idempotency_reference
from video_localization.panjaya import links
from video_localization.panjaya.links import STUDIO_URL_XCOM_KEY, PanjayaStudioLink
from video_localization.panjaya.models import AssetStatus, TargetLanguage, VersionStatus
from video_localization.panjaya.operators import (
    ASSET_STATE_KEY,
    PanjayaAddLanguagesOperator,
    PanjayaCreateAssetOperator,
    PanjayaDownloadVersionOperator,
    PanjayaGenerateVersionOperator,
    PanjayaGetSrtOperator,
    PanjayaReviseVersionOperator,
    PanjayaStudioUrlOperator,
    PanjayaUploadAssetOperator,
)
from video_localization.panjaya.sensors import PanjayaAssetSensor, PanjayaVersionSensor
from video_localization.pipelines.localize import build_plan
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import FakeTaskInstance, MemoryStateStore, PanjayaObjects

#: Poll the sandbox every 50 ms instead of every 10 s, and wait here instead of in the triggerer.
QUICK = {"deferrable": False, "poll_interval": 0.05, "max_poll_interval": 0.1, "wait_timeout": 20}
SAMPLE = media_dir() / "sample.mp4"
ContextFactory = Callable[..., dict[str, Any]]


def create_operator(panjaya: PanjayaObjects, **overrides: Any) -> PanjayaCreateAssetOperator:
    arguments: dict[str, Any] = {
        "task_id": "create_asset",
        "media_url": panjaya.media_url(),
        "source_locale": "en-US",
        "target_locales": ["fr-FR"],
        "asset_name": "launch video",
        **QUICK,
    }
    arguments.update(overrides)
    return PanjayaCreateAssetOperator(**arguments)


def panjaya_requests(sandbox: RunningSandbox) -> int:
    return sandbox.counters()["requests_by_vendor"].get("panjaya", 0)


def allowed_values(error: InvalidInputError) -> list[str]:
    return error.allowed.split(", ")


# -- bad input never reaches the vendor ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "value", "allowed"),
    [
        ({"target_locales": ["he-IL"]}, "target_languages", "he-IL", "targets"),
        ({"source_locale": "th-TH"}, "source_language", "th-TH", "sources"),
        ({"target_locales": ["xx-YY"]}, "target_languages", "xx-YY", "targets"),
        ({"target_locales": []}, "target_languages", [], "targets"),
        ({"start_time": 5, "end_time": 5}, "end_time", 5, "a number > 5"),
        ({"start_time": 6, "end_time": 2.5}, "end_time", 2.5, "a number > 6"),
        ({"voice_anonymization": 1.5}, "voice_anonymization", 1.5, "a number >= 0 and <= 1"),
        ({"speakers_count": 0}, "speakers_count", 0, "a whole number >= 1"),
        ({"speakers_count": 1.5}, "speakers_count", 1.5, "a whole number >= 1"),
        ({"lips_model": "cartoon"}, "lips_model", "cartoon", "real_face, real_face_turbo"),
        ({"media_url": "ftp://files.example/video.mp4"}, "media_url", "ftp://files.example/video.mp4", None),
        ({"media_url": "/videos/launch.mp4"}, "media_url", "/videos/launch.mp4", None),
        ({"callback_url": "hooks.example/panjaya"}, "callback_url", "hooks.example/panjaya", None),
    ],
)
def test_bad_input_is_rejected_before_any_vendor_call(
    panjaya: PanjayaObjects,
    make_context: ContextFactory,
    overrides: dict[str, Any],
    field: str,
    value: Any,
    allowed: str | None,
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        create_operator(panjaya, **overrides).execute(make_context())
    error = caught.value
    assert (error.field, error.value) == (field, value)
    assert f"{field}={value!r} is not allowed" in str(error)
    if allowed == "targets":
        assert "fr-FR" in allowed_values(error)
        assert "th-TH" in allowed_values(error)
        assert "he-IL" not in allowed_values(error)
        assert "ur-IN" not in allowed_values(error)
    elif allowed == "sources":
        assert "he-IL" in allowed_values(error)
        assert "th-TH" not in allowed_values(error)
        assert "panjaya takes th-TH as a target language only" in str(error)
    elif allowed is not None:
        assert error.allowed == allowed
    else:
        assert error.allowed == "an absolute http:// or https:// URL"
    assert panjaya_requests(panjaya.sandbox) == 0


def test_every_bad_field_is_reported_at_once(panjaya: PanjayaObjects, make_context: ContextFactory) -> None:
    operator = create_operator(
        panjaya, source_locale="th-TH", target_locales=["he-IL", "fr-FR", "fr-FR"], voice_anonymization=2
    )
    with pytest.raises(InvalidInputs) as caught:
        operator.execute(make_context())
    assert [(e.field, e.value) for e in caught.value.errors] == [
        ("source_language", "th-TH"),
        ("target_languages", "he-IL"),
        ("target_languages", "fr-FR"),  # listed twice
        ("voice_anonymization", 2),
    ]
    assert panjaya_requests(panjaya.sandbox) == 0


def plan_conf(**overrides: Any) -> dict[str, Any]:
    return {
        "source": "https://media.example/launch.mp4",
        "source_language": "en-US",
        "target_languages": ["fr-FR", "de-DE"],
        **overrides,
    }


@pytest.fixture
def plan_env(vendor_connections: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a plan checks besides the request: connections exist; `media.example` (unresolvable on this
    offline machine) is allowed by configuration, as a deployment allows a host it trusts."""
    allowed = os.environ.get("AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", "")
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", f"{allowed},media.example")


@pytest.mark.usefixtures("plan_env")
def test_build_plan_accepts_a_good_request(tmp_path: Path) -> None:
    plan = build_plan(plan_conf(output_location=str(tmp_path), speakers_count=2), "manual__2026/01/01")
    assert plan["source_kind"] == "url"
    assert plan["target_languages"] == ["fr-FR", "de-DE"]
    assert plan["options"]["panjaya"]["speakers_count"] == 2
    assert plan["run_dir"].startswith(tmp_path.as_uri()) and plan["run_dir"].endswith("-launch")

    local = build_plan(plan_conf(source=str(SAMPLE), output_location=str(tmp_path)), "r1")
    assert (local["source_kind"], local["source"]) == ("path", SAMPLE.as_uri())


@pytest.mark.parametrize(
    ("conf", "field", "value", "words"),
    [
        ({"source": "ftp://media.example/launch.mp4"}, "source", "ftp://media.example/launch.mp4", "ftp://"),
        ({"source": f"{SAMPLE.parent}/none.mp4"}, "source", f"{SAMPLE.parent}/none.mp4", "no such file"),
        ({"source": "/etc/passwd"}, "source", "/etc/passwd", "outside the configured source roots"),
        (
            {"dubbing_vendor": "panjaya", "target_languages": ["he-IL"]},
            "target_languages",
            ["he-IL"],
            "panjaya does not dub into he-IL",
        ),
        (
            {"dubbing_vendor": "panjaya", "source_language": "th-TH"},
            "target_languages",
            ["fr-FR", "de-DE"],
            "panjaya does not dub from th-TH",
        ),
        ({"target_languages": []}, "target_languages", [], "at least one"),
        ({"start_time": 4, "end_time": 3}, "end_time", 3, "a number > 4"),
        ({"voice_anonymization": 1.5}, "voice_anonymization", 1.5, "<= 1"),
        ({"speakers_count": 0}, "speakers_count", 0, "a whole number >= 1"),
        (
            {"dubbing_vendor": "heygen"},
            "dubbing_vendor",
            "heygen",
            "allowed: auto, panjaya, akool, blendvision",
        ),
    ],
)
@pytest.mark.usefixtures("plan_env")
def test_build_plan_names_the_bad_field(conf: dict[str, Any], field: str, value: Any, words: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        build_plan(plan_conf(**conf), "r1")
    assert (caught.value.field, caught.value.value) == (field, value)
    assert words in str(caught.value)


@pytest.mark.usefixtures("plan_env")
def test_build_plan_reports_every_bad_field() -> None:
    with pytest.raises(InvalidInputs) as caught:
        build_plan(
            plan_conf(
                dubbing_vendor="panjaya",
                source="ftp://x/y.mp4",
                target_languages=["ur-IN", "fr-FR"],
                speakers_count=0,
            ),
            "r1",
        )
    assert [e.field for e in caught.value.errors] == ["source", "target_languages", "speakers_count"]


# -- submit once -------------------------------------------------------------------------------------------
def test_create_asset_returns_the_version_of_each_language(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    result = create_operator(panjaya, target_locales=["fr-FR", "es-MX"]).execute(context)
    asset = panjaya.hook.get_asset(result["asset_id"])
    assert result == {
        "asset_id": asset.id,
        "versions": {locale: v.id for locale, v in asset.versions_by_locale().items()},
        "version_statuses": {"fr-FR": "ReadyToEdit", "es-MX": "ReadyToEdit"},
    }
    assert context["ti"].pushed == [("asset_id", asset.id)]
    reference = idempotency_reference(context)
    assert asset.name == f"launch video [{reference}]"  # the reference a retry looks the asset up by
    store = context["task_state_store"]
    assert store.values[ASSET_STATE_KEY] == asset.id
    assert store.retentions[ASSET_STATE_KEY] == timedelta(days=STATE_RETENTION_DAYS)


def test_a_retried_create_reattaches_through_the_state_store(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    first = create_operator(panjaya).execute(context)
    second = create_operator(panjaya).execute(context)
    assert second == first
    assert panjaya.counters()["created"] == {"panjaya:asset": 1}
    assert panjaya.requests_to("POST /panjaya/v1/assets/") == 1


def test_a_crash_before_the_state_store_write_is_covered_by_the_vendor_lookup(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    first = create_operator(panjaya).execute(make_context())
    same_task_instance = FakeTaskInstance()  # same dag, run, task and map index
    fresh_store = MemoryStateStore()  # ... but the job id never reached the store
    second = create_operator(panjaya).execute(make_context(same_task_instance, fresh_store))
    assert second["asset_id"] == first["asset_id"]
    assert panjaya.counters()["created"] == {"panjaya:asset": 1}
    assert panjaya.requests_to("GET /panjaya/v1/assets/") >= 1  # looked up by name
    assert fresh_store.values == {ASSET_STATE_KEY: first["asset_id"]}


def test_each_mapped_task_instance_gets_its_own_asset(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    ids = {
        create_operator(panjaya).execute(make_context(FakeTaskInstance(map_index=index)))["asset_id"]
        for index in (0, 1)
    }
    assert len(ids) == 2
    assert panjaya.counters()["created"] == {"panjaya:asset": 2}


def test_a_failed_asset_fails_the_task_and_is_not_reused_by_the_retry(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    operator = create_operator(panjaya, media_url=panjaya.media_url("sample_no_audio.mp4"))
    with pytest.raises(VendorJobFailed) as caught:
        operator.execute(context)
    assert caught.value.code == "missing_audio_track"
    assert "No audio tracks were found in the source video." in caught.value.message
    failed_id = context["task_state_store"].get(ASSET_STATE_KEY)

    with pytest.raises(VendorJobFailed):
        create_operator(panjaya, media_url=panjaya.media_url("sample_no_audio.mp4")).execute(context)
    assert context["task_state_store"].get(ASSET_STATE_KEY) != failed_id
    assert panjaya.counters()["created"] == {"panjaya:asset": 2}


def test_upload_asset_streams_a_local_file_once(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    context = make_context()
    upload = {
        "task_id": "upload",
        "source_path": str(SAMPLE),
        "source_locale": "en-US",
        "target_locales": ["pt-BR"],
        **QUICK,
    }
    first = PanjayaUploadAssetOperator(**upload).execute(context)
    again = PanjayaUploadAssetOperator(**upload).execute(context)
    assert again == first
    assert list(first["versions"]) == ["pt-BR"]
    assert panjaya.requests_to("POST /panjaya/v1/assets/upload") == 1


def test_add_languages_adds_only_what_is_missing(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    asset = panjaya.wait_asset(panjaya.upload_asset(targets=("fr-FR",)).id)
    add = {"task_id": "add", "asset_id": asset.id, "target_locales": ["fr-FR", "ko-KR"], **QUICK}
    first = PanjayaAddLanguagesOperator(**add).execute(make_context())
    again = PanjayaAddLanguagesOperator(**add).execute(make_context())
    assert set(first["versions"]) == {"fr-FR", "ko-KR"}
    assert again == first
    assert panjaya.requests_to("POST /panjaya/v1/assets/{asset_id}/languages") == 1


# -- generate once -----------------------------------------------------------------------------------------
def generate_operator(version_id: str, **overrides: Any) -> PanjayaGenerateVersionOperator:
    return PanjayaGenerateVersionOperator(
        task_id="generate", version_id=version_id, **{"locale": "fr-FR", **QUICK, **overrides}
    )


def generations(panjaya: PanjayaObjects) -> int:
    return panjaya.counters()["created"].get("panjaya:generation", 0)


def test_generate_waits_until_completed_and_pushes_the_studio_link(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    version = panjaya.editable_version()
    context = make_context()
    result = generate_operator(version.id).execute(context)
    assert result == {"version_id": version.id, "locale": "fr-FR", "status": "Completed"}
    assert panjaya.hook.get_version(version.id).status is VersionStatus.COMPLETED
    assert generations(panjaya) == 1
    assert context["ti"].pushed_value(STUDIO_URL_XCOM_KEY) == version.studio_url  # unsigned: needs a login


def test_a_retried_generate_on_a_completed_version_does_not_generate_again(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    version = panjaya.editable_version()
    first = generate_operator(version.id).execute(make_context())
    retry = generate_operator(version.id).execute(make_context())
    assert retry == first
    assert generations(panjaya) == 1
    assert panjaya.requests_to("POST /panjaya/v1/versions/{version_id}/generate") == 1


def test_a_retried_generate_on_a_generating_version_reattaches(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    version = panjaya.editable_version()
    panjaya.hook.generate_version(version.id)  # the first try started it, then died
    result = generate_operator(version.id).execute(make_context())
    assert result["status"] == "Completed"
    assert generations(panjaya) == 1
    assert panjaya.requests_to("POST /panjaya/v1/versions/{version_id}/generate") == 1


def test_a_version_still_not_ready_is_waited_for_then_generated(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    asset = panjaya.wait_asset(panjaya.upload_asset(targets=("fr-FR",)).id)
    panjaya.sandbox.sandbox.settings.step_seconds = 0.2
    added = panjaya.hook.add_languages(asset.id, [TargetLanguage(locale="nl-NL")])
    new_version = added.versions_by_locale()["nl-NL"]
    assert new_version.status is VersionStatus.NOT_READY
    result = generate_operator(new_version.id, locale="nl-NL").execute(make_context())
    assert result == {"version_id": new_version.id, "locale": "nl-NL", "status": "Completed"}
    assert generations(panjaya) == 1


def test_a_failed_version_fails_the_task_unless_revise_failed(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    version = panjaya.editable_version()
    httpx.post(f"{panjaya.sandbox.vendor_url('panjaya')}/_sandbox/fail-next-generate", timeout=5)
    with pytest.raises(VendorJobFailed) as caught:
        generate_operator(version.id).execute(make_context())
    assert "generation_failed: An error occurred during the video generation process." in caught.value.message

    with pytest.raises(VendorJobFailed, match="set revise_failed=True"):
        generate_operator(version.id).execute(make_context())  # a plain retry does not pay again
    assert generations(panjaya) == 1

    result = generate_operator(version.id, revise_failed=True).execute(make_context())
    assert result["status"] == "Completed"
    assert generations(panjaya) == 2
    assert panjaya.requests_to("PATCH /panjaya/v1/versions/{version_id}/revise") == 1


# -- revise, studio link, SRT, download --------------------------------------------------------------------
def test_revise_returns_the_id_and_keeps_the_signed_link_out_of_xcom(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    version = panjaya.completed_version()
    operator = PanjayaReviseVersionOperator(
        task_id="revise", version_id=version.id, studio_url_expiration_minutes=30
    )
    context = make_context()
    assert operator.execute(context) == {"version_id": version.id, "status": "ReadyToEdit"}
    assert context["ti"].pushed == []
    assert panjaya.hook.get_version(version.id).status is VersionStatus.READY_TO_EDIT


def test_studio_url_operator_returns_a_working_signed_link(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    version = panjaya.editable_version()
    url = PanjayaStudioUrlOperator(task_id="link", version_id=version.id, expiration_minutes=10).execute(
        make_context()
    )
    assert "signature=" in url
    assert httpx.get(url, timeout=10).status_code == 200


def test_get_srt_operator_saves_the_translation(
    panjaya: PanjayaObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    version = panjaya.editable_version("it-IT")
    stored = PanjayaGetSrtOperator(task_id="srt", version_id=version.id, output_dir=str(tmp_path)).execute(
        make_context()
    )
    text = (tmp_path / "it-IT.srt").read_text()
    assert "[it-IT] Hello and welcome." in text
    assert stored["name"] == "it-IT.srt"
    assert stored["sha256"] == hashlib.sha256(text.encode()).hexdigest()


def test_get_srt_operator_refuses_an_unknown_locality_naming_field_and_allowed_values(
    panjaya: PanjayaObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    operator = PanjayaGetSrtOperator(
        task_id="srt", version_id="no-call-made", output_dir=str(tmp_path), locality="both"
    )
    with pytest.raises(InvalidInputError) as caught:
        operator.execute(make_context())
    assert caught.value.field == "locality"
    assert caught.value.value == "both"
    assert allowed_values(caught.value) == ["source", "target"]


def test_download_saves_the_video_and_subtitles_and_returns_only_uris(
    panjaya: PanjayaObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    version = panjaya.completed_version("fr-FR")
    output = tmp_path / "run" / "fr-FR"
    result = PanjayaDownloadVersionOperator(
        task_id="download", version_id=version.id, output_dir=str(output), **QUICK
    ).execute(make_context())

    sample = SAMPLE.read_bytes()
    assert sorted(p.name for p in output.iterdir()) == ["fr-FR.srt", "video.mp4"]  # nothing half-written
    assert (output / "video.mp4").read_bytes() == sample
    video, subtitles = result["files"]
    assert video["uri"] == (output / "video.mp4").as_uri()
    assert video["size_bytes"] == len(sample)
    assert video["sha256"] == hashlib.sha256(sample).hexdigest()
    assert subtitles["uri"] == (output / "fr-FR.srt").as_uri()
    assert (output / "fr-FR.srt").read_text() == panjaya.hook.get_srt(version.id)
    assert (result["locale"], result["version_id"], result["asset_id"]) == (
        "fr-FR",
        version.id,
        version.asset_id,
    )
    as_text = json.dumps(result)
    assert "signature=" not in as_text
    assert "result_url" not in as_text
    assert version.result_url not in as_text


def test_download_refuses_a_version_that_is_not_completed(
    panjaya: PanjayaObjects, make_context: ContextFactory, tmp_path: Path
) -> None:
    version = panjaya.editable_version()
    operator = PanjayaDownloadVersionOperator(
        task_id="download", version_id=version.id, output_dir=str(tmp_path)
    )
    with pytest.raises(AirflowException, match="only a Completed version can be downloaded"):
        operator.execute(make_context())
    assert list(tmp_path.iterdir()) == []


# -- sensors (poke mode) -------------------------------------------------------------------------------------
SENSOR = {"mode": "poke", "poke_interval": 0.05, "timeout": 20, "deferrable": False}


def test_asset_sensor_pokes_until_the_versions_are_prepared(
    panjaya: PanjayaObjects, make_context: ContextFactory
) -> None:
    settings = panjaya.sandbox.sandbox.settings
    settings.step_seconds = 3600  # still Processing at the first poke, however loaded the machine
    created = panjaya.create_asset(targets=("fr-FR", "de-DE"))
    sensor = PanjayaAssetSensor(task_id="asset_ready", asset_id=created.id, **SENSOR)
    assert sensor.poke(make_context()) is False  # still Processing
    settings.step_seconds = 0.05  # the sandbox counts stages when read: now they pass
    result = sensor.execute(make_context())
    assert result["status"] == "success"
    assert set(result["versions"]) == {"fr-FR", "de-DE"}
    assert sensor.poke(make_context()) is True


def test_asset_sensor_fails_on_a_failed_asset(panjaya: PanjayaObjects, make_context: ContextFactory) -> None:
    asset = panjaya.wait_asset(panjaya.upload_asset("sample_audio_only.mp4").id)
    assert asset.status is AssetStatus.FAILED
    sensor = PanjayaAssetSensor(task_id="asset_ready", asset_id=asset.id, **SENSOR)
    with pytest.raises(VendorJobFailed, match="unsupported_media"):
        sensor.poke(make_context())


def test_version_sensor_pokes_until_generated(panjaya: PanjayaObjects, make_context: ContextFactory) -> None:
    version = panjaya.editable_version()
    sensor = PanjayaVersionSensor(task_id="generated", version_id=version.id, **SENSOR)
    assert sensor.poke(make_context()) is False  # ReadyToEdit is not generated
    panjaya.hook.generate_version(version.id)
    result = sensor.execute(make_context())
    assert (result["status"], result["locale"]) == ("success", "fr-FR")
    assert sensor.poke(make_context()) is True
    editable = PanjayaVersionSensor(task_id="editable", version_id=version.id, wait_for="editable", **SENSOR)
    assert editable.poke(make_context()) is False  # Completed is not editable


# -- the extra link ------------------------------------------------------------------------------------------
def test_the_studio_link_reads_the_url_the_generate_operator_pushes(monkeypatch: pytest.MonkeyPatch) -> None:
    link = PanjayaStudioLink()
    assert link.name == "Panjaya Studio"
    assert STUDIO_URL_XCOM_KEY == "studio_url"
    assert any(
        isinstance(extra, PanjayaStudioLink) for extra in PanjayaGenerateVersionOperator.operator_extra_links
    )

    pushed = {"studio_url": "https://studio.panjaya.ai/versions/v1"}
    asked: list[dict[str, Any]] = []

    def get_value(*, ti_key: Any, key: str) -> Any:
        asked.append({"ti_key": ti_key, "key": key})
        return pushed.get(key)

    monkeypatch.setattr(links.BaseXCom, "get_value", staticmethod(get_value))
    operator = generate_operator("v1")
    assert link.get_link(operator, ti_key="ti-key") == "https://studio.panjaya.ai/versions/v1"
    assert asked == [{"ti_key": "ti-key", "key": STUDIO_URL_XCOM_KEY}]
    pushed.clear()
    assert link.get_link(operator, ti_key="ti-key") == ""  # no link before the version was looked at
