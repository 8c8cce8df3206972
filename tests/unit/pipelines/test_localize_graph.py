"""The localization graph without running it: routing, the form's schema, names, manifest v2, grid rows."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from video_localization.core.dubbing import DubbingVendor, DubRequest, dubbing_vendor
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.pipelines import localize, naming
from video_localization.pipelines.localize_form import LIPS_MODELS, params
from video_localization.pipelines.manifest import schema_path
from video_localization.pipelines.routing import route
from video_localization_dev.media import media_dir

URL = "https://media.example.com/launch.mp4"
DAGS_DIR = Path(__file__).resolve().parents[3] / "dags"


@pytest.fixture(autouse=True)
def plan_env(vendor_connections, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a plan checks besides the request: the vendors' connections exist; `media.example.com`
    (unresolvable on this offline machine) is allowed by configuration, as a deployment allows a host."""
    allowed = os.environ.get("AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", "")
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", f"{allowed},media.example.com")


def _conf(**extra):
    return {"source": URL, "source_language": "en-US", "output_location": "/tmp/vloc-unused", **extra}


def _request(**extra) -> DubRequest:
    return DubRequest(source=URL, source_kind="url", source_language="en-US", **extra)


def test_every_adapter_implements_the_protocol():
    for vendor in ("panjaya", "akool", "blendvision"):
        assert isinstance(dubbing_vendor(vendor), DubbingVendor)


def test_auto_routes_each_language_to_the_first_vendor_that_takes_it():
    routes = route(_request(), ["fr-FR", "fil-PH", "fr-CA"], "auto", ["akool", "panjaya", "blendvision"])
    assert [(r.locale, r.vendor) for r in routes] == [
        ("fr-FR", "akool"),
        ("fil-PH", "panjaya"),
        ("fr-CA", "blendvision"),
    ]
    assert routes[0].fallbacks == ["panjaya", "blendvision"]


def test_requested_options_steer_the_route():
    """Review is Panjaya's; an interval is not Akool's; a file source is not Akool's."""
    assert {r.vendor for r in route(_request(review=True), ["fr-FR"], "auto", ["akool"])} == {"panjaya"}
    routes = route(_request(interval=True), ["fr-FR"], "auto", ["akool", "blendvision"])
    assert routes[0].vendor == "blendvision"


def test_single_vendor_refusal_names_the_languages_and_who_takes_what():
    with pytest.raises(InvalidInputError) as refused:
        route(_request(), ["fr-FR", "fil-PH", "fr-CA"], "akool", [])
    text = str(refused.value)
    assert "fil-PH" in text and "fr-CA" in text
    assert "panjaya takes fr-FR, fil-PH" in text and "blendvision takes fr-FR, fr-CA" in text


def test_compare_routes_every_language_to_both_vendors():
    routes = route(_request(), ["fr-FR", "de-DE"], "auto", [], compare=["panjaya", "akool"])
    assert [(r.locale, r.vendor) for r in routes] == [
        ("fr-FR", "panjaya"),
        ("fr-FR", "akool"),
        ("de-DE", "panjaya"),
        ("de-DE", "akool"),
    ]
    with pytest.raises(InvalidInputError, match="fil-PH"):
        route(_request(), ["fil-PH"], "auto", [], compare=["panjaya", "akool"])


def test_plan_shows_the_route_and_spans_vendors():
    plan = localize.build_plan(_conf(target_languages=["fr-FR", "fil-PH", "fr-CA"]), "r1")
    assert {g["vendor"]: g["locales"] for g in plan["groups"]} == {
        "panjaya": ["fr-FR", "fil-PH"],
        "blendvision": ["fr-CA"],
    }
    assert "fr-CA -> blendvision" in plan["route_text"]


