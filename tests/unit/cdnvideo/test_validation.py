"""Checks of talking-head requests: the document's limits, the account's configurations, the plan.

Bad input is refused before any call: the sandbox's request counter stays at 0.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from video_localization.cdnvideo.catalogue import load_snapshot, refresh_snapshot, snapshot_path
from video_localization.cdnvideo.hook import CDNVideoHook
from video_localization.cdnvideo.models import Actor
from video_localization.cdnvideo.validation import (
    build_request,
    check_script,
    make_actor,
    pick_voice,
    resolve,
)
from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.languages import vendor_languages
from video_localization.pipelines.talking_head import build_plan, params, sample_scripts
from video_localization_dev.sandbox.server import RunningSandbox

CATALOGUE = load_snapshot()
NATALIA = Actor(name="Natalia", shot="waist")


def vendor_requests(sandbox: RunningSandbox) -> int:
    return sandbox.counters()["requests_by_vendor"].get("cdnvideo", 0)


# -- the snapshot and the language table ---------------------------------------------------------------
def test_the_snapshot_is_the_sandbox_accounts_live_configurations(
    cdnvideo_hook: CDNVideoHook, tmp_path: Path
) -> None:
    written = refresh_snapshot(path=tmp_path / "configurations.json")
    assert written.read_text(encoding="utf-8") == snapshot_path().read_text(encoding="utf-8")
    assert cdnvideo_hook.get_configurations().catalogue() == CATALOGUE.catalogue()


def test_every_language_has_voices_and_every_voice_a_language() -> None:
    table = vendor_languages("cdnvideo")
    codes = {language.code for language in table}
    assert {voice.language for voice in CATALOGUE.voices.values()} == codes
    assert table.get("en-GB").code == table.get("en-US").code == "en-EN"  # the document's English code
    assert table.sources() == []  # a script is voiced in its own language: nothing is a source


# -- limits ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("", "empty"),
        ("a" * 3001, "3001 characters"),
        ("<speak>Hello <break time='1s'></speak>", "SSML is not well formed"),
    ],
)
def test_scripts_beyond_the_documents_limits(script: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_script(script, "scripts.en-US")
    assert caught.value.field == "scripts.en-US" and reason in str(caught.value)
    assert "of 1 to 3000 characters" in caught.value.allowed
    assert len(str(caught.value)) < 300  # a long script is named by its start and length, not pasted
    assert check_script("a" * 3000) == "a" * 3000
    assert check_script("<speak>Hi <break time='1s'/> there</speak>").startswith("<speak>")


# -- the account's configurations ------------------------------------------------------------------------
def test_latest_is_the_newest_version_that_fits() -> None:
    assert resolve(CATALOGUE, NATALIA, "Sara").version == "4.1.0"
    assert (
        resolve(CATALOGUE, Actor(name="Natalia", style="suitjacket", shot="waist"), "Alena").version
        == "1.0.0"
    )
    assert resolve(CATALOGUE, NATALIA, "Alena", emotion="good").emotion == "good"
    four_k = resolve(CATALOGUE, Actor(name="Mikhail", shot="closeup"), "Henri", background="studio")
    assert (four_k.version, four_k.size) == ("2.0.0", "4K")


@pytest.mark.parametrize(
    ("actor", "voice", "extra", "field", "value", "allowed"),
    [
        (Actor(name="Boris", shot="waist"), "Sara", {}, "actor", "Boris", "Anna, Mikhail, Natalia"),
        (Actor(name="Natalia", version="9", shot="waist"), "Sara", {}, "actor_version", "9", "latest, 1.0.0"),
        (
            Actor(name="Natalia", style="hoodie", shot="waist"),
            "Sara",
            {},
            "style",
            "hoodie",
            "dressshirt, suit",
        ),
        (Actor(name="Natalia", shot="closeup"), "Sara", {}, "shot", "closeup", "full, waist"),
        (Actor(name="Natalia", shot="waist", size="4K"), "Sara", {}, "size", "4K", "HD"),
        (NATALIA, "Nobody", {}, "voice", "Nobody", "Alena, Colette"),
        (NATALIA, "Guy", {}, "voice", "Guy", "Alena, Colette"),
        (NATALIA, "Sara", {"locale": "de-DE"}, "voice", "Sara", "Katja"),
        (NATALIA, "Sara", {"background": "nowhere"}, "background", "nowhere", "background_1, globe"),
        (
            Actor(name="Natalia", shot="full"),
            "Sara",
            {"background": "globe"},
            "background",
            "globe",
            "green_screen",
        ),
        (NATALIA, "Sara", {"emotion": "good"}, "emotion", "good", "neutral"),
    ],
)
def test_misfits_name_the_field_the_value_and_what_fits(
    actor: Actor, voice: str, extra: dict[str, Any], field: str, value: str, allowed: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        resolve(CATALOGUE, actor, voice, **extra)
    assert (caught.value.field, caught.value.value) == (field, value)
    assert caught.value.allowed.startswith(allowed), caught.value.allowed


def test_a_wrong_background_size_says_which_sizes_meet() -> None:
    with pytest.raises(InvalidInputError) as caught:
        resolve(CATALOGUE, Actor(name="Natalia", shot="full"), "Sara", background="globe")
    assert "it exists in HD; the full shot is FullHD" in str(caught.value)
    assert caught.value.allowed == "green_screen, office, studio"


def test_a_voice_of_the_wrong_language_says_what_it_speaks() -> None:
    with pytest.raises(InvalidInputError) as caught:
        resolve(CATALOGUE, NATALIA, "Sara", locale="de-DE", voice_field="voices.de-DE")
    assert (
        str(caught.value)
        == "voices.de-DE='Sara' is not allowed (Sara speaks en-EN, not de-DE); allowed: Katja"
    )


def test_voices_are_chosen_by_language_gender_and_emotion() -> None:
    assert pick_voice(CATALOGUE, NATALIA, "en-GB") == "Mia"  # en-GB-MiaNeural: the exact locale first
    assert pick_voice(CATALOGUE, NATALIA, "en-US") == "Sara"
    assert pick_voice(CATALOGUE, NATALIA, "ru-RU") == "Alena"
    assert pick_voice(CATALOGUE, NATALIA, "ru-RU", emotion="evil") == "Jane"
    assert (
        pick_voice(CATALOGUE, Actor(name="Mikhail", shot="waist"), "de-DE") == "Conrad"
    )  # the actor's gender
    with pytest.raises(InvalidInputError) as caught:
        pick_voice(CATALOGUE, NATALIA, "de-DE", gender="male")
    assert "no male voice of de-DE for Natalia" in str(caught.value) and caught.value.allowed == "Katja"
    with pytest.raises(InvalidInputError, match="voice_gender='robot'"):
        pick_voice(CATALOGUE, NATALIA, "de-DE", gender="robot")


def test_build_request_reports_every_bad_field_at_once() -> None:
    with pytest.raises(InvalidInputs) as caught:
        build_request(CATALOGUE, script="a" * 3001, video_name="n" * 36, actor=NATALIA, voice="Nobody")
    assert [e.field for e in caught.value.errors] == ["script", "video_name", "voice"]
    request, resolved = build_request(
        CATALOGUE, script="Hallo.", video_name="v", actor=NATALIA, voice=None, locale="de-DE"
    )
    assert request.wire() == {
        "script": "Hallo.",
        "actor": {"name": "Natalia", "shot": "waist"},
        "voice": "Katja",
        "video_name": "v",
    }
    assert resolved.voice_language == "de-DE" and resolved.background == "green_screen"
    with pytest.raises(InvalidInputs):
        make_actor("", None)


# -- the plan: everything checked, no call ------------------------------------------------------------------
def conf(**overrides: Any) -> dict[str, Any]:
    return {
        "scripts": {"en-US": "Hello.", "de-DE": "Hallo."},
        "actor": "Natalia",
        "shot": "waist",
        "video_name": "Launch",
        **overrides,
    }


def test_the_plan_chooses_voices_and_lays_out_the_run(tmp_path: Path, cdnvideo_conn: RunningSandbox) -> None:
    plan = build_plan(conf(output_location=str(tmp_path), voices={"de-de": "Katja"}), "manual__2026/01/01")
    assert plan["locales"] == ["en-US", "de-DE"]
    assert [(job["locale"], job["voice"]) for job in plan["jobs"]] == [("en-US", "Sara"), ("de-DE", "Katja")]
    run_dir = plan["run_dir"]  # <date>-<video name>: readable, sortable, no colons
    assert run_dir.startswith(tmp_path.as_uri() + "/")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-Launch", run_dir.rsplit("/", 1)[1]), run_dir
    assert plan["jobs"][1]["output_dir"] == f"{run_dir}/de-DE"
    assert plan["resolved"]["en-US"]["version"] == "4.1.0"
    assert vendor_requests(cdnvideo_conn) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "value", "words"),
    [
        (
            {"scripts": {"en-US": "a" * 3001}},
            "scripts.en-US",
            "a" * 40 + "... (3001 characters)",
            "3001 characters",
        ),
        ({"video_name": "n" * 36}, "video_name", "n" * 36, "36 characters"),
        ({"voices": {"en-US": "Nobody"}}, "voices.en-US", "Nobody", "allowed: Mia, Sara"),
        ({"voices": {"de-DE": "Sara"}}, "voices.de-DE", "Sara", "Sara speaks en-EN, not de-DE"),
        ({"shot": "full", "background": "globe"}, "background", "globe", "the full shot is FullHD"),
        ({"scripts": {"xx-XX": "?"}}, "scripts", "xx-XX", "allowed: ru-RU, en-US"),
        ({"voices": {"fr-FR": "Denise"}}, "voices", "fr-FR", "a voice for a locale without a script"),
        ({"actor": "Boris"}, "actor", "Boris", "allowed: Anna, Mikhail, Natalia"),
        ({"voice_gender": "robot"}, "voice_gender", "robot", "allowed: female, male"),
    ],
)
def test_the_plan_refuses_bad_input_before_any_call(
    cdnvideo_conn: RunningSandbox, overrides: dict[str, Any], field: str, value: Any, words: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        build_plan(conf(**overrides), "r1")
    assert (caught.value.field, caught.value.value) == (field, value)
    assert words in str(caught.value)
    assert vendor_requests(cdnvideo_conn) == 0


def test_the_plan_reports_every_bad_field_once() -> None:
    with pytest.raises(InvalidInputs) as caught:
        build_plan(conf(actor="Boris", video_name="n" * 36, scripts={"en-US": "", "de-DE": "Hallo."}), "r1")
    assert [e.field for e in caught.value.errors] == [
        "video_name",
        "scripts.en-US",
        "actor",
    ]  # not one per locale


def test_the_form_defaults_are_a_valid_request(tmp_path: Path, cdnvideo_conn: RunningSandbox) -> None:
    form = params()
    defaults = {name: param.value for name, param in form.items()}
    assert defaults["scripts"] == sample_scripts()
    assert form["scripts"].schema["additionalProperties"]["maxLength"] == 3000
    assert form["video_name"].schema["maxLength"] == 35
    plan = build_plan({**defaults, "output_location": str(tmp_path)}, "r1")
    assert [job["voice"] for job in plan["jobs"]] == ["Katja", "Sara", "Denise"]
