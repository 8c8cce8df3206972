"""`localize_video` on Panjaya answers that carry no `locale` nor `name` (the document prints neither).

The sandbox's omit switch answers the strict way; the run must still deliver every language under its own
name, and pay for one asset and one generation per language (guesses PANJAYA_ANSWER_LOCALE,
PANJAYA_ASSET_NAME in `core.guesses`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

os.environ["AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL"] = "0.1"
os.environ["AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState

from video_localization_dev.sandbox.server import RunningSandbox
from vloc_test_support import sample_run_conf

pytestmark = pytest.mark.usefixtures("vendor_connections")


def test_a_run_delivers_every_language_when_answers_name_none(
    localize_dag, vendors_env: RunningSandbox, tmp_path: Path
) -> None:
    switch = httpx.post(
        f"{vendors_env.vendor_url('panjaya')}/_sandbox/omit-inferred-fields", json={"omit": True}, timeout=5
    )
    switch.raise_for_status()
    output = tmp_path / "out"
    run = localize_dag.test(run_conf=sample_run_conf(output, ["fr-FR", "ja-JP"]))
    states = {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}
    assert run.state == DagRunState.SUCCESS, states

    [manifest_path] = output.glob("*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert [(lang["locale"], lang["status"]) for lang in manifest["languages"]] == [
        ("fr-FR", "delivered"),
        ("ja-JP", "delivered"),
    ]
    for language in manifest["languages"]:
        locale = language["locale"]
        [srt] = [entry for entry in language["files"] if entry["path"].endswith(".srt")]
        assert srt["path"].startswith(f"{locale}/") and srt["path"].endswith(f".{locale}.srt"), srt
        # the sandbox's machine translation marks each cue with the language it really dubbed into
        assert f"[{locale}] " in (manifest_path.parent / srt["path"]).read_text()
    assert vendors_env.counters()["created"] == {"panjaya:asset": 1, "panjaya:generation": 2}