def test_plan_refuses_before_any_vendor_call_and_warns_for_options_that_do_not_apply(tmp_path):
    plan = localize.build_plan(
        _conf(dubbing_vendor="akool", target_languages=["fr-FR"], voice_anonymization=0.5), "r1"
    )
    assert any("voice_anonymization" in warning for warning in plan["warnings"])
    with pytest.raises((InvalidInputError, InvalidInputs), match="source"):
        localize.build_plan(
            _conf(dubbing_vendor="akool", source=str(media_dir() / "sample.mp4"), target_languages=["fr-FR"]),
            "r1",
        )
    with pytest.raises((InvalidInputError, InvalidInputs), match="fallback"):
        localize.build_plan(
            _conf(target_languages=["fr-FR"], compare_vendors=["panjaya", "akool"], fallback=True), "r"
        )


def test_form_sections_names_and_required_marks():
    form = {name: param.schema for name, param in params().items()}
    assert all(schema.get("section") for schema in form.values())
    assert {form[name]["section"] for name in ("lips_model", "voice_anonymization", "speakers_count")} == {
        "Panjaya options"
    }
    assert form["face_enhance"]["section"] == "Akool options"
    assert form["target_languages"]["values_display"]["fil-PH"] == "Filipino (fil-PH)"
    assert form["source_language"]["values_display"]["en-US"].startswith("English")
    # Airflow 3.3's form marks a field required when its type does not include "null" (ui source).
    required = {
        name
        for name, schema in form.items()
        if not (isinstance(schema["type"], list) and "null" in schema["type"])
    }
    assert required == {"source", "source_language", "target_languages", "dubbing_vendor"}
    for name, schema in form.items():
        if "boolean" in schema["type"]:
            assert schema["type"] == ["boolean", "null"], name
        if None in (schema.get("enum") or []):
            assert "None" in schema["values_display"], name  # no literal "null" in a select


def test_lips_models_in_the_form_are_panjayas():
    from video_localization.panjaya.models import LipsModel

    assert tuple(model.value for model in LipsModel) == LIPS_MODELS


def test_deliverable_names_are_readable_sortable_and_have_no_colons():
    when = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    folder = naming.run_folder("Launch: Q3 (final)", "manual__2026-12-04T15:00:00+00:00", when)
    assert folder == "2026-12-04-Launch-Q3-final"
    assert naming.file_stem("Launch-Q3-final", "fr-FR") == "Launch-Q3-final.fr-FR"
    assert ":" not in naming.run_folder("", "manual__2026-12-04T15:00:00+00:00", when)
    assert naming.run_folder("x", "r1", when, taken=True) == f"2026-12-04-x-{naming.short_id('r1')}"


def _validator():
    schema = json.loads(schema_path().read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_a_built_manifest_validates_against_the_committed_schema(tmp_path):
    plan = localize.build_plan(
        _conf(target_languages=["fr-FR", "de-DE", "it-IT"], output_location=str(tmp_path)), "r1"
    )
    uri = f"{plan['run_dir']}/fr-FR/launch.fr-FR.mp4"
    stored = {"uri": uri, "name": "launch.fr-FR.mp4", "size_bytes": 3, "sha256": "a" * 64}
    delivered = [
        {
            "locale": "fr-FR",
            "vendor": "akool",
            "job_ids": {"video_model_id": "j1"},
            "files": [stored],
            "attempts": [
                {"vendor": "panjaya", "job_ids": {"version_id": "v"}, "status": "moved", "reason": "x"}
            ],
            "timings": {
                "submitted_at": None,
                "completed_at": None,
                "delivered_at": "2026-12-04T15:00:00+00:00",
            },
        }
    ]
    failures = [
        {"locale": "de-DE", "vendor": "panjaya", "reason": "panjaya: generation_failed", "attempts": []}
    ]
    decisions = [{"locale": "it-IT", "approved": False, "by": "ana", "at": "2026-12-04T15:00:00+00:00"}]
    document = localize.build_manifest(
        plan, {"dag_id": "localize_video", "run_id": "r1", "started_at": None}, delivered, failures, decisions
    )
    _validator().validate(document)
    status = {lang["locale"]: (lang["status"], lang["vendor"]) for lang in document["languages"]}
    assert status == {
        "fr-FR": ("delivered", "akool"),
        "de-DE": ("failed", "panjaya"),
        "it-IT": ("rejected", "panjaya"),
    }
    assert document["languages"][0]["files"][0]["path"] == "fr-FR/launch.fr-FR.mp4"
    assert "rejected in review by ana" in document["languages"][2]["reason"]


def test_a_presigned_source_url_keeps_its_signature_out_of_the_plan_and_the_manifest(tmp_path):
    signed = f"{URL}?X-Amz-Signature=0123456789abcdef"
    plan = localize.build_plan(
        _conf(source=signed, target_languages=["fr-FR"], output_location=str(tmp_path)), "r1"
    )
    assert "0123456789abcdef" not in json.dumps(plan)
    document = localize.build_manifest(plan, {"dag_id": "localize_video", "run_id": "r1", "started_at": None})
    assert document["source"]["uri"] == f"{URL}?<redacted>"
    assert plan["title"] == "launch"


def test_localize_video_has_at_most_a_dozen_grid_rows():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / "localize_video.py"))
    assert not bag.import_errors, bag.import_errors
    dag = bag.dags["localize_video"]
    # The grid's rows: each task outside a group, and each group once (its tasks fold into it).
    rows = {
        task.task_group.group_id if task.task_group and task.task_group.group_id else task.task_id
        for task in dag.tasks
    }
    assert len(rows) <= 12, sorted(rows)
    assert rows == {
        "plan",
        "vendor_groups",
        "prepare",
        "languages",
        "language",
        "caption_jobs",
        "captions",
        "manifest",
        "notification_wanted",
        "notify",
        "outcome",
    }
    # Whatever the vendors: the rows name the user's steps, no vendor's branch.
    assert sorted(dag.task_group_dict["language"].children) == [
        "language.deliver",
        "language.dub",
        "language.review",
    ]


def test_caption_jobs_are_one_per_language_with_every_format(tmp_path):
    plan = localize.build_plan(
        _conf(
            source=str(media_dir() / "sample.mp4"),
            target_languages=["fr-FR"],
            caption_formats=["SubRip", "WebVtt"],
            output_location=str(tmp_path),
        ),
        "r1",
    )
    delivered = [
        {
            "locale": "fr-FR",
            "vendor": "panjaya",
            "job_ids": {"version_id": "v1"},
            "files": [{"name": "sample.fr-FR.srt", "uri": f"{plan['run_dir']}/fr-FR/sample.fr-FR.srt"}],
        }
    ]
    jobs = localize.caption_jobs(plan, delivered)
    assert [(job["locale"], job["formats"], job["captions_source"]) for job in jobs] == [
        ("en-US", ["SubRip", "WebVtt"], "dubbing"),
        ("fr-FR", ["SubRip", "WebVtt"], "dubbing"),
    ]
    assert jobs[0]["transcript_version_id"] == "v1" and jobs[1]["srt"].endswith("sample.fr-FR.srt")


def test_the_new_keys_are_known_and_an_unknown_key_is_refused(tmp_path):
    plan = localize.build_plan(
        _conf(
            target_languages=["fr-FR"],
            title="Launch Q3",
            vendor_preference=["akool", "panjaya"],
            fallback=True,
            compare_vendors=[],
            output_location=str(tmp_path),
        ),
        "r1",
    )
    assert (plan["title"], plan["fallback"], plan["vendor_preference"]) == (
        "Launch Q3",
        True,
        ["akool", "panjaya"],
    )
    # Vendors left out of the preference come last.
    assert plan["routes"] == [{"locale": "fr-FR", "vendor": "akool", "fallbacks": ["panjaya", "blendvision"]}]
    with pytest.raises((InvalidInputError, InvalidInputs)) as refused:
        localize.build_plan(_conf(target_languages=["fr-FR"], human_review=True), "r1")
    assert "human_review" in str(refused.value) and "unknown key" in str(refused.value)
